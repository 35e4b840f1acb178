/* Validators for names and enumerations that cross a trust boundary. */
#include <ctype.h>
#include <string.h>

#include "agd.h"
#include "valid.h"

/*
 * Names the REST routes spell as literal path segments where a session's name
 * goes (/api/agents/sessions/NAME): a session so named could be created but never
 * read nor deleted.
 */
static const char *valid_reserved[] = { "dispatch-worker" };

int
agd_valid_name(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof valid_reserved / sizeof valid_reserved[0]; i++) {
		if (strcmp(s, valid_reserved[i]) == 0)
			return (0);
	}

	if (s == NULL || !isalnum((unsigned char)s[0]) || (s[0] & 0x80))
		return (0);
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= AGD_NAME_MAX)
			return (0);
		if ((s[i] & 0x80) || !(isalnum((unsigned char)s[i]) ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return (0);
	}
	return (1);
}

int
agd_valid_completion(const char *s)
{
	static const char *ok[] = { "success", "failure", "partial", "cancelled" };
	size_t	i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (strcmp(s, ok[i]) == 0)
			return (1);
	}
	return (0);
}

int
agd_valid_issue_url(const char *s)
{
	const char	*host;
	size_t		 i;

	if (s == NULL)
		return (0);
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return (0);
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 2048 || (unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return (0);
	}
	return (1);
}

/* The digits of seg[0..len) as a number, or 0 if seg is not all digits. */
static long long
issue_digits(const char *seg, size_t len)
{
	long long	n = 0;
	size_t		i;

	if (len == 0 || len > 12)
		return (0);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)seg[i]))
			return (0);
		n = n * 10 + (seg[i] - '0');
	}
	return (n);
}

long long
agd_issue_number(const char *url)
{
	const char	*p, *e, *end, *prev = NULL, *last = NULL, *d;
	size_t		 prevlen = 0, lastlen = 0;
	long long	 n, any = 0;

	if ((p = strstr(url, "://")) == NULL || (p = strchr(p + 3, '/')) == NULL)
		return (0);
	end = p + strcspn(p, "?#");
	/* The segment after "issues" (or "issue"), else the last all-digit one. */
	for (p++; p < end; p = e + 1) {
		if ((e = memchr(p, '/', (size_t)(end - p))) == NULL)
			e = end;
		if (prev != NULL && ((prevlen == 6 && strncmp(prev, "issues", 6) == 0) ||
		    (prevlen == 5 && strncmp(prev, "issue", 5) == 0)) &&
		    (n = issue_digits(p, (size_t)(e - p))) > 0)
			return (n);
		if ((n = issue_digits(p, (size_t)(e - p))) > 0)
			any = n;
		if (e > p) {
			prev = p;
			prevlen = (size_t)(e - p);
			last = p;
			lastlen = prevlen;
		}
		if (e == end)
			break;
	}
	if (any > 0)
		return (any);
	/* A key like PROJ-42 as the last segment (Jira's /browse/PROJ-42). */
	if (last != NULL && (d = memchr(last, '-', lastlen)) != NULL) {
		while (memchr(d + 1, '-', lastlen - (size_t)(d + 1 - last)) != NULL)
			d = memchr(d + 1, '-', lastlen - (size_t)(d + 1 - last));
		return (issue_digits(d + 1, lastlen - (size_t)(d + 1 - last)));
	}
	return (0);
}
