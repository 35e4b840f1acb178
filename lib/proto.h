/* The control socket protocol: framing, and the blocking client every client uses. */
#ifndef AGD_PROTO_H
#define AGD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Control socket framing (doc/DESIGN.md): 'A' 'G' 'D' version, then the payload
 * length as uint32 big-endian, then that many bytes of JSON.
 */
#define AGD_PROTO_VERSION	1
#define AGD_PROTO_HDR		8
/* The largest payload: a message (AGD_MESSAGE_MAX) and its envelope fit many times. */
#define AGD_PROTO_MAX		(2 * 1024 * 1024)

/* Fill hdr for a payload of len bytes. */
void	agd_proto_header(uint8_t hdr[AGD_PROTO_HDR], uint32_t len);
/* 0 and *len if hdr is well formed; -1 with *cause (the caller frees it) otherwise. */
int	agd_proto_parse_header(const uint8_t hdr[AGD_PROTO_HDR], uint32_t *len, char **cause);

/* Blocking client (agentd-fcgi, agentd shutdown). Returns a connected fd, or -1 with *cause. */
int	agd_proto_connect(const char *path, char **cause);
/*
 * Send {"op": op, "args": args, "actor": actor, "request": ID} (ID: this thread's
 * log_request(), left out if none) and wait up to timeout_ms for the reply.
 * args and actor are borrowed (may be NULL). On success return 0 with *status and
 * *body (caller puts). -1 with *cause if the daemon could not be reached or broke the protocol.
 */
int	agd_proto_call(int fd, const char *op, struct json_object *args,
	    struct json_object *actor, int timeout_ms, int *status,
	    struct json_object **body, char **cause);

/* The daemon's control socket under home: "HOME/run/ctl.sock". Caller frees. */
char	*agd_ctl_path(const char *home);
/*
 * The sessions' own socket under home: "HOME/run/hook.sock" (same frames; only
 * agent.hook and worker.link, each with its session's key). Caller frees.
 */
char	*agd_hook_path(const char *home);
/* The variable that gives a session's hooks and link loop its key. */
#define AGD_SESSION_KEY_ENV	"AGENTD_SESSION_KEY"

/*
 * The whole client side of one control request: connect to path, send op with args
 * and actor (both borrowed, may be NULL), wait up to timeout_ms (writes included) for
 * the reply, close. Returns 0 with *status and *body (the caller puts it);
 * AGD_EUNAVAIL if nothing answers on path; AGD_ERROR if the daemon did not answer in
 * time or broke the protocol. Each failure sets *cause (the caller frees it).
 */
int	agd_ctl_call(const char *path, const char *op, struct json_object *args,
	    struct json_object *actor, int timeout_ms, int *status,
	    struct json_object **body, char **cause);

#endif
