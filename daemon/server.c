/*
 * The control socket's listener: bind (listen.c), accept with a back-off when
 * out of descriptors, and the peer check: only our own uid (or root) may
 * connect. Each accepted connection is server-client.c's.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <unistd.h>

#include <event2/listener.h>

#include "agentd.h"
#include "log.h"
#include "sock.h"

/* Control connections the kernel may queue: the fcgi workers and a few clients. */
#define SERVER_BACKLOG	128

static struct evconnlistener	*server_listener;

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    (cred.uid != getuid() && cred.uid != 0)) {
		log_warnx("control socket: refused peer uid %ld", (long)cred.uid);
		close(fd);
		return;
	}
	server_client_new(fd);
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

void
server_init(const char *path)
{
	int	fd = listen_bind(path, SERVER_BACKLOG);

	server_listener = evconnlistener_new(agentd_base, server_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (server_listener == NULL)
		fatal("evconnlistener_new");
	evconnlistener_set_error_cb(server_listener, server_accept_error_cb);
}

void
server_close(void)
{
	if (server_listener != NULL)
		evconnlistener_free(server_listener);
	server_listener = NULL;
	server_client_close_all();
}
