/* Error codes, their words and their HTTP statuses (doc/DESIGN.md, "Errors"). */
#include <string.h>

#include "err.h"
#include "log.h"

static const struct {
	const char	*word;
	int		 status;
} err_table[] = {
	[AGD_ERR_BAD_JSON] = { "bad_json", 400 },
	[AGD_ERR_INVALID_FIELD] = { "invalid_field", 400 },
	[AGD_ERR_INVALID_NAME] = { "invalid_name", 400 },
	[AGD_ERR_INVALID_AGENT_TYPE] = { "invalid_agent_type", 400 },
	[AGD_ERR_INVALID_PERMISSION_MODE] = { "invalid_permission_mode", 400 },
	[AGD_ERR_RELATIVE_PATH] = { "relative_path", 400 },
	[AGD_ERR_INVALID_BRANCH] = { "invalid_branch", 400 },
	[AGD_ERR_BAD_HOST] = { "bad_host", 400 },
	[AGD_ERR_BAD_REQUEST] = { "bad_request", 400 },
	[AGD_ERR_BAD_PATH] = { "bad_path", 400 },
	[AGD_ERR_NOT_A_DIRECTORY] = { "not_a_directory", 400 },
	[AGD_ERR_BAD_FILENAME] = { "bad_filename", 400 },
	[AGD_ERR_BAD_MULTIPART] = { "bad_multipart", 400 },
	[AGD_ERR_UNAUTHENTICATED] = { "unauthenticated", 401 },
	[AGD_ERR_FORBIDDEN] = { "forbidden", 403 },
	[AGD_ERR_FORBIDDEN_ORIGIN] = { "forbidden_origin", 403 },
	[AGD_ERR_FORBIDDEN_PATH] = { "forbidden_path", 403 },
	[AGD_ERR_PERMISSION_DENIED] = { "permission_denied", 403 },
	[AGD_ERR_NOT_FOUND] = { "not_found", 404 },
	[AGD_ERR_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405 },
	[AGD_ERR_EXISTS] = { "exists", 409 },
	[AGD_ERR_SESSION_ENDED] = { "session_ended", 409 },
	[AGD_ERR_BUSY] = { "busy", 409 },
	[AGD_ERR_PARENT_NOT_RUNNING] = { "parent_not_running", 409 },
	[AGD_ERR_NOTHING_PENDING] = { "nothing_pending", 409 },
	[AGD_ERR_STALE_APPROVAL] = { "stale_approval", 409 },
	[AGD_ERR_NOT_A_TERMINAL] = { "not_a_terminal", 409 },
	[AGD_ERR_CAPPED] = { "capped", 409 },
	[AGD_ERR_TOO_LARGE] = { "too_large", 413 },
	[AGD_ERR_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415 },
	[AGD_ERR_BAD_DIRECTORY] = { "bad_directory", 422 },
	[AGD_ERR_AGENT_NOT_FOUND] = { "agent_not_found", 422 },
	[AGD_ERR_NOT_A_REPOSITORY] = { "not_a_repository", 422 },
	[AGD_ERR_UNKNOWN_MACHINE] = { "unknown_machine", 422 },
	[AGD_ERR_TOO_MANY_SESSIONS] = { "too_many_sessions", 429 },
	[AGD_ERR_INPUT_FULL] = { "input_full", 429 },
	[AGD_ERR_QUEUE_FULL] = { "queue_full", 429 },
	[AGD_ERR_TOO_MANY_CONNECTIONS] = { "too_many_connections", 429 },
	[AGD_ERR_INTERNAL] = { "internal", 500 },
	[AGD_ERR_MACHINE_UNREACHABLE] = { "machine_unreachable", 502 },
	[AGD_ERR_REMOTE_FAILED] = { "remote_failed", 502 },
	[AGD_ERR_DAEMON_UNAVAILABLE] = { "daemon_unavailable", 503 },
};

/* Every code has its row: a code added without one fails here, not at run time. */
_Static_assert(sizeof err_table / sizeof err_table[0] == AGD_ERR__COUNT,
    "one row per enum agd_err");

const char *
agd_err_word(enum agd_err code)
{
	if ((int)code < 0 || code >= AGD_ERR__COUNT)
		return ("internal");
	return (err_table[code].word);
}

int
agd_err_code_status(enum agd_err code)
{
	if ((int)code < 0 || code >= AGD_ERR__COUNT)
		return (500);
	return (err_table[code].status);
}

int
agd_err_lookup(const char *word)
{
	size_t	i;

	for (i = 0; i < AGD_ERR__COUNT; i++) {
		if (strcmp(err_table[i].word, word) == 0)
			return ((int)i);
	}
	return (-1);
}

int
agd_err_status(const char *word)
{
	int	code;

	if ((code = agd_err_lookup(word)) == -1) {
		log_warnx("unknown error word \"%.64s\": answered 500", word);
		return (500);
	}
	return (err_table[code].status);
}

const char *
agd_err_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 201: return ("Created");
	case 202: return ("Accepted");
	case 204: return ("No Content");
	case 303: return ("See Other");
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
