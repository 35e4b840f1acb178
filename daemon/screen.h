#ifndef AGENTD_SCREEN_H
#define AGENTD_SCREEN_H

#include <stddef.h>

struct screen;

struct screen	*screen_new(int rows, int cols);
void		 screen_free(struct screen *);
void		 screen_feed(struct screen *, const void *, size_t);
void		 screen_resize(struct screen *, int rows, int cols);
void		 screen_clear(struct screen *);
char		*screen_text(struct screen *, size_t *);

#endif
