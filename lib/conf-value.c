/*
 * The checks of configured values: numbers, paths, ssh words, URLs, lists of
 * webhook events. conf.c's tables name them; split from it so that the tables
 * and the reading of the file stay under the size a reader keeps in mind.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "conf-value.h"
#include "valid.h"

#define nitems(a)		(sizeof (a) / sizeof (a)[0])

char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

int
conf_int(const char *v, long min, long max, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < min || n > max)
		return (-1);
	*out = n;
	return (0);
}

/* 0 if v is a non-empty blank separated list of absolute paths, else -1. */
int
conf_abs_list(const char *v)
{
	const char	*p = v;
	int		 n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p != '/')
			return (-1);
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		n++;
	}
	return (n > 0 ? 0 : -1);
}

int
conf_decision_parse(const char *v)
{
	if (strcmp(v, "deny") == 0)
		return (0);
	return (strcmp(v, "allow") == 0 ? 1 : -1);
}

int
conf_usd(const char *v)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(v, &end);
	return (end != v && *end == '\0' && errno == 0 && d >= 0 ? 0 : -1);
}

int
conf_auth_parse(const char *v)
{
	if (strcmp(v, "local") == 0)
		return (AGD_AUTH_LOCAL);
	if (strcmp(v, "none") == 0)
		return (AGD_AUTH_NONE);
	return (strcmp(v, "proxy") == 0 ? AGD_AUTH_PROXY : -1);
}

int
conf_yesno_parse(const char *v)
{
	if (strcmp(v, "yes") == 0)
		return (1);
	if (strcmp(v, "no") == 0)
		return (0);
	return (-1);
}

/* An absolute path with no blanks in it. */
int
conf_abs_path(const char *v)
{
	return (v[0] == '/' && strpbrk(v, " \t") == NULL ? 0 : -1);
}

/* Blank separated words, each an absolute path, "~" or "~/..." (the home). */
int
conf_home_list(const char *v)
{
	const char	*p = v;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return (0);
		if (*p != '/' && (p[0] != '~' || (p[1] != '/' && p[1] != ' ' &&
		    p[1] != '\t' && p[1] != '\0')))
			return (-1);
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
}

/* An absolute path, or "" (the default). */
int
conf_abs_or_empty(const char *v)
{
	return (*v == '\0' || *v == '/' ? 0 : -1);
}

/* An absolute path, blanks allowed (a machine's work_root). */
int
conf_abs(const char *v)
{
	return (v[0] == '/' ? 0 : -1);
}

/*
 * An ssh host or user name: it ends up on ssh's command line, so nothing may look
 * like an option or need quoting.
 */
static int
conf_ssh_word(const char *v, const char *extra)
{
	size_t	i;

	if (*v == '\0' || *v == '-')
		return (-1);
	for (i = 0; v[i] != '\0'; i++) {
		if (!isalnum((unsigned char)v[i]) && strchr(extra, v[i]) == NULL)
			return (-1);
	}
	return (0);
}

int
conf_ssh_host(const char *v)
{
	return (conf_ssh_word(v, ".-_:"));
}

int
conf_ssh_user(const char *v)
{
	return (conf_ssh_word(v, ".-_"));
}

/* Words of KEY=VALUE, each given to ssh as -o WORD: no quoting of any kind. */
int
conf_ssh_options(const char *v)
{
	return (strpbrk(v, "'\"\\") == NULL ? 0 : -1);
}

static const char *const webhook_events[] = {
	"waiting_approval", "turn_end", "exited", "error", "capped"
};

int
agd_webhook_event(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(webhook_events); i++) {
		if (strlen(webhook_events[i]) == len && strncmp(webhook_events[i], s, len) == 0)
			return (1 << i);
	}
	return (0);
}

const char *
agd_webhook_event_name(int bit)
{
	size_t	i;

	for (i = 0; i < nitems(webhook_events); i++) {
		if (bit == (1 << i))
			return (webhook_events[i]);
	}
	return (NULL);
}

/* Blank separated event names -> AGD_WH_* bits; -1 if a name is unknown or none. */
int
conf_webhook_events(const char *v)
{
	const char	*p = v, *e;
	int		 bits = 0, b;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if ((b = agd_webhook_event(p, (size_t)(e - p))) == 0)
			return (-1);
		bits |= b;
		p = e;
	}
	return (bits != 0 ? bits : -1);
}

/* http:// or https://, then a host; no blank or control character anywhere. */
int
conf_url(const char *v)
{
	const char	*p;

	if (strncmp(v, "http://", 7) == 0)
		p = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		p = v + 8;
	else
		return (-1);
	if (*p == '\0' || *p == '/')
		return (-1);
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return (-1);
	}
	return (0);
}

