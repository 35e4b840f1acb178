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
#include "session.h"
#include "xmalloc.h"

/* A session being killed whose holder is not taking input: its group's pid. */
struct session_stuck {
	int64_t	id;
	pid_t	pid;
};

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
		p += chunk;
		n -= chunk;
	}
}

size_t
session_input_queued(struct session *s)
{
	size_t	n = evbuffer_get_length(s->pending);

	if (s->hbev != NULL)
		n += evbuffer_get_length(bufferevent_get_output(s->hbev));
	return (n);
}

/* 1 if n more bytes of input would pass input_queue_bytes. */
static int
session_input_full(struct session *s, size_t n)
{
	return (session_input_queued(s) + n > agentd_conf->input_queue_bytes);
}

int
session_input(struct session *s, const void *p, size_t n)
{
	if (session_input_full(s, n))
		return (-1);
	if (s->hbev == NULL || !s->resumed)
		evbuffer_add(s->pending, p, n);
	else
		session_send_input(s, p, n);
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
		session_input(s, text, len);
		session_input(s, "\r", 1);
	}
	if (seqp != NULL)
		*seqp = seq;
	return (0);
}


/* The grace of a stuck kill is over: SIGKILL the group if the session lives. */
static void
session_stuck_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session_stuck	*k = arg;
	struct session		*s;

	(void)fd;
	(void)what;
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->id == k->id && s->pid == k->pid && s->state != SESSION_ENDED)
			kill(-k->pid, SIGKILL);
	}
	free(k);
}

void
session_kill_stuck(struct session *s)
{
	struct session_stuck	*k;
	struct timeval		 tv;
	int			 ms = agentd_conf->kill_grace_ms;

	evbuffer_drain(s->pending, evbuffer_get_length(s->pending));
	if (session_input_queued(s) == 0 || s->pid <= 0)
		return;
	/*
	 * Input the holder has not read is before the kill: a holder whose terminal
	 * does not read stops reading us, and would never see it. End the group
	 * ourselves; once the terminal is gone the holder reads again and reports.
	 */
	kill(-s->pid, SIGTERM);
	k = xmalloc(sizeof *k);
	k->id = s->id;
	k->pid = s->pid;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_base_once(agentd_base, -1, EV_TIMEOUT, session_stuck_cb, k, &tv);
}
