/* Allocation that cannot fail (out of memory is fatal), as tmux and OpenBSD do. */
#ifndef AGD_XMALLOC_H
#define AGD_XMALLOC_H

#include <stddef.h>

/*
 * Allocation that never returns NULL: out of memory is fatal (STYLE 7.3). Each
 * returns memory the caller frees; xasprintf sets *ret to it and returns its length.
 */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

#endif
