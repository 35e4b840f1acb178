/*
 * The control socket: agentd-fcgi (and `agentd shutdown`) send one framed JSON
 * request at a time and get one framed reply. Only our own uid (or root) may
 * connect; a frame that is garbage, too big or of another version closes that
 * connection and nothing else.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "agentd.h"
#include "auth.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "sock.h"
#include "util.h"
#include "xmalloc.h"

/* Control connections the kernel may queue: the fcgi workers and a few clients. */
#define SERVER_BACKLOG	128

static struct evconnlistener	*server_listener;
static TAILQ_HEAD(, ctl_client)	 server_clients = TAILQ_HEAD_INITIALIZER(server_clients);

static void	server_client_free(struct ctl_client *);

void
ctl_reply(struct ctl_client *c, int status, struct json_object *body)
{
	struct json_object	*o;
	const char		*text;
	uint8_t			 hdr[AGD_PROTO_HDR];
	size_t			 len;

	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "body", body);
	text = agd_json_text(o, &len);
	if (len > AGD_PROTO_MAX) {
		json_object_put(o);
		ctl_error(c, "internal", "reply too large");
		return;
	}
	agd_proto_header(hdr, (uint32_t)len);
	bufferevent_write(c->bev, hdr, sizeof hdr);
	bufferevent_write(c->bev, text, len);
	if (c->audit_op != NULL) {
		const char	*detail = NULL;

		if (status >= 400)
			agd_json_get_string(body, "error", &detail);
		persist_audit(c->user, agd_role_name(c->role), c->audit_op,
		    c->audit_session, c->addr, status, detail);
		free(c->audit_op);
		free(c->audit_session);
		c->audit_op = c->audit_session = NULL;
	}
	json_object_put(o);
	c->busy = 0;
	bufferevent_enable(c->bev, EV_READ);
}

void
ctl_error(struct ctl_client *c, const char *code, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	ctl_reply(c, agd_err_status(code), agd_json_error(code, msg));
	free(msg);
}

static void
server_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct json_object	*req, *args = NULL, *actor = NULL;
	const char		*op = NULL;
	uint8_t			 hdr[AGD_PROTO_HDR];
	uint32_t		 len;
	char			*cause;

	while (!c->busy && evbuffer_get_length(in) >= AGD_PROTO_HDR) {
		evbuffer_copyout(in, hdr, sizeof hdr);
		if (agd_proto_parse_header(hdr, &len, &cause) == -1) {
			log_debug("%s: %s", __func__, cause);
			free(cause);
			server_client_free(c);
			return;
		}
		if (evbuffer_get_length(in) < AGD_PROTO_HDR + (size_t)len)
			return;
		evbuffer_drain(in, AGD_PROTO_HDR);
		req = agd_json_parse((const char *)evbuffer_pullup(in, len), len, &cause);
		evbuffer_drain(in, len);
		if (req == NULL || !json_object_is_type(req, json_type_object) ||
		    agd_json_get_string(req, "op", &op) == -1 || op == NULL) {
			if (req == NULL)
				free(cause);
			json_object_put(req);
			server_client_free(c);
			return;
		}
		json_object_object_get_ex(req, "args", &args);
		if (args != NULL && !json_object_is_type(args, json_type_object)) {
			json_object_put(req);
			server_client_free(c);
			return;
		}
		json_object_object_get_ex(req, "actor", &actor);
		json_object_put(c->actor);
		c->actor = actor != NULL ? json_object_get(actor) : NULL;
		c->busy = 1;
		cmd_dispatch(c, op, args);
		json_object_put(req);
	}
	/* One request at a time: stop reading while a reply is outstanding. */
	if (c->busy)
		bufferevent_disable(c->bev, EV_READ);
}

static void
server_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		server_client_free(arg);
}

static void
server_client_free(struct ctl_client *c)
{
	if (c->abandon != NULL)
		c->abandon(c);
	if (c->waiting != NULL) {
		if (c->waiting->create_waiter == c)
			c->waiting->create_waiter = NULL;
		else if (c->debrief_wait)
			debrief_forget(c->waiting, c);
		else
			TAILQ_REMOVE(&c->waiting->waiters, c, wentry);
	}
	TAILQ_REMOVE(&server_clients, c, entry);
	json_object_put(c->actor);
	free(c->user);
	free(c->addr);
	free(c->audit_op);
	free(c->audit_session);
	bufferevent_free(c->bev);
	free(c);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_client	*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;

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
	c = xcalloc(1, sizeof *c);
	c->bev = bufferevent_socket_new(agentd_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, server_client_read_cb, NULL, server_client_event_cb, c);
	/* Never hold more than one maximal frame per client. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, AGD_PROTO_HDR + AGD_PROTO_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&server_clients, c, entry);
}

/* Bind a Unix socket at path (0600), refusing to steal one a live daemon holds. */
int
server_bind(const char *path)
{
	char	*cause;
	int	 fd;

	fd = agd_sock_listen(path, AGD_SOCK_NONBLOCK | AGD_SOCK_LIVE, SERVER_BACKLOG, &cause);
	if (fd == AGD_EEXISTS)
		fatalx("%s: another agentd is running on it", path);
	if (fd < 0)
		fatalx("%s", cause);
	return (fd);
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
	int	fd = server_bind(path);

	server_listener = evconnlistener_new(agentd_base, server_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if (server_listener == NULL)
		fatal("evconnlistener_new");
	evconnlistener_set_error_cb(server_listener, server_accept_error_cb);
}

void
server_close(void)
{
	struct ctl_client	*c;

	if (server_listener != NULL)
		evconnlistener_free(server_listener);
	server_listener = NULL;
	while ((c = TAILQ_FIRST(&server_clients)) != NULL)
		server_client_free(c);
}

/* A `shutdown` caller waits until every session has ended; then the loop stops. */
void
server_shutdown_check(void)
{
	struct ctl_client	*c;
	struct timeval		 tv = { 0, 100000 };

	if (!agentd_exiting || session_count() > 0)
		return;
	TAILQ_FOREACH(c, &server_clients, entry) {
		if (c->shutdown_wait) {
			c->shutdown_wait = 0;
			ctl_reply(c, 200, json_object_new_object());
		}
	}
	/* Give the replies a moment to leave before the loop ends. */
	event_base_loopexit(agentd_base, &tv);
}
