/*
 * Configured values put to use: an agent's command line split into argv, and the
 * blank separated lists of the configuration matched against a word (allowed_hosts
 * against a Host header, env_deny against an environment variable's name).
 * Split from conf.c, which reads and checks the file.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "xmalloc.h"

char **
agd_argv_split(const char *s, int *argcp, char **cause)
{
	char	**argv = NULL, *word;
	size_t	 len;
	int	 argc = 0;
	char	 q;

	word = xmalloc(strlen(s) + 1);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = 0;
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s != '\0' && *s != q)
					word[len++] = *s++;
				if (*s != q) {
					xasprintf(cause, "unterminated quote");
					free(word);
					agd_argv_free(argv);
					return (NULL);
				}
				s++;
			} else
				word[len++] = *s++;
		}
		word[len] = '\0';
		argv = xreallocarray(argv, argc + 2, sizeof *argv);
		argv[argc++] = xstrdup(word);
		argv[argc] = NULL;
	}
	free(word);
	if (argc == 0) {
		xasprintf(cause, "empty command");
		return (NULL);
	}
	if (argcp != NULL)
		*argcp = argc;
	return (argv);
}

void
agd_argv_free(char **argv)
{
	char	**p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/*
 * 1 if word (len bytes) appears in the blank separated list; a trailing '*' in the
 * list matches a prefix.
 */
static int
list_match(const char *list, const char *word, size_t len)
{
	const char	*p = list, *e;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		n = (size_t)(e - p);
		if (n > 0 && p[n - 1] == '*') {
			if (len >= n - 1 && strncmp(p, word, n - 1) == 0)
				return (1);
		} else if (n == len && n > 0 && strncasecmp(p, word, n) == 0)
			return (1);
		p = e;
	}
	return (0);
}

/*
 * 1 if host (len bytes) is one of the blank separated names, case-insensitively;
 * a label "*" matches exactly one label (never a dot), so "agentd.*" takes
 * agentd.lan but not agentd.attacker.net, and "*.example.com" one level below.
 */
static int
host_match(const char *list, const char *host, size_t len)
{
	const char	*p = list, *e, *pl, *ple, *hl, *hle, *hend = host + len;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		/* Label by label: both run out together, or no match. */
		for (pl = p, hl = host; pl < e && hl <= hend; pl = ple + 1, hl = hle + 1) {
			if ((ple = memchr(pl, '.', (size_t)(e - pl))) == NULL)
				ple = e;
			if ((hle = memchr(hl, '.', (size_t)(hend - hl))) == NULL)
				hle = hend;
			if (ple - pl == 1 && *pl == '*') {
				if (hle == hl)
					break;
			} else if (ple - pl != hle - hl ||
			    strncasecmp(pl, hl, (size_t)(ple - pl)) != 0)
				break;
			if (ple == e || hle == hend) {
				if (ple == e && hle == hend && e > p)
					return (1);
				break;
			}
		}
		p = e;
	}
	return (0);
}

int
agd_conf_host_allowed(const struct agd_conf *conf, const char *host, size_t len)
{
	const char	*l, *colon;

	if (host_match(conf->allowed_hosts, host, len))
		return (1);
	/* The host part of AGENTD_LISTEN (address:port, [v6]:port). */
	if ((l = getenv("AGENTD_LISTEN")) != NULL && *l != '\0') {
		if (*l == '[') {
			colon = strchr(l, ']');
			if (colon != NULL && (size_t)(colon - l - 1) == len &&
			    strncasecmp(l + 1, host, len) == 0)
				return (1);
		} else if ((colon = strrchr(l, ':')) != NULL) {
			if ((size_t)(colon - l) == len && strncasecmp(l, host, len) == 0)
				return (1);
		}
	}
	return (0);
}

int
agd_conf_env_denied(const struct agd_conf *conf, const char *name, size_t len)
{
	return (list_match(conf->env_deny, name, len));
}
