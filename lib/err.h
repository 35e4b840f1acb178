/*
 * One table for every error a client can see: {code, word, HTTP status}. The code
 * is what C passes around, the word what the client reads, the status what HTTP
 * says. The wire shape is always {"error": "human text", "code": "word"}.
 */
#ifndef AGD_ERR_H
#define AGD_ERR_H

/* The codes, in the order of the table in err.c (doc/DESIGN.md "Errors"). */
enum agd_err {
	AGD_ERR_BAD_JSON,	/* 400: the body is not JSON, or not an object */
	AGD_ERR_INVALID_FIELD,	/* 400: a field is missing, of the wrong type or out of range */
	AGD_ERR_INVALID_NAME,	/* 400: not a session name (^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$) */
	AGD_ERR_INVALID_AGENT_TYPE,	/* 400: no such agent type in the configuration */
	AGD_ERR_INVALID_PERMISSION_MODE,	/* 400: not one of the permission modes */
	AGD_ERR_RELATIVE_PATH,	/* 400: a working directory must be absolute */
	AGD_ERR_INVALID_BRANCH,	/* 400: not a branch name git accepts */
	AGD_ERR_BAD_HOST,	/* 400: the Host header is not one we serve */
	AGD_ERR_BAD_REQUEST,	/* 400: a request we cannot read */
	AGD_ERR_BAD_PATH,	/* 400: a client path that is not acceptable */
	AGD_ERR_NOT_A_DIRECTORY,	/* 400: the path is not a directory */
	AGD_ERR_BAD_FILENAME,	/* 400: an upload file name that is not acceptable */
	AGD_ERR_BAD_MULTIPART,	/* 400: the multipart body cannot be parsed */
	AGD_ERR_UNAUTHENTICATED,	/* 401: no identity where one is needed */
	AGD_ERR_FORBIDDEN,	/* 403: the role does not allow it */
	AGD_ERR_FORBIDDEN_ORIGIN,	/* 403: a browser request from another origin */
	AGD_ERR_FORBIDDEN_PATH,	/* 403: outside the allowed directories */
	AGD_ERR_PERMISSION_DENIED,	/* 403: the file system refused */
	AGD_ERR_NOT_FOUND,	/* 404: no such session or resource */
	AGD_ERR_METHOD_NOT_ALLOWED,	/* 405: the path exists, the method does not */
	AGD_ERR_EXISTS,	/* 409: the name is taken */
	AGD_ERR_SESSION_ENDED,	/* 409: the session has ended */
	AGD_ERR_BUSY,	/* 409: something is already under way */
	AGD_ERR_PARENT_NOT_RUNNING,	/* 409: a worker needs its parent running */
	AGD_ERR_NOTHING_PENDING,	/* 409: no approval is waiting */
	AGD_ERR_STALE_APPROVAL,	/* 409: the id names an approval no longer waiting */
	AGD_ERR_NOT_A_TERMINAL,	/* 409: a stream session takes messages, not keys */
	AGD_ERR_CAPPED,	/* 409: the session's cost or token cap is reached */
	AGD_ERR_TOO_LARGE,	/* 413: over a size limit */
	AGD_ERR_UNSUPPORTED_MEDIA_TYPE,	/* 415: a body of the wrong type */
	AGD_ERR_BAD_DIRECTORY,	/* 422: the working directory cannot be used */
	AGD_ERR_AGENT_NOT_FOUND,	/* 422: the agent program is not installed */
	AGD_ERR_NOT_A_REPOSITORY,	/* 422: a worker needs a git repository */
	AGD_ERR_UNKNOWN_MACHINE,	/* 422: no such machine in the configuration */
	AGD_ERR_TOO_MANY_SESSIONS,	/* 429: max_sessions reached */
	AGD_ERR_INPUT_FULL,	/* 429: input_queue_bytes waiting for the terminal */
	AGD_ERR_QUEUE_FULL,	/* 429: message_queue_max waiting for the agent */
	AGD_ERR_TOO_MANY_CONNECTIONS,	/* 429: ws_max_per_user viewers of this user */
	AGD_ERR_INTERNAL,	/* 500: our fault */
	AGD_ERR_MACHINE_UNREACHABLE,	/* 502: ssh to the machine failed */
	AGD_ERR_REMOTE_FAILED,	/* 502: the remote side failed */
	AGD_ERR_DAEMON_UNAVAILABLE,	/* 503: agentd is not running or did not answer */
	AGD_ERR__COUNT
};

/* The word of code ("not_found"); a static string. */
const char	*agd_err_word(enum agd_err code);
/* The HTTP status of code (404). */
int		 agd_err_code_status(enum agd_err code);
/* The code of word, or -1 if no such word. */
int		 agd_err_lookup(const char *word);
/*
 * The HTTP status of word. A word not in the table is a bug: it is logged
 * (log_warnx, which the tests refuse) and answered 500, never silently.
 */
int		 agd_err_status(const char *word);
/* The reason phrase of an HTTP status ("Not Found"); a static string. */
const char	*agd_err_reason(int status);

#endif
