/*
 * One control connection: agentd-fcgi on ctl.sock, or a session's hooks and
 * link loop (`agentd hook|link`) on hook.sock (narrow: cmd.c takes only their
 * keyed reports there), send one framed JSON request at a time and get one
 * framed reply. A frame that is
 * garbage, too big or of another version closes that connection and nothing
 * else. While a reply is outstanding (a command waits: cmd_wait) the
 * connection reads nothing more; if the client goes away meanwhile, its
 * waiter is cancelled, so the subsystem holding it forgets it.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "util.h"
#include "waiter.h"
#include "xmalloc.h"

/*
 * The sessions' socket is reachable from inside every claude's sandbox and by
 * every unsandboxed agent: what one hostile agent may hold of it. Connections at
 * once from one PID namespace (a sandbox: its agent alone); from one process;
 * from ours (link loops, unsandboxed agents) and from one agent user's uid, those
 * no key has proved yet; those of one session's key; and how long one may take
 * to send its request (a hook sends one small one at once; the wait for its
 * answer, an approval's, is not counted). A connection proved by its key counts
 * for its session, no longer in its pool: a pool full of keyless connections
 * gives up its oldest past SERVER_NARROW_GRACE_MS for a new one (a hook's
 * request comes at once), so they cannot keep the sessions' hooks out.
 */
#define SERVER_NARROW_PER_NS		8
#define SERVER_NARROW_PER_PID		4
#define SERVER_NARROW_OWN_NS		64
#define SERVER_NARROW_PER_UID		8
#define SERVER_NARROW_PER_SESSION	8
#define SERVER_NARROW_GRACE_MS		1000
#define SERVER_NARROW_MS		10000

static TAILQ_HEAD(, ctl_client)	 server_clients = TAILQ_HEAD_INITIALIZER(server_clients);

static void	server_client_free(struct ctl_client *);
static void	server_client_arm(struct ctl_client *);
static int	server_client_keyed(struct ctl_client *, struct json_object *);

/* The reply is audited: one row, with the error message when it failed. */
static void
server_client_audit(struct ctl_client *c, int status, struct json_object *body)
{
	const char	*detail = NULL;

	if (status >= 400)
		agd_json_get_string(body, "error", &detail);
	persist_audit(c->user, agd_role_name(c->role), c->audit_op, c->audit_session,
	    c->addr, status, detail);
	free(c->audit_op);
	free(c->audit_session);
	c->audit_op = c->audit_session = NULL;
}

/*
 * The request's line in the log, and its audit row, with its id: the reply may
 * come long after the request (a command that waits), when another one is handled.
 */
static void
server_client_done(struct ctl_client *c, int status, struct json_object *body)
{
	char	prev[AGD_REQUEST_ID_MAX + 1] = "", st[16], ms[32];
	uint64_t us = agd_now_us() - c->t0;

	if (log_request() != NULL)
		memcpy(prev, log_request(), strlen(log_request()) + 1);
	log_request_set(c->request[0] != '\0' ? c->request : NULL);
	snprintf(st, sizeof st, "%d", status);
	snprintf(ms, sizeof ms, "%llu.%03llu", (unsigned long long)(us / 1000),
	    (unsigned long long)(us % 1000));
	log_fields(AGD_LOG_INFO, "request", "op", c->op, "status", st, "user", c->user,
	    "session", c->audit_session, "ms", ms, (const char *)NULL);
	if (c->audit_op != NULL)
		server_client_audit(c, status, body);
	log_request_set(prev[0] != '\0' ? prev : NULL);
}

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
		ctl_error(c, AGD_ERR_INTERNAL, "reply too large");
		return;
	}
	agd_proto_header(hdr, (uint32_t)len);
	bufferevent_write(c->bev, hdr, sizeof hdr);
	bufferevent_write(c->bev, text, len);
	server_client_done(c, status, body);
	json_object_put(o);
	c->busy = 0;
	bufferevent_enable(c->bev, EV_READ);
	if (c->deadline != NULL)
		server_client_arm(c);
}

/* An error now goes the way of every error: through a waiter (waiter.c). */
void
ctl_error(struct ctl_client *c, enum agd_err code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	waiter_verror(cmd_wait(c), code, fmt, ap);
	va_end(ap);
}

/*
 * The next request of the frame at the head of in: 1 and *req (the caller puts
 * it), 0 if it has not all arrived, -1 if the client broke the protocol.
 */
static int
server_client_frame(struct evbuffer *in, struct json_object **req)
{
	struct json_object	*args = NULL;
	const char		*op = NULL;
	uint8_t			 hdr[AGD_PROTO_HDR];
	uint32_t		 len;
	char			*cause;

	evbuffer_copyout(in, hdr, sizeof hdr);
	if (agd_proto_parse_header(hdr, &len, &cause) == -1) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		return (-1);
	}
	if (evbuffer_get_length(in) < AGD_PROTO_HDR + (size_t)len)
		return (0);
	evbuffer_drain(in, AGD_PROTO_HDR);
	*req = agd_json_parse((const char *)evbuffer_pullup(in, len), len, &cause);
	evbuffer_drain(in, len);
	if (*req == NULL) {
		free(cause);
		return (-1);
	}
	if (!json_object_is_type(*req, json_type_object) ||
	    agd_json_get_string(*req, "op", &op) == -1 || op == NULL ||
	    (json_object_object_get_ex(*req, "args", &args) &&
	    args != NULL && !json_object_is_type(args, json_type_object))) {
		json_object_put(*req);
		*req = NULL;
		return (-1);
	}
	return (1);
}

/*
 * What the log says of the request req (op): its op and its id, nginx's as
 * agentd-fcgi passed it, a new one for one that is no id (only its length is
 * logged), none if it has none (a hook, a link loop).
 */
static void
server_client_request(struct ctl_client *c, struct json_object *req, const char *op)
{
	const char	*id = NULL;
	char		 len[32];

	snprintf(c->op, sizeof c->op, "%s", op);
	c->t0 = agd_now_us();
	c->request[0] = '\0';
	if (agd_json_get_string(req, "request", &id) == -1)
		id = "";	/* there, but not a string */
	else if (id == NULL)
		return;
	if (log_request_valid(id)) {
		memcpy(c->request, id, strlen(id) + 1);
		return;
	}
	log_request_new(c->request);
	log_request_set(c->request);
	snprintf(len, sizeof len, "%zu", strlen(id));
	log_fields(AGD_LOG_INFO, "request id replaced: not an id", "length", len,
	    (const char *)NULL);
	log_request_set(NULL);
}

static void
server_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct json_object	*req = NULL, *args = NULL, *actor = NULL;
	const char		*op = NULL;
	int			 rc;

	while (!c->busy && evbuffer_get_length(in) >= AGD_PROTO_HDR) {
		if ((rc = server_client_frame(in, &req)) == -1) {
			server_client_free(c);
			return;
		}
		if (rc == 0)
			return;
		agd_json_get_string(req, "op", &op);
		args = actor = NULL;
		json_object_object_get_ex(req, "args", &args);
		json_object_object_get_ex(req, "actor", &actor);
		json_object_put(c->actor);
		c->actor = actor != NULL ? json_object_get(actor) : NULL;
		if (c->narrow && server_client_keyed(c, args) == -1) {
			json_object_put(req);
			server_client_free(c);
			return;
		}
		c->busy = 1;
		/* A request is in: its answer may wait (an approval), the clock stops. */
		if (c->deadline != NULL)
			evtimer_del(c->deadline);
		server_client_request(c, req, op);
		log_request_set(c->request[0] != '\0' ? c->request : NULL);
		cmd_dispatch(c, op, args);
		log_request_set(NULL);
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
	if (c->wait != NULL)
		waiter_cancel(c->wait);
	TAILQ_REMOVE(&server_clients, c, entry);
	if (c->deadline != NULL)
		event_free(c->deadline);
	json_object_put(c->actor);
	free(c->user);
	free(c->addr);
	free(c->audit_op);
	free(c->audit_session);
	bufferevent_free(c->bev);
	free(c);
}

/* The inode of pid's PID namespace (0 if unknown). */
static uint64_t
server_client_pidns(pid_t pid)
{
	struct stat	sb;
	char		path[64];

	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
	return (stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0);
}

/* A narrow connection's time is up (or it broke the limit): it goes. */
static void
server_client_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	server_client_free(arg);
}

/* A narrow connection has SERVER_NARROW_MS to send its (next) request. */
static void
server_client_arm(struct ctl_client *c)
{
	struct timeval	tv = { SERVER_NARROW_MS / 1000, (SERVER_NARROW_MS % 1000) * 1000 };

	evtimer_add(c->deadline, &tv);
}

/* A refusal on the sessions' socket, logged once a period: a flood must not flood the log. */
static void __attribute__((format(printf, 1, 2)))
server_client_refused(const char *fmt, ...)
{
	static uint64_t	 warned;
	va_list		 ap;
	char		*text;

	if (agd_now_ms() < warned + SERVER_NARROW_MS)
		return;
	warned = agd_now_ms();
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		text = NULL;
	va_end(ap);
	log_warnx("sessions' socket: %s: refused (said once per %d s)",
	    text != NULL ? text : "?", SERVER_NARROW_MS / 1000);
	free(text);
}

/* 1 if o counts in the pool of c (a new connection) that pool names. */
static int
server_client_pool(struct ctl_client *o, struct ctl_client *c, int pool)
{
	if (!o->narrow || o == c)
		return (0);
	switch (pool) {
	case 0:		/* a foreign PID namespace: all of its connections */
		return (o->pidns == c->pidns);
	case 1:		/* ours: the keyless ones */
		return (o->pidns == c->pidns && o->keyed == 0);
	default:	/* an agent user's uid: the keyless ones */
		return (o->uid == c->uid && o->keyed == 0);
	}
}

/*
 * Room in pool (server_client_pool) for c under max: 0, after pushing out its
 * oldest keyless connection past the grace if it was full; -1 if none is.
 */
static int
server_client_room(struct ctl_client *c, int pool, int max)
{
	struct ctl_client	*o, *oldest = NULL;
	int			 n = 0;

	TAILQ_FOREACH(o, &server_clients, entry) {
		if (!server_client_pool(o, c, pool))
			continue;
		n++;
		if (o->keyed == 0 && !o->busy && (oldest == NULL || o->since_ms < oldest->since_ms))
			oldest = o;
	}
	if (n < max)
		return (0);
	if (oldest == NULL || c->since_ms - oldest->since_ms < SERVER_NARROW_GRACE_MS)
		return (-1);
	log_debug("sessions' socket: pid %d's oldest keyless connection makes room",
	    (int)oldest->pid);
	server_client_free(oldest);
	return (0);
}

/*
 * 0 if a narrow connection from fd's peer may be taken (its peer noted), else -1:
 * that process, its PID namespace or its uid holds as many as it may.
 */
static int
server_client_narrow(struct ctl_client *c, int fd)
{
	static uint64_t		 own;
	struct ctl_client	*o;
	struct ucred		 cr;
	socklen_t		 len = sizeof cr;
	int			 n = 0;

	if (own == 0)
		own = server_client_pidns(getpid());
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return (-1);
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->pidns = server_client_pidns(cr.pid);
	c->since_ms = agd_now_ms();
	TAILQ_FOREACH(o, &server_clients, entry) {
		if (o->narrow && o->pid == c->pid)
			n++;
	}
	if (n >= SERVER_NARROW_PER_PID) {
		server_client_refused("pid %d holds %d connections", (int)cr.pid, n);
		return (-1);
	}
	if (c->pidns != own && server_client_room(c, 0, SERVER_NARROW_PER_NS) == -1) {
		server_client_refused("pid %d's namespace holds %d connections", (int)cr.pid,
		    SERVER_NARROW_PER_NS);
		return (-1);
	}
	if (c->pidns == own && server_client_room(c, 1, SERVER_NARROW_OWN_NS) == -1) {
		server_client_refused("%d connections without a key (pid %d)",
		    SERVER_NARROW_OWN_NS, (int)cr.pid);
		return (-1);
	}
	if (cr.uid != getuid() && cr.uid != 0 &&
	    server_client_room(c, 2, SERVER_NARROW_PER_UID) == -1) {
		server_client_refused("uid %ld holds %d connections without a key",
		    (long)cr.uid, SERVER_NARROW_PER_UID);
		return (-1);
	}
	return (0);
}

/*
 * A narrow connection's request (args) proves a session's key: it counts for that
 * session from now on. 0, or -1 if that session holds as many as it may.
 */
static int
server_client_keyed(struct ctl_client *c, struct json_object *args)
{
	struct ctl_client	*o;
	int64_t			 id;
	int			 n = 0;

	if (c->keyed != 0 || (id = cmd_key_session(args)) == 0)
		return (0);
	TAILQ_FOREACH(o, &server_clients, entry) {
		if (o->narrow && o->keyed == id)
			n++;
	}
	if (n >= SERVER_NARROW_PER_SESSION) {
		server_client_refused("session %lld's key holds %d connections",
		    (long long)id, n);
		return (-1);
	}
	c->keyed = id;
	return (0);
}

void
server_client_new(int fd, int narrow)
{
	struct ctl_client	*c;

	c = xcalloc(1, sizeof *c);
	c->narrow = narrow;
	if (narrow && server_client_narrow(c, fd) == -1) {
		close(fd);
		free(c);
		return;
	}
	c->bev = bufferevent_socket_new(agentd_base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, server_client_read_cb, NULL, server_client_event_cb, c);
	/* Never hold more than one maximal frame per client. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, AGD_PROTO_HDR + AGD_PROTO_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&server_clients, c, entry);
	if (narrow) {
		c->deadline = evtimer_new(agentd_base, server_client_deadline_cb, c);
		server_client_arm(c);
	}
}

void
server_client_close_all(void)
{
	struct ctl_client	*c;

	while ((c = TAILQ_FIRST(&server_clients)) != NULL)
		server_client_free(c);
}
