/*
 * Who may do what. In auth = proxy agentd takes the identity nginx established
 * (auth_basic, auth_request, client certificates) and maps it to a role with the
 * config's viewers/operators/admins lists, by user name or @group. In auth = local
 * (the default) the access token in HOME is the owner, an admin; both programs
 * read it and check it here.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "xmalloc.h"

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
	/* none: everyone; local: whoever showed the token, the owner. */
	if (conf->auth != AGD_AUTH_PROXY)
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

int
agd_secret_create(const char *path, int durable, char **cause)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 rnd[AGD_TOKEN_BYTES];
	char			 text[AGD_TOKEN_LEN + 1];
	size_t			 i;
	int			 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		xasprintf(cause, "getrandom: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < sizeof rnd; i++) {
		text[2 * i] = hex[rnd[i] >> 4];
		text[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	text[AGD_TOKEN_LEN] = '\n';
	if (write(fd, text, sizeof text) != (ssize_t)sizeof text ||
	    (durable && fsync(fd) == -1)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	return (0);
fail:
	close(fd);
	unlink(path);
	return (-1);
}

int
agd_secret_load(const char *path, char out[AGD_TOKEN_LEN + 1])
{
	char	buf[AGD_TOKEN_LEN + 2];
	ssize_t	n;
	int	fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return (-1);
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < AGD_TOKEN_LEN || (n > AGD_TOKEN_LEN && buf[AGD_TOKEN_LEN] != '\n'))
		return (-1);
	for (i = 0; i < AGD_TOKEN_LEN; i++) {
		if (strchr("0123456789abcdef", buf[i]) == NULL || buf[i] == '\0')
			return (-1);
	}
	memcpy(out, buf, AGD_TOKEN_LEN);
	out[AGD_TOKEN_LEN] = '\0';
	return (0);
}

int
agd_token_create(const char *home, char **cause)
{
	char	*path;
	int	 rc;

	xasprintf(&path, "%s/%s", home, AGD_TOKEN_FILE);
	rc = agd_secret_create(path, 1, cause);	/* clients keep it across reboots */
	free(path);
	return (rc);
}

int
agd_token_load(const char *home, char out[AGD_TOKEN_LEN + 1])
{
	char	*path;
	int	 rc;

	xasprintf(&path, "%s/%s", home, AGD_TOKEN_FILE);
	rc = agd_secret_load(path, out);
	free(path);
	return (rc);
}

int
agd_token_equal(const char *token, const char *got, size_t len)
{
	size_t		n = strlen(token), i;
	unsigned char	d;

	if (n == 0 || len != n)
		return (0);
	d = 0;
	for (i = 0; i < n; i++)
		d |= (unsigned char)token[i] ^ (unsigned char)got[i];
	return (d == 0);
}

/* 1 if the Cookie header value names agentd_token=token among its pairs. */
static int
token_cookie(const char *token, const char *cookie)
{
	const char	*p, *e;
	size_t		 n = strlen(AGD_TOKEN_COOKIE);
	int		 found = 0;

	for (p = cookie; *p != '\0'; p = *e == ';' ? e + 1 : e) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ';'; e++)
			;
		if (strncmp(p, AGD_TOKEN_COOKIE, n) == 0 && p[n] == '=')
			found |= agd_token_equal(token, p + n + 1, (size_t)(e - p - n - 1));
	}
	return (found);
}

int
agd_token_check(const char *token, const char *authz, const char *cookie, const char *query)
{
	const char	*p;
	size_t		 n;

	if (token == NULL || *token == '\0')
		return (0);
	if (authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0) {
		for (p = authz + 7; *p == ' '; p++)
			;
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (agd_token_equal(token, p, n))
			return (1);
	}
	if (cookie != NULL && token_cookie(token, cookie))
		return (1);
	return (query != NULL && agd_token_equal(token, query, strlen(query)));
}

const char *
agd_owner_name(void)
{
	static char	 name[AGD_USER_MAX];
	struct passwd	*pw;

	if (name[0] != '\0')
		return (name);
	if ((pw = getpwuid(geteuid())) != NULL && agd_auth_valid_user(pw->pw_name))
		snprintf(name, sizeof name, "%s", pw->pw_name);
	else
		snprintf(name, sizeof name, "uid %u", (unsigned)geteuid());
	return (name);
}

int
agd_listen_loopback(const char *listen)
{
	const char	*e;
	size_t		 n;

	if (listen == NULL || *listen == '\0')
		return (1);
	if (*listen == '[') {
		if ((e = strchr(listen, ']')) == NULL)
			return (0);
		n = (size_t)(e - listen - 1);
		return (n == 3 && strncmp(listen + 1, "::1", 3) == 0);
	}
	if ((e = strrchr(listen, ':')) == NULL)
		e = listen + strlen(listen);
	n = (size_t)(e - listen);
	if (n == 9 && strncasecmp(listen, "localhost", 9) == 0)
		return (1);
	/* 127.0.0.0/8: "127." and digits and dots only. */
	if (n < 5 || strncmp(listen, "127.", 4) != 0)
		return (0);
	return (strspn(listen, "0123456789.") >= n);
}
