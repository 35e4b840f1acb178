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

#define AGD_AUTH_NONE		0	/* every request is the local admin */
#define AGD_AUTH_PROXY		1	/* nginx says who; no identity is 401 */

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

#endif
