/* Error words and their HTTP statuses (doc/DESIGN.md, "Errors"). */
#include <string.h>

#include "err.h"

static const struct {
	const char	*code;
	int		 status;
} err_table[] = {
	{ "bad_json",			400 },
	{ "invalid_field",		400 },
	{ "invalid_name",		400 },
	{ "invalid_agent_type",		400 },
	{ "invalid_permission_mode",	400 },
	{ "relative_path",		400 },
	{ "invalid_branch",		400 },
	{ "bad_host",			400 },
	{ "bad_request",		400 },
	{ "bad_path",			400 },
	{ "not_a_directory",		400 },
	{ "bad_filename",		400 },
	{ "bad_multipart",		400 },
	{ "unauthenticated",		401 },
	{ "forbidden",			403 },
	{ "forbidden_origin",		403 },
	{ "forbidden_path",		403 },
	{ "permission_denied",		403 },
	{ "not_found",			404 },
	{ "method_not_allowed",		405 },
	{ "exists",			409 },
	{ "session_ended",		409 },
	{ "busy",			409 },
	{ "parent_not_running",		409 },
	{ "nothing_pending",		409 },
	{ "too_large",			413 },
	{ "unsupported_media_type",	415 },
	{ "bad_directory",		422 },
	{ "agent_not_found",		422 },
	{ "not_a_repository",		422 },
	{ "unknown_machine",		422 },
	{ "too_many_sessions",		429 },
	{ "internal",			500 },
	{ "machine_unreachable",	502 },
	{ "remote_failed",		502 },
	{ "daemon_unavailable",		503 },
};

int
agd_err_status(const char *code)
{
	size_t	i;

	for (i = 0; i < sizeof err_table / sizeof err_table[0]; i++) {
		if (strcmp(err_table[i].code, code) == 0)
			return (err_table[i].status);
	}
	return (500);
}

const char *
agd_err_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 409: return ("Conflict");
	case 413: return ("Payload Too Large");
	case 415: return ("Unsupported Media Type");
	case 422: return ("Unprocessable Entity");
	case 429: return ("Too Many Requests");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	default:  return (status < 500 ? "Error" : "Internal Server Error");
	}
}
