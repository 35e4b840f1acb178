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

/*
 * How long to wait for the daemon. DELETE waits for the agent's process group
 * to go, up to kill_grace_ms (5 s by default) plus the SIGKILL: 30 s leaves
 * room for a raised grace period without letting a stuck daemon hold a worker
 * forever.
 */
#define CTL_TIMEOUT_MS	30000
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

/* ctl_relay for an operation that may take up to ms (a synchronous debrief). */
void
ctl_relay_timeout(struct req *req, const char *op, struct json_object *args, int ms)
{
	struct json_object	*actor, *body = NULL;
	char			*cause = NULL;
	int			 status, rc;

	actor = ctl_actor(req);
	rc = agd_ctl_call(api.ctl_path, op, args, actor, ms, &status, &body, &cause);
	if (rc == AGD_EUNAVAIL) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		reply_error(req, AGD_ERR_DAEMON_UNAVAILABLE, "agentd is not running");
	} else if (rc != 0) {
		log_warnx("%s: %s: %s", __func__, op, cause);
		free(cause);
		reply_error(req, AGD_ERR_DAEMON_UNAVAILABLE,
		    "agentd did not answer");
	} else if (status < 200 || status > 599) {
		log_warnx("%s: %s: bad status %d from agentd", __func__, op,
		    status);
		reply_error(req, AGD_ERR_INTERNAL, "bad reply from agentd");
	} else {
		req->relayed = 1;	/* the daemon decided, and audited, it */
		reply_json(req, status, body);
	}
	json_object_put(body);
	json_object_put(actor);
}
