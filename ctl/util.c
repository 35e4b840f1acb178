/*
 * agentctl helpers: messages, allocation that cannot fail, a byte buffer,
 * reading a whole file descriptor, UTF-8 repair for text frames, numbers,
 * the clock and json-c getters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentctl.h"

void
ctl_warn(const char *fmt, ...)
{
	va_list	ap;

	fputs("agentctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
oom(void)
{
	fputs("agentctl: out of memory\n", stderr);
	exit(CTL_EUNREACH);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		oom();
	return (p);
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		oom();
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return (s);
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t	cap;

	if (b->len + more + 1 <= b->cap)
		return;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t len)
{
	buf_grow(b, len);
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
read_all(int fd, struct buf *b, size_t max)
{
	char	tmp[8192];
	ssize_t	n;

	for (;;) {
		n = read(fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-1);
		if (n == 0)
			break;
		if (b->len + (size_t)n > max) {
			errno = EFBIG;
			return (-1);
		}
		buf_add(b, tmp, (size_t)n);
	}
	if (b->data == NULL)
		buf_add(b, "", 0);
	return (0);
}

/* Length of the UTF-8 sequence led by c, or 0 if c cannot lead one. */
static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		return (2);
	if (c >= 0xe0 && c <= 0xef)
		return (3);
	if (c >= 0xf0 && c <= 0xf4)
		return (4);
	return (0);
}

size_t
utf8_fix(char *p, size_t len)
{
	unsigned char	*s = (unsigned char *)p;
	size_t		 i = 0, n, k;

	while (i < len) {
		n = utf8_len(s[i]);
		if (n == 0) {
			s[i++] = '?';
			continue;
		}
		for (k = 1; k < n && i + k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				break;
		}
		if (k < n && i + k == len)
			return (len - i);	/* cut: keep for next time */
		if (k < n || (n == 3 && s[i] == 0xe0 && s[i + 1] < 0xa0) ||
		    (n == 3 && s[i] == 0xed && s[i + 1] > 0x9f) ||
		    (n == 4 && s[i] == 0xf0 && s[i + 1] < 0x90) ||
		    (n == 4 && s[i] == 0xf4 && s[i + 1] > 0x8f)) {
			s[i++] = '?';
			continue;
		}
		i += n;
	}
	return (0);
}

int
parse_num(const char *s, long long min, long long max, long long *v)
{
	char		*end;
	long long	 n;

	if (s == NULL || *s == '\0')
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return (-1);
	*v = n;
	return (0);
}

int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

const char *
json_str(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	return (json_object_get_string(v));
}

int64_t
json_int(struct json_object *o, const char *key, int64_t def)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return (def);
	return (json_object_get_int64(v));
}

void
table_add(struct table *t, ...)
{
	va_list		 ap;
	const char	*s;
	int		 i;

	t->cells = xrealloc(t->cells, sizeof *t->cells * (size_t)(t->ncells + t->ncols));
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->ncells++] = xstrdup(s != NULL && *s != '\0' ? s : "-");
	}
	va_end(ap);
}

void
table_print(struct table *t, int width)
{
	size_t	w[32] = { 0 }, n, used;
	char	*s, *nl;
	int	 i, c;

	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		/* One line per row: a cell stops at its first newline. */
		if ((nl = strchr(t->cells[i], '\n')) != NULL)
			*nl = '\0';
		if (c < 32 && (n = strlen(t->cells[i])) > w[c])
			w[c] = n;
	}
	for (i = 0, used = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		s = t->cells[i];
		if (c == t->ncols - 1) {
			n = strlen(s);
			if (width > 0 && used + n > (size_t)width)
				n = (size_t)width > used ? (size_t)width - used : 0;
			printf("%.*s\n", (int)n, s);
			used = 0;
		} else {
			printf("%-*s  ", (int)w[c < 32 ? c : 31], s);
			used += w[c < 32 ? c : 31] + 2;
		}
		free(s);
	}
	free(t->cells);
	t->cells = NULL;
	t->ncells = 0;
}

void
json_print(struct json_object *j)
{
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}
