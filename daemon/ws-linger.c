/*
 * Hanging up a WebSocket without a reset: a close() with unread input makes the
 * kernel send RST, and nginx may then drop the close frame we just sent. So our
 * side is shut and what the peer still sends (the rest of an oversized frame, say)
 * is read and dropped until it hangs up too, or WS_LINGER_MS pass.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "agentd.h"
#include "ws.h"
#include "xmalloc.h"

/* How long a peer has to hang up after our close. */
#define WS_LINGER_MS		2000
/* Reads of one wakeup, so that a peer that keeps sending does not hold the loop. */
#define WS_LINGER_READS		64
/* Bytes of one read of what is dropped. */
#define WS_LINGER_BUF		16384

struct ws_linger {
	int				 fd;
	struct event			*ev;
	struct event			*tev;
	TAILQ_ENTRY(ws_linger)		 entry;
};
static TAILQ_HEAD(, ws_linger)	 ws_lingers = TAILQ_HEAD_INITIALIZER(ws_lingers);

static void
ws_linger_free(struct ws_linger *l)
{
	TAILQ_REMOVE(&ws_lingers, l, entry);
	event_free(l->ev);
	event_free(l->tev);
	close(l->fd);
	free(l);
}

static void
ws_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ws_linger	*l = arg;
	char			 buf[WS_LINGER_BUF];
	ssize_t			 n;
	int			 i;

	if (what & EV_TIMEOUT) {
		ws_linger_free(l);
		return;
	}
	for (i = 0; i < WS_LINGER_READS; i++) {
		n = read(fd, buf, sizeof buf);
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		ws_linger_free(l);		/* EOF or error: the peer is done */
		return;
	}
}

void
ws_hangup(int fd)
{
	struct ws_linger	*l;
	struct timeval		 tv = { WS_LINGER_MS / 1000, (WS_LINGER_MS % 1000) * 1000 };

	shutdown(fd, SHUT_WR);
	l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->ev = event_new(agentd_base, fd, EV_READ | EV_PERSIST, ws_linger_cb, l);
	l->tev = evtimer_new(agentd_base, ws_linger_cb, l);
	event_add(l->ev, NULL);
	event_add(l->tev, &tv);
	TAILQ_INSERT_TAIL(&ws_lingers, l, entry);
}

void
ws_linger_free_all(void)
{
	while (!TAILQ_EMPTY(&ws_lingers))
		ws_linger_free(TAILQ_FIRST(&ws_lingers));
}
