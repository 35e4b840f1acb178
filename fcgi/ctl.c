/*
 * Client side of agentd's control socket (DESIGN.md "Control socket protocol").
 *
 * Every state change goes through here: one connection per request (the
 * daemon may restart between two requests, and a connection cannot be left
 * half-used by an interrupted call), the daemon's status and body relayed
 * unchanged. A daemon that cannot be reached is 503 daemon_unavailable.
 */
#include <stdlib.h>

#include "agd.h"
#include "api.h"
#include "log.h"
#include "proto.h"

/* The audit note is best effort: never hold the worker long for it. */
#define CTL_AUDIT_MS	5000

/* The actor of the request, for the daemon's checks and records. Caller puts. */
struct json_object *
ctl_actor(struct req *req)
{
	struct json_object	*o;
	const char		*addr;

	addr = request_param(req, "REMOTE_ADDR");
	o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(req->user));
	json_object_object_add(o, "groups", json_object_new_string(req->groups));
	json_object_object_add(o, "addr",
	    addr != NULL ? json_object_new_string(addr) : NULL);
	return (o);
}

/* Send op with args (borrowed) to the daemon and relay its reply. */
void
ctl_relay(struct req *req, const char *op, struct json_object *args)
{
	ctl_relay_timeout(req, op, args, CTL_TIMEOUT_MS);
}

/*
 * Relay the body's checked fields (req->args) with the session's name added: the
 * endpoints under /api/agents/sessions/:name.
 */
void
ctl_relay_named(struct req *req, const char *op)
{
	json_object_object_add(req->args, "name", json_object_new_string(req->name));
	ctl_relay(req, op, req->args);
}

/*
 * Tell the daemon about a change made here (an upload), for its audit table: the
 * status of the reply already sent, where, how many files. Best effort.
 */
void
ctl_audit(struct req *req, const char *op, const char *where, int count)
{
	struct json_object	*args, *actor, *body = NULL;
	char			*cause = NULL;
	int			 status;

	args = json_object_new_object();
	json_object_object_add(args, "status", json_object_new_int(req->status));
	json_object_object_add(args, "where",
	    where != NULL ? json_object_new_string(where) : NULL);
	json_object_object_add(args, "count", json_object_new_int(count));
	actor = ctl_actor(req);
	req->relayed = 1;	/* the daemon's row says how it ended */
	if (agd_ctl_call(api.ctl_path, op, args, actor, CTL_AUDIT_MS, &status, &body,
	    &cause) != 0)
		free(cause);
	json_object_put(body);
	json_object_put(actor);
	json_object_put(args);
}

/*
 * Send op with args (borrowed) and wait up to ms for the daemon's answer: 0 with
 * *status and *body (the caller puts it), or -1 once an error was replied.
 */
int
ctl_call(struct req *req, const char *op, struct json_object *args, int ms,
    int *status, struct json_object **body)
{
	struct json_object	*actor;
	char			*cause = NULL;
	int			 rc;

	*body = NULL;
	actor = ctl_actor(req);
	rc = agd_ctl_call(api.ctl_path, op, args, actor, ms, status, body, &cause);
	json_object_put(actor);
	if (rc == AGD_EUNAVAIL) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		reply_error(req, AGD_ERR_DAEMON_UNAVAILABLE, "agentd is not running");
	} else if (rc != 0) {
		log_warnx("%s: %s: %s", __func__, op, cause);
		free(cause);
		reply_error(req, AGD_ERR_DAEMON_UNAVAILABLE,
		    "agentd did not answer");
	} else if (*status < 200 || *status > 599) {
		log_warnx("%s: %s: bad status %d from agentd", __func__, op,
		    *status);
		reply_error(req, AGD_ERR_INTERNAL, "bad reply from agentd");
	} else {
		req->relayed = 1;	/* the daemon decided, and audited, it */
		return (0);
	}
	json_object_put(*body);
	*body = NULL;
	return (-1);
}

/* ctl_relay for an operation that may take up to ms (a synchronous debrief). */
void
ctl_relay_timeout(struct req *req, const char *op, struct json_object *args, int ms)
{
	struct json_object	*body;
	int			 status;

	if (ctl_call(req, op, args, ms, &status, &body) == 0)
		reply_json(req, status, body);
	json_object_put(body);
}

/*
 * ctl_relay, with the daemon's successful object reply given to the seed's
 * clients with member key set to true first ({"killed": true, ...}). The body of
 * an error is relayed unchanged.
 */
void
ctl_relay_flag(struct req *req, const char *op, struct json_object *args,
    const char *key)
{
	struct json_object	*body, *o;
	int			 status;

	if (ctl_call(req, op, args, CTL_TIMEOUT_MS, &status, &body) == -1)
		return;
	if (status / 100 == 2 && json_object_is_type(body, json_type_object)) {
		o = json_object_new_object();
		json_object_object_add(o, key, json_object_new_boolean(1));
		json_object_object_foreach(body, k, v)
			json_object_object_add(o, k, json_object_get(v));
		reply_json_put(req, status, o);
	} else
		reply_json(req, status, body);
	json_object_put(body);
}
