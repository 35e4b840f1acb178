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
#define AGD_PROTO_MAX		(2 * 1024 * 1024)

void	agd_proto_header(uint8_t hdr[AGD_PROTO_HDR], uint32_t len);
/* 0 and *len if hdr is well formed; -1 with *cause otherwise. */
int	agd_proto_parse_header(const uint8_t hdr[AGD_PROTO_HDR], uint32_t *len, char **cause);

/* Blocking client (agentd-fcgi, agentd shutdown). */
int	agd_proto_connect(const char *path, char **cause);
/*
 * Send {"op": op, "args": args, "actor": actor} and wait up to timeout_ms for the reply.
 * args and actor are borrowed (may be NULL). On success return 0 with *status and
 * *body (caller puts). -1 with *cause if the daemon could not be reached or broke the protocol.
 */
int	agd_proto_call(int fd, const char *op, struct json_object *args,
	    struct json_object *actor, int timeout_ms, int *status,
	    struct json_object **body, char **cause);

#endif
