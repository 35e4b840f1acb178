/*
 * The control socket's listener and the sessions' socket's: bind (listen.c),
 * accept with a back-off when out of descriptors, and the peer check: only our
 * own uid (or root) may connect; on the sessions' socket (run/hook.sock, which a
 * sandboxed claude's hooks reach) also an agent user's, whose requests prove
 * themselves by their session's key (cmd.c). Each accepted connection is
 * server-client.c's; one from the sessions' socket is narrow.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "agentd.h"
#include "log.h"
#include "sock.h"

/* Control connections the kernel may queue: the fcgi workers and a few clients. */
#define SERVER_BACKLOG	128

static struct evconnlistener	*server_listener;
static struct evconnlistener	*server_hook_listener;
static int			 server_narrow;	/* its address: the listener's arg */

/*
 * The uids of agent_user and agent_users (their hooks call us), resolved once at
 * start: not a password database lookup per connection. A pool of
 * SERVER_AGENT_UIDS_MAX users at most is heard (the rest is logged at start).
 */
#define SERVER_AGENT_UIDS_MAX	256
static uid_t	server_agent_uids[SERVER_AGENT_UIDS_MAX];
static size_t	server_agent_nuids;

static void
server_agent_add(const char *name)
{
	struct passwd	*pw;

	if ((pw = getpwnam(name)) == NULL) {
		log_warnx("sessions' socket: agent user %s does not exist", name);
		return;
	}
	if (server_agent_nuids == SERVER_AGENT_UIDS_MAX) {
		log_warnx("sessions' socket: more than %d agent users: %s not heard",
		    SERVER_AGENT_UIDS_MAX, name);
		return;
	}
	server_agent_uids[server_agent_nuids++] = pw->pw_uid;
}

static void
server_agent_resolve(void)
{
	const char	*list = agentd_conf->agent_users;
	char		 name[256];
	size_t		 n;

	server_agent_nuids = 0;
	if (agentd_conf->agent_user != NULL)
		server_agent_add(agentd_conf->agent_user);
	while (list != NULL && *(list += strspn(list, " \t")) != '\0') {
		n = strcspn(list, " \t");
		if (n < sizeof name) {
			memcpy(name, list, n);
			name[n] = '\0';
			server_agent_add(name);
		}
		list += n;
	}
}

/* 1 if uid is an agent user's. */
static int
server_agent_uid(uid_t uid)
{
	size_t	i;

	for (i = 0; i < server_agent_nuids; i++) {
		if (server_agent_uids[i] == uid)
			return (1);
	}
	return (0);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;
	int		narrow = arg != NULL;

	(void)l;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    (cred.uid != getuid() && cred.uid != 0 &&
	    !(narrow && server_agent_uid(cred.uid)))) {
		log_warnx("%s socket: refused peer uid %ld", narrow ? "sessions'" :
		    "control", (long)cred.uid);
		close(fd);
		return;
	}
	server_client_new(fd, narrow);
}

/* Out of descriptors: stop accepting control connections a moment (lib/sock.h). */
static void
server_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (server_listener != NULL)
		evconnlistener_enable(server_listener);
	if (server_hook_listener != NULL)
		evconnlistener_enable(server_hook_listener);
}

static void
server_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct timeval	tv;
	int		ms = agd_sock_backoff(EVUTIL_SOCKET_ERROR());

	(void)arg;
	log_warn("control socket: accept");
	if (ms == 0)
		return;
	evconnlistener_disable(l);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_base_once(agentd_base, -1, EV_TIMEOUT, server_accept_resume_cb, NULL, &tv);
}

static struct evconnlistener *
server_listen(const char *path, void *narrow)
{
	struct evconnlistener	*l;
	int			 fd = listen_bind(path, SERVER_BACKLOG, 0);

	l = evconnlistener_new(agentd_base, server_accept_cb, narrow,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (l == NULL)
		fatal("evconnlistener_new");
	evconnlistener_set_error_cb(l, server_accept_error_cb);
	return (l);
}

void
server_init(const char *path, const char *hook_path)
{
	server_agent_resolve();
	server_listener = server_listen(path, NULL);
	server_hook_listener = server_listen(hook_path, &server_narrow);
	/*
	 * An agent user's hooks connect inside its sandbox, where the socket is
	 * bound alone; outside, HOME (0700, agd_home_check) keeps others away.
	 */
	if ((agentd_conf->agent_user != NULL || agentd_conf->agent_users != NULL) &&
	    chmod(hook_path, 0666) == -1)
		log_warn("chmod %s", hook_path);
}

void
server_close(void)
{
	if (server_listener != NULL)
		evconnlistener_free(server_listener);
	if (server_hook_listener != NULL)
		evconnlistener_free(server_hook_listener);
	server_listener = server_hook_listener = NULL;
	server_client_close_all();
}
