/* Who may do what: roles, the auth modes, and the checks both programs share. */
#ifndef AGD_AUTH_H
#define AGD_AUTH_H

#include <stddef.h>

struct agd_conf;

/*
 * Roles, in order: each can do what the ones before it can.
 * viewer: read and watch; operator: change sessions (its own unless the config says
 * otherwise); admin: bypassPermissions, remote machines, anyone's sessions.
 */
#define AGD_ROLE_NONE		0
#define AGD_ROLE_VIEWER		1
#define AGD_ROLE_OPERATOR	2
#define AGD_ROLE_ADMIN		3

#define AGD_AUTH_NONE		0	/* every request is the local admin (loopback only) */
#define AGD_AUTH_PROXY		1	/* nginx says who; no identity is 401 */
#define AGD_AUTH_LOCAL		2	/* the access token is the owner; anything else 401 */

/*
 * The access token of auth = local: AGD_TOKEN_BYTES random bytes as hex in
 * HOME/access-token (0600), made by the daemon at its first start.
 */
#define AGD_TOKEN_BYTES		32
#define AGD_TOKEN_LEN		(AGD_TOKEN_BYTES * 2)
#define AGD_TOKEN_FILE		"access-token"
#define AGD_TOKEN_COOKIE	"agentd_token"
#define AGD_TOKEN_QUERY		"access_token"	/* WebSocket upgrades only */

/* Identity headers from nginx longer than these are refused: a name, a group list. */
#define AGD_USER_MAX		256
#define AGD_GROUPS_MAX		1024

/*
 * The role of user (groups: separated by blanks or commas, may be NULL) under conf.
 * In auth = none everyone is admin.
 */
int		 agd_auth_role(const struct agd_conf *, const char *user, const char *groups);
/* The name of an AGD_ROLE_* ("viewer"); a static string. */
const char	*agd_role_name(int);
/* The AGD_ROLE_* of a name, or -1 if it is none. */
int		 agd_role_parse(const char *);
/* 1 if user may change a session created by creator, given its role. */
int		 agd_auth_may_manage(const struct agd_conf *, int role, const char *user,
		    const char *creator);
/* 1 if s is an acceptable identity string (printable ASCII/UTF-8, no controls). */
int		 agd_auth_valid_user(const char *s);

/*
 * A secret file: AGD_TOKEN_BYTES from getrandom() as hex, mode 0600, made with
 * O_EXCL (an existing file is kept: 0). durable: on disk before we return (it
 * must outlive a reboot); else left to the page cache. 0, or -1 with *cause (the
 * caller frees).
 */
int		 agd_secret_create(const char *path, int durable, char **cause);
/* Read the secret at path into out (hex and a NUL). 0, or -1 if it is missing or bad. */
int		 agd_secret_load(const char *path, char out[AGD_TOKEN_LEN + 1]);
/*
 * Make HOME/access-token (0600, O_EXCL) unless it exists. 0, or -1 with *cause
 * (the caller frees it).
 */
int		 agd_token_create(const char *home, char **cause);
/*
 * Read HOME/access-token into out (AGD_TOKEN_LEN hex digits and a NUL). 0, or -1
 * if it is missing or not a token.
 */
int		 agd_token_load(const char *home, char out[AGD_TOKEN_LEN + 1]);
/*
 * 1 if the request presents token: the Authorization header authz ("Bearer T"),
 * the Cookie header cookie (agentd_token=T) or query, the value of access_token
 * (each may be NULL). Compares in constant time; an empty token never matches.
 */
int		 agd_token_check(const char *token, const char *authz, const char *cookie,
		    const char *query);
/* 1 if the len bytes of got are token (constant time in the token's length). */
int		 agd_token_equal(const char *token, const char *got, size_t len);
/* The owner of this process, as getpwuid(geteuid()) says ("uid N" without one); static. */
const char	*agd_owner_name(void);
/*
 * 1 if the nginx listen address (address:port, [v6]:port, as $AGENTD_LISTEN) is on
 * loopback; NULL or empty is the default, 127.0.0.1.
 */
int		 agd_listen_loopback(const char *listen);

#endif
