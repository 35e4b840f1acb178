/*
 * POST /api/agents/sessions/:name/complete {status, comment}: mark the session
 * completed (op session.complete). status is one of success, failure, partial,
 * cancelled; comment is an optional string of at most AGD_COMMENT_MAX bytes.
 */
#include "agd.h"
#include "api.h"
#include "valid.h"

static int	api_session_complete_exec(struct req *);

const struct api_entry api_session_complete_entry = {
	.method = "POST",
	.path = "/api/agents/sessions/:name/complete",
	.flags = API_BODY,
	.exec = api_session_complete_exec
};

static int
api_session_complete_exec(struct req *req)
{
	struct json_object	*args;
	const char		*status, *comment;
	size_t			 slen, clen;

	if (request_string(req->json, "status", NULL, &status, &slen) != 1 ||
	    !agd_valid_completion(status)) {
		reply_error(req, "invalid_field", "status: must be success, "
		    "failure, partial or cancelled");
		return (0);
	}
	if (request_string(req->json, "comment", NULL, &comment, &clen) == -1 ||
	    clen > AGD_COMMENT_MAX) {
		reply_error(req, "invalid_field",
		    "comment: must be a string of at most %d bytes",
		    AGD_COMMENT_MAX);
		return (0);
	}
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(req->name));
	json_object_object_add(args, "status",
	    json_object_new_string_len(status, (int)slen));
	if (comment != NULL)
		json_object_object_add(args, "comment",
		    json_object_new_string_len(comment, (int)clen));
	ctl_relay(req, "session.complete", args);
	json_object_put(args);
	return (0);
}
