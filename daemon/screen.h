/*
 * A model of an agent's terminal (screen.c, libvterm): fed the same bytes as the
 * real terminal, it gives the text a TUI shows, for the adapters' screen rules.
 */
#ifndef AGENTD_SCREEN_H
#define AGENTD_SCREEN_H

#include <stddef.h>

struct screen;

/* A blank screen of that size; freed with screen_free. */
struct screen	*screen_new(int rows, int cols);
void		 screen_free(struct screen *);
/* Feed terminal output (borrowed), as the program wrote it. */
void		 screen_feed(struct screen *, const void *, size_t);
/* The terminal's new size. */
void		 screen_resize(struct screen *, int rows, int cols);
/* 1 if the program asked for bracketed paste (ESC [ ? 2004 h, not reset since). */
int		 screen_paste_mode(struct screen *);
/* Blank the screen. */
void		 screen_clear(struct screen *);
/*
 * The text on screen, one line a row without trailing blanks, each ending in
 * '\n' (UTF-8); *len (if not NULL) is its length. The caller frees it.
 */
char		*screen_text(struct screen *, size_t *len);

#endif
