/*
 * Unix-domain listening sockets, the same way for every program: the daemon's
 * control socket, a holder's socket and agentd-fcgi's FastCGI socket.
 */
#ifndef AGD_SOCK_H
#define AGD_SOCK_H

/* Flags of agd_sock_listen. */
#define AGD_SOCK_NONBLOCK	0x1	/* the listening socket is O_NONBLOCK */
#define AGD_SOCK_LIVE		0x2	/* refuse a path a live listener still answers on */
#define AGD_SOCK_ONLYSOCK	0x4	/* refuse a path that exists and is not a socket */
#define AGD_SOCK_GROUP		0x8	/* AGD_SOCK_GROUP_MODE: nginx's group may connect */

/* Only the owner may connect: the peer check comes after, this is the first gate. */
#define AGD_SOCK_MODE		0600
/*
 * group_sockets = yes: the sockets nginx connects to are also the group's, the group
 * of the directory they are in (a setgid HOME/run: www-data in the Debian package).
 */
#define AGD_SOCK_GROUP_MODE	0660
/*
 * Out of descriptors (EMFILE, ENFILE): stop accepting for this long, then try again,
 * as tmux server.c does; accepting at once would fail again and spin the loop.
 */
#define AGD_ACCEPT_BACKOFF_MS	1000

/*
 * Bind and listen on path with mode AGD_SOCK_MODE, or AGD_SOCK_GROUP_MODE with
 * AGD_SOCK_GROUP (the umask is 077 around the bind,
 * so no other user can connect even for a moment), close-on-exec. What is at path
 * already is removed first, unless flags refuse it. Returns the listening fd, or
 * AGD_EEXISTS (AGD_SOCK_LIVE: someone answers on it), AGD_EINVAL (AGD_SOCK_ONLYSOCK:
 * not a socket) or AGD_ERROR, each with *cause set (the caller frees it).
 */
int	agd_sock_listen(const char *path, int flags, int backlog, char **cause);

/*
 * How long to stop accepting after accept() failed with err: AGD_ACCEPT_BACKOFF_MS
 * when the process or the system is out of descriptors, 0 when the next accept
 * may simply be tried (EAGAIN, EINTR, a connection aborted, anything else).
 */
int	agd_sock_backoff(int err);

/*
 * accept4(lfd, flags | SOCK_CLOEXEC). Returns the new fd (the caller owns it), or -1
 * with errno set and *pause_ms = agd_sock_backoff(errno): the caller stops watching
 * lfd for that many milliseconds if it is not 0.
 */
int	agd_sock_accept(int lfd, int flags, int *pause_ms);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit, and log it: a viewer reading the
 * log costs two descriptors, and the default 1024 is reached by a few hundred.
 * Called once at start by agentd and agentd-fcgi.
 */
void	agd_sock_nofile_raise(void);

#endif
