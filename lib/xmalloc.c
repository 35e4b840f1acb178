/* Allocation wrappers: checked sizes, fatal on exhaustion. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "xmalloc.h"

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if (AGD_FAULT(AGD_FAULT_MALLOC) || (p = malloc(size)) == NULL)
		fatalx("xmalloc: out of memory (%zu bytes)", size);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if (AGD_FAULT(AGD_FAULT_MALLOC) || (p = calloc(n, size)) == NULL)
		fatalx("xcalloc: out of memory (%zu x %zu bytes)", n, size);
	return (p);
}

void *
xrealloc(void *p, size_t size)
{
	return (xreallocarray(p, 1, size));
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*np;

	if (size != 0 && n > SIZE_MAX / size)
		fatalx("xreallocarray: %zu x %zu overflows", n, size);
	if (n * size == 0)
		n = size = 1;
	if (AGD_FAULT(AGD_FAULT_MALLOC) || (np = realloc(p, n * size)) == NULL)
		fatalx("xreallocarray: out of memory (%zu x %zu bytes)", n, size);
	return (np);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if (AGD_FAULT(AGD_FAULT_MALLOC) || (p = strdup(s)) == NULL)
		fatalx("xstrdup: out of memory");
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if (AGD_FAULT(AGD_FAULT_MALLOC) || (p = strndup(s, n)) == NULL)
		fatalx("xstrndup: out of memory");
	return (p);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = AGD_FAULT(AGD_FAULT_MALLOC) ? -1 : vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("xasprintf: out of memory");
	return (n);
}
