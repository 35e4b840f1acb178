/*
 * The input path of a session: what viewers, clients and the agent engine type
 * goes to the holder in frames it takes, held before the holder is up, and capped
 * (input_queue_bytes) for a terminal that does not read it; messages, capped by
 * the agent's queue (message_queue_max). Both refused, 429, before anything is
 * recorded.
 */
#include <signal.h>
#include <string.h>

#include "agentd.h"
#include "hproto.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "xmalloc.h"

/*
 * A kill sent behind input, still there this long after: the holder is not reading
 * (its terminal takes nothing), so it will not see the kill either.
 */
#define SESSION_STUCK_MS	1000

/*
 * The daemon's own keys that must follow what was typed (the Enter after a
 * message, an interrupt at a cap) may pass input_queue_bytes by this much: a
 * client's input filling the queue must not make them lost. Each is a few bytes,
 * typed once per message or cap; keys that answer what is on screen (an approval,
 * a dialog) wait for an empty queue instead (agent-approve.c, agent_answer).
 */
#define SESSION_KEYS_SLACK	4096

/*
 * Input sent and not yet acknowledged may pass input_queue_bytes by this much
 * before more is refused: the holder's own queue (HOLDER_INPUT_MAX) and the
 * socket's buffers. Reached only while the daemon reads nothing from the holder
 * (a log that refuses output), its acknowledgements included.
 */
#define SESSION_UNACKED_SLACK	(8 * 1024 * 1024)

/*
 * Input in frames a holder takes (one longer than HP_MAX would make it hang up on
 * us): HP_DATA_MAX each, the size of the frames it sends.
 */
void
session_send_input(struct session *s, const uint8_t *p, size_t n)
{
	size_t	chunk;

	while (n > 0) {
		chunk = n > HP_DATA_MAX ? HP_DATA_MAX : n;
		session_send(s, HP_INPUT, p, chunk);
		if (s->in_acks)
			evbuffer_add(s->unacked, p, chunk);
		s->in_sent += chunk;
		p += chunk;
		n -= chunk;
	}
}

/*
 * The holder took its input up to taken (its count since it started): what it took
 * is forgotten. -1 if taken is not within what was sent.
 */
int
session_input_acked(struct session *s, uint64_t taken)
{
	/* Modulo 2^64, as the counts run: in_acked <= taken <= in_sent. */
	if (!s->in_acks || taken - s->in_acked > s->in_sent - s->in_acked)
		return (-1);
	evbuffer_drain(s->unacked, (size_t)(taken - s->in_acked));
	s->in_acked = taken;
	return (0);
}

/*
 * A hello: a holder of version 2 says what it took (h->in_taken). On the first
 * connection of this daemon to it the counts start there; on a later one, what it
 * did not take of what the broken one carried is sent again, before anything else.
 */
void
session_input_resume(struct session *s, const struct hp_hello *h)
{
	struct evbuffer	*again;
	size_t		 n;

	if (h->version == HP_VERSION_1) {
		s->in_acks = 0;
		evbuffer_drain(s->unacked, evbuffer_get_length(s->unacked));
		return;
	}
	if (!s->in_acks || session_input_acked(s, h->in_taken) == -1) {
		if (s->in_acks)
			log_warnx("session %s: the holder took %llu bytes of input, "
			    "%llu..%llu were sent: none sent again", s->name,
			    (unsigned long long)h->in_taken, (unsigned long long)s->in_acked,
			    (unsigned long long)s->in_sent);
		evbuffer_drain(s->unacked, evbuffer_get_length(s->unacked));
		s->in_acks = 1;
		s->in_acked = s->in_sent = h->in_taken;
		return;
	}
	s->in_sent = s->in_acked;
	if ((n = evbuffer_get_length(s->unacked)) == 0)
		return;
	log_info("session %s: %zu bytes of input sent again", s->name, n);
	again = s->unacked;
	s->unacked = evbuffer_new();
	session_send_input(s, evbuffer_pullup(again, -1), n);
	evbuffer_free(again);
}

const char *
session_enter(struct session *s)
{
	return (s->transport == SESSION_STREAM ? "\n" : "\r");
}

int
session_takes_keys(struct session *s)
{
	return (s->transport != SESSION_STREAM || s->agent == NULL);
}

size_t
session_input_queued(struct session *s)
{
	size_t	n = evbuffer_get_length(s->pending);

	/*
	 * Not what was sent and not acknowledged yet (s->unacked): the daemon stops
	 * reading the holder, its acknowledgements too, while the log refuses output,
	 * and input must not be refused for that. unacked is bounded without it: what
	 * this counts, plus the socket's buffers and the holder's HOLDER_INPUT_MAX.
	 */
	if (s->hbev != NULL && s->direct != SESSION_DIRECT_ON)
		n += evbuffer_get_length(bufferevent_get_output(s->hbev));
	return (n);
}

/*
 * What a kill sent now would wait behind: the queued input, and with a holder that
 * acknowledges, what it has not taken yet (the socket's buffers included).
 */
static size_t
session_input_unwritten(struct session *s)
{
	return (session_input_queued(s) +
	    (s->in_acks ? evbuffer_get_length(s->unacked) : 0));
}

/*
 * 1 if n more bytes of input would pass input_queue_bytes. An empty queue takes
 * any one input (a message is at most AGD_MESSAGE_MAX): a message longer than the
 * limit is typed, not kept at the head of its agent's queue for ever.
 */
static int
session_input_full(struct session *s, size_t n)
{
	size_t	q = session_input_queued(s);

	if (evbuffer_get_length(s->unacked) + n >
	    agentd_conf->input_queue_bytes + SESSION_UNACKED_SLACK)
		return (1);
	return (q > 0 && q + n > agentd_conf->input_queue_bytes);
}

static void
session_input_add(struct session *s, const void *p, size_t n)
{
	if (s->direct == SESSION_DIRECT_ON)
		session_direct_input(s, p, n);
	else if (s->hbev == NULL || !s->resumed || s->direct == SESSION_DIRECT_WAIT)
		evbuffer_add(s->pending, p, n);
	else
		session_send_input(s, p, n);
}

int
session_input(struct session *s, const void *p, size_t n)
{
	if (session_input_full(s, n))
		return (-1);
	session_input_add(s, p, n);
	return (0);
}

int
session_keys(struct session *s, const char *keys)
{
	size_t	n = strlen(keys);

	size_t	cap = agentd_conf->input_queue_bytes;

	/* An Enter behind a message longer than the queue (an empty queue took it). */
	if (cap < AGD_MESSAGE_MAX)
		cap = AGD_MESSAGE_MAX;
	if (session_input_queued(s) + n > cap + SESSION_KEYS_SLACK) {
		log_warnx("session %s: its terminal reads nothing: %zu bytes of the "
		    "daemon's keys not typed", s->name, n);
		return (-1);
	}
	session_input_add(s, keys, n);
	return (0);
}

/* Type text into the agent's terminal and submit it; recorded as a message event. */
int
session_message(struct session *s, const char *text, const char *from, uint64_t *seqp,
    enum agd_err *code)
{
	struct json_object	*o;
	uint64_t		 seq;
	size_t			 len = strlen(text);

	/* Refused before it is recorded: a message is an event only once it is taken. */
	if (s->flags & SESSION_CAPPED) {
		*code = AGD_ERR_CAPPED;
		return (-1);
	}
	if (session_notify_full(s)) {
		*code = AGD_ERR_QUEUE_FULL;
		return (-1);
	}
	if (s->agent == NULL && session_input_full(s, len + 1)) {
		*code = AGD_ERR_INPUT_FULL;
		return (-1);
	}
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_object_add(o, "from", json_object_new_string(from));
	seq = session_event(s, "message", o);
	/* An agent's TUI gets it when idle, in order; a plain program at once. */
	if (!session_notify_message(s, text, seq)) {
		session_input_add(s, text, len);	/* room checked above */
		session_input_add(s, session_enter(s), 1);
	}
	if (seqp != NULL)
		*seqp = seq;
	return (0);
}


/*
 * The kill of s has not reached its holder: SIGTERM the agent's group, then
 * SIGKILL after kill_grace_ms. Once the terminal is gone the holder reads again,
 * gets the kill and reports the exit.
 */
static void
session_stuck_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct timeval	 tv;
	int		 ms = agentd_conf->kill_grace_ms;

	(void)fd;
	(void)what;
	if (s->state == SESSION_ENDED || s->pid <= 0 || session_input_unwritten(s) == 0)
		return;
	if (s->stuck_signals++ == 0) {
		log_info("session %s: the holder reads no input; ending the agent's group",
		    s->name);
		kill(-s->pid, SIGTERM);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(s->stuck_ev, &tv);
	} else
		kill(-s->pid, SIGKILL);
}

void
session_kill_stuck(struct session *s)
{
	struct timeval	tv = { SESSION_STUCK_MS / 1000, (SESSION_STUCK_MS % 1000) * 1000 };

	evbuffer_drain(s->pending, evbuffer_get_length(s->pending));
	session_resize_flush(s);
	if (session_input_unwritten(s) == 0 || s->pid <= 0 || s->stuck_ev != NULL)
		return;
	s->stuck_ev = evtimer_new(agentd_base, session_stuck_cb, s);
	evtimer_add(s->stuck_ev, &tv);
}
