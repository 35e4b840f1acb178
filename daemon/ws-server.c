/*
 * The WebSocket listener: HOME/run/ws.sock, which only nginx reaches. It accepts
 * viewers up to ws_max_viewers, runs the timer that pings them and subscribes the
 * viewers to every session.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <unistd.h>

#include "agentd.h"
#include "log.h"
#include "sock.h"
#include "ws.h"

/* Connections the kernel holds for us before we accept them. */
#define WS_LISTEN_BACKLOG	128

static int		 ws_listen_fd = -1;
static struct event	*ws_listen_ev;
static struct event	*ws_ping_ev;

/* Out of descriptors a moment ago: watch the listener again (lib/sock.h). */
static void
ws_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (ws_listen_ev != NULL)
		event_add(ws_listen_ev, NULL);
}

static void
ws_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval	tv;
	int		fd, ms;

	(void)what;
	(void)arg;
	if ((fd = agd_sock_accept(lfd, SOCK_NONBLOCK, &ms)) == -1) {
		if (ms == 0)
			return;
		/* The listener stays readable: watching it now would spin the loop. */
		log_warn("ws: accept (paused %d ms)", ms);
		event_del(ws_listen_ev);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		event_base_once(agentd_base, -1, EV_TIMEOUT, ws_accept_resume_cb, NULL, &tv);
		return;
	}
	if (ws_client_count() >= agentd_conf->ws_max_viewers) {
		close(fd);
		return;
	}
	ws_client_new(fd);
}

static void
ws_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ws_ping_all();
}

void
ws_init(const char *path)
{
	struct timeval	tv;

	ws_listen_fd = listen_bind(path, WS_LISTEN_BACKLOG, 1);
	ws_listen_ev = event_new(agentd_base, ws_listen_fd, EV_READ | EV_PERSIST,
	    ws_accept_cb, NULL);
	event_add(ws_listen_ev, NULL);
	tv.tv_sec = agentd_conf->ws_ping_ms / 1000;
	tv.tv_usec = (agentd_conf->ws_ping_ms % 1000) * 1000;
	ws_ping_ev = event_new(agentd_base, -1, EV_PERSIST, ws_ping_cb, NULL);
	event_add(ws_ping_ev, &tv);
	ws_session_watch();
}

void
ws_close_all(void)
{
	ws_client_free_all();
	ws_audit_flush();
	ws_linger_free_all();
	if (ws_listen_ev != NULL) {
		event_free(ws_listen_ev);
		event_free(ws_ping_ev);
		close(ws_listen_fd);
	}
	ws_listen_ev = NULL;
}
