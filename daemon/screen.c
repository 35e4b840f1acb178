/*
 * A terminal emulator model (libvterm) of an agent's screen, so that agentd can
 * read what a TUI shows - an idle prompt, a spinner, an approval box - when the
 * agent does not report it itself. Only the real agent programs get one.
 */
#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "screen.h"
#include "xmalloc.h"

struct screen {
	VTerm		*vt;
	VTermScreen	*vs;
	int		 rows;
	int		 cols;
};

struct screen *
screen_new(int rows, int cols)
{
	struct screen	*sc;

	sc = xcalloc(1, sizeof *sc);
	sc->rows = rows;
	sc->cols = cols;
	if ((sc->vt = vterm_new(rows, cols)) == NULL)
		abort();
	vterm_set_utf8(sc->vt, 1);
	sc->vs = vterm_obtain_screen(sc->vt);
	vterm_screen_enable_altscreen(sc->vs, 1);
	vterm_screen_reset(sc->vs, 1);
	return (sc);
}

void
screen_free(struct screen *sc)
{
	if (sc == NULL)
		return;
	vterm_free(sc->vt);
	free(sc);
}

void
screen_feed(struct screen *sc, const void *p, size_t n)
{
	vterm_input_write(sc->vt, p, n);
}

/* What the model would send the program (its replies to queries): nobody reads it. */
static void
screen_drain(struct screen *sc)
{
	char	buf[256];

	while (vterm_output_read(sc->vt, buf, sizeof buf) > 0)
		continue;
}

int
screen_paste_mode(struct screen *sc)
{
	char	buf[16];
	size_t	n;

	/* libvterm brackets a paste only in the mode the program set (?2004). */
	screen_drain(sc);
	vterm_keyboard_start_paste(sc->vt);
	n = vterm_output_read(sc->vt, buf, sizeof buf);
	vterm_keyboard_end_paste(sc->vt);
	screen_drain(sc);
	return (n >= 6 && memcmp(buf, "\x1b[200~", 6) == 0);
}

void
screen_resize(struct screen *sc, int rows, int cols)
{
	sc->rows = rows;
	sc->cols = cols;
	vterm_set_size(sc->vt, rows, cols);
}

void
screen_clear(struct screen *sc)
{
	vterm_screen_reset(sc->vs, 1);
}

/* The screen as text: one line per row, trailing blanks cut. Caller frees. */
char *
screen_text(struct screen *sc, size_t *lenp)
{
	VTermRect	 r;
	char		*buf, *line;
	size_t		 cap, len = 0, n;
	int		 row;

	cap = (size_t)sc->rows * ((size_t)sc->cols * 4 + 1) + 1;
	buf = xmalloc(cap);
	line = xmalloc((size_t)sc->cols * 4 + 1);
	for (row = 0; row < sc->rows; row++) {
		r.start_row = row;
		r.end_row = row + 1;
		r.start_col = 0;
		r.end_col = sc->cols;
		n = vterm_screen_get_text(sc->vs, line, (size_t)sc->cols * 4, r);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\0'))
			n--;
		memcpy(buf + len, line, n);
		len += n;
		buf[len++] = '\n';
	}
	buf[len] = '\0';
	free(line);
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}
