/*
 * Who may do what. agentd takes the identity nginx established (auth_basic,
 * auth_request, client certificates) and maps it to a role with the config's
 * viewers/operators/admins lists, by user name or @group.
 */
#include <string.h>

#include "auth.h"
#include "conf.h"

static const char *role_names[] = { "none", "viewer", "operator", "admin" };

const char *
agd_role_name(int role)
{
	if (role < AGD_ROLE_NONE || role > AGD_ROLE_ADMIN)
		return ("none");
	return (role_names[role]);
}

int
agd_role_parse(const char *s)
{
	int	i;

	for (i = AGD_ROLE_NONE; i <= AGD_ROLE_ADMIN; i++) {
		if (strcmp(s, role_names[i]) == 0)
			return (i);
	}
	return (-1);
}

/* 1 if the blank separated list names the user, or one of groups as @group. */
static int
auth_listed(const char *list, const char *user, const char *groups)
{
	const char	*p, *e, *g, *ge;
	size_t		 n;

	if (list == NULL)
		return (0);
	for (p = list; *p != '\0'; p = e) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if ((n = (size_t)(e - p)) == 0)
			continue;
		if (*p != '@') {
			if (strlen(user) == n && strncmp(p, user, n) == 0)
				return (1);
			continue;
		}
		if (groups == NULL)
			continue;
		for (g = groups; *g != '\0'; g = ge) {
			while (*g == ' ' || *g == '\t' || *g == ',' || *g == ';')
				g++;
			for (ge = g; *ge != '\0' && *ge != ' ' && *ge != '\t' &&
			    *ge != ',' && *ge != ';'; ge++)
				;
			if ((size_t)(ge - g) == n - 1 && n > 1 &&
			    strncmp(g, p + 1, n - 1) == 0)
				return (1);
		}
	}
	return (0);
}

int
agd_auth_role(const struct agd_conf *conf, const char *user, const char *groups)
{
	if (conf->auth == AGD_AUTH_NONE)
		return (AGD_ROLE_ADMIN);
	if (user == NULL || *user == '\0')
		return (AGD_ROLE_NONE);
	if (auth_listed(conf->admins, user, groups))
		return (AGD_ROLE_ADMIN);
	if (auth_listed(conf->operators, user, groups))
		return (AGD_ROLE_OPERATOR);
	if (auth_listed(conf->viewers, user, groups))
		return (AGD_ROLE_VIEWER);
	return (conf->default_role);
}

int
agd_auth_may_manage(const struct agd_conf *conf, int role, const char *user,
    const char *creator)
{
	if (role >= AGD_ROLE_ADMIN)
		return (1);
	if (role < AGD_ROLE_OPERATOR)
		return (0);
	if (conf->operators_manage_all)
		return (1);
	return (creator != NULL && user != NULL && strcmp(creator, user) == 0);
}

int
agd_auth_valid_user(const char *s)
{
	const unsigned char	*p;

	if (s == NULL || *s == '\0' || strlen(s) >= AGD_USER_MAX)
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
	}
	return (1);
}
