/*
 * The one notification point of a session. Its consumers - the WebSocket viewers
 * (ws.c), the agent adapter (agent.c), a running debrief (debrief.c) and a worker
 * delete waiting for it (worker-end.c) - subscribe with a callback and an argument
 * of their own; session.c tells them what happens (enum session_note_type) without
 * knowing who they are. Subscribers are told in rank order (enum session_sub_rank),
 * so the order does not depend on who subscribed first.
 *
 * A subscriber may unsubscribe, or subscribe another, from inside a notification
 * (a debrief that finishes when the adapter reads the agent's last answer, say):
 * an unsubscribed entry is only marked during a walk and freed after it.
 */
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "session.h"
#include "xmalloc.h"

struct session_sub {
	enum session_sub_rank	 rank;
	session_notify_cb	*cb;		/* NULL: unsubscribed, freed after the walk */
	void			*arg;
	TAILQ_ENTRY(session_sub) entry;
};

/* A subscription to every session (session_subscribe_all). */
struct session_watch {
	enum session_sub_rank	 rank;
	session_notify_cb	*cb;
	void			*(*new_arg)(struct session *);
	TAILQ_ENTRY(session_watch) entry;
};
static TAILQ_HEAD(, session_watch) session_watches =
    TAILQ_HEAD_INITIALIZER(session_watches);

static void	session_notify_note(struct session *, const struct session_note *);

struct session_sub *
session_subscribe(struct session *s, enum session_sub_rank rank, session_notify_cb *cb,
    void *arg)
{
	struct session_sub	*sub, *at;

	sub = xcalloc(1, sizeof *sub);
	sub->rank = rank;
	sub->cb = cb;
	sub->arg = arg;
	/* After every subscriber of the same or a lower rank. */
	TAILQ_FOREACH(at, &s->subs, entry) {
		if (at->rank > rank)
			break;
	}
	if (at != NULL)
		TAILQ_INSERT_BEFORE(at, sub, entry);
	else
		TAILQ_INSERT_TAIL(&s->subs, sub, entry);
	return (sub);
}

void
session_unsubscribe(struct session *s, struct session_sub *sub)
{
	if (sub == NULL)
		return;
	sub->cb = NULL;
	if (s->notifying == 0) {
		TAILQ_REMOVE(&s->subs, sub, entry);
		free(sub);
	}
}

void *
session_subscriber(struct session *s, session_notify_cb *cb)
{
	struct session_sub	*sub;

	TAILQ_FOREACH(sub, &s->subs, entry) {
		if (sub->cb == cb)
			return (sub->arg);
	}
	return (NULL);
}

void
session_subscribe_all(enum session_sub_rank rank, session_notify_cb *cb,
    void *(*new_arg)(struct session *))
{
	struct session_watch	*w;
	struct session		*s;

	w = xcalloc(1, sizeof *w);
	w->rank = rank;
	w->cb = cb;
	w->new_arg = new_arg;
	TAILQ_INSERT_TAIL(&session_watches, w, entry);
	TAILQ_FOREACH(s, &sessions, entry)
		session_subscribe(s, rank, cb, new_arg != NULL ? new_arg(s) : NULL);
}

void
session_subs_init(struct session *s)
{
	struct session_watch	*w;

	TAILQ_INIT(&s->subs);
	TAILQ_FOREACH(w, &session_watches, entry)
		session_subscribe(s, w->rank, w->cb, w->new_arg != NULL ? w->new_arg(s) : NULL);
}

void
session_notify(struct session *s, enum session_note_type type, uint64_t seq,
    const void *data, size_t len)
{
	struct session_note	 n = { .type = type, .seq = seq, .data = data, .len = len };

	session_notify_note(s, &n);
}

/* Tell every subscriber of s the note n, in rank order. */
static void
session_notify_note(struct session *s, const struct session_note *n)
{
	struct session_sub	*sub, *next;

	s->notifying++;
	TAILQ_FOREACH(sub, &s->subs, entry) {
		if (sub->cb != NULL)
			sub->cb(s, n, sub->arg);
	}
	if (--s->notifying > 0)
		return;
	for (sub = TAILQ_FIRST(&s->subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, entry);
		if (sub->cb == NULL) {
			TAILQ_REMOVE(&s->subs, sub, entry);
			free(sub);
		}
	}
}

void
session_notify_launch(struct session *s, char ***argv, struct spawn_spec *spec)
{
	struct session_note	n;

	memset(&n, 0, sizeof n);
	n.type = SESSION_NOTE_LAUNCH;
	n.argv = argv;
	n.adopted = argv == NULL;
	n.spec = spec;
	session_notify_note(s, &n);
}

/* Offer [data, data+len) as a note of type: 1 if a subscriber took it. */
static int
session_notify_offer(struct session *s, enum session_note_type type, uint64_t seq,
    const char *data, size_t len)
{
	struct session_note	n;
	int			taken = 0;

	memset(&n, 0, sizeof n);
	n.type = type;
	n.seq = seq;
	n.data = data;
	n.len = len;
	n.taken = &taken;
	session_notify_note(s, &n);
	return (taken);
}

int
session_notify_message(struct session *s, const char *text, uint64_t seq)
{
	return (session_notify_offer(s, SESSION_NOTE_MESSAGE, seq, text, strlen(text)));
}

int
session_notify_line(struct session *s, const char *line, size_t len)
{
	return (session_notify_offer(s, SESSION_NOTE_LINE, 0, line, len));
}

int
session_notify_full(struct session *s)
{
	struct session_note	n;
	int			full = 0;

	memset(&n, 0, sizeof n);
	n.type = SESSION_NOTE_FULL;
	n.taken = &full;
	session_notify_note(s, &n);
	return (full);
}

void
session_notify_resize(struct session *s, int cols, int rows)
{
	struct session_note	n;

	memset(&n, 0, sizeof n);
	n.type = SESSION_NOTE_RESIZE;
	n.cols = cols;
	n.rows = rows;
	session_notify_note(s, &n);
}

void
session_subs_free(struct session *s)
{
	struct session_sub	*sub;

	session_notify(s, SESSION_NOTE_FREED, 0, NULL, 0);
	while ((sub = TAILQ_FIRST(&s->subs)) != NULL) {
		TAILQ_REMOVE(&s->subs, sub, entry);
		free(sub);
	}
}

void
session_watch_free_all(void)
{
	struct session_watch	*w;

	while ((w = TAILQ_FIRST(&session_watches)) != NULL) {
		TAILQ_REMOVE(&session_watches, w, entry);
		free(w);
	}
}
