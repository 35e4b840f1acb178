/*
 * What a session records: every chunk of terminal output from its holder and every
 * event gets the next seq, goes into the session's log (events into SQLite too)
 * and is told to its subscribers (session-notify.c). A stream session's output is
 * the agent's structured channel: it is read in whole lines, each told to the
 * subscribers (the adapter turns it into events and a readable rendering); the
 * records a line makes carry the holder offset after it, so a restarted daemon
 * resumes after the last line it recorded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentd.h"
#include "hproto.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

/* Keystrokes of one user this close together are one input event. */
#define SESSION_INPUT_BURST_MS	2000
/* An ISO 8601 timestamp with its NUL. */
#define SESSION_TS_MAX		32
/*
 * A stream line longer than this is cut (and reported): under the holder's buffer
 * (SPAWN_HOLDER_BUFMAX), which stops reading the agent while a line is unread.
 */
#define SESSION_LINE_MAX	(4 * 1024 * 1024)
/*
 * Output gathered into one record: a DATA message and a split UTF-8 sequence
 * (4 bytes) always fit, a read's messages up to this.
 */
#define SESSION_STAGE_MAX	(2 * HP_DATA_MAX)

uint64_t
session_event(struct session *s, const char *type, struct json_object *fields)
{
	const char	*text;
	size_t		 len;
	char		 ts[SESSION_TS_MAX];

	if (fields == NULL)
		fields = json_object_new_object();
	agd_iso8601(time(NULL), ts, sizeof ts);
	json_object_object_add(fields, "type", json_object_new_string(type));
	json_object_object_add(fields, "ts", json_object_new_string(ts));
	text = agd_json_text(fields, &len);
	s->seq++;
	if (agd_seqlog_append(&s->log, s->seq, s->line_end, AGD_REC_EVENT, text,
	    len) == -1)
		log_warn("%s: session %s: log append", __func__, s->name);
	persist_event(s->id, s->seq, ts, type, text, len);
	agentd_stats.events++;
	session_notify(s, SESSION_NOTE_EVENT, s->seq, text, len);
	json_object_put(fields);
	return (s->seq);
}

/*
 * Record terminal output [data, data+len) which ends at holder offset end. 0, or -1
 * if the log refused it: then nothing changed (no seq, no offset), so the bytes stay
 * unacknowledged in the holder, and the caller gives them again later (session.c).
 */
static int
session_record(struct session *s, const void *data, size_t len, uint64_t end)
{
	if (len == 0)
		return (0);
	if (agd_seqlog_append(&s->log, s->seq + 1, end, AGD_REC_TTY, data, len) == -1) {
		if (s->log_failures++ == 0)
			log_warnx("session %s: cannot write its output log: %s: the output"
			    " waits in its holder until it can", s->name, strerror(errno));
		return (-1);
	}
	if (s->log_failures > 0) {
		log_info("session %s: output log written again (after %d refused writes)",
		    s->name, s->log_failures);
		s->log_failures = 0;
	}
	s->seq++;
	s->hoff = end;
	s->flags |= SESSION_DIRTY;
	agentd_stats.output_bytes += len;
	session_notify(s, SESSION_NOTE_OUTPUT, s->seq, data, len);
	return (0);
}

void
session_tty(struct session *s, const char *text, size_t len)
{
	session_record(s, text, len, s->line_end != 0 ? s->line_end : s->hoff);
}

/* One line of a stream session: the adapter's, else shown as it is. */
static void
session_line(struct session *s, char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	if (!session_notify_line(s, line, len) && s->state != SESSION_ENDED) {
		session_tty(s, line, len);
		session_tty(s, "\r\n", 2);
	}
}

/* Stream output [p, p+n), new after what we have: whole lines, the rest kept. */
static void
session_lines(struct session *s, const uint8_t *p, size_t n)
{
	struct evbuffer_ptr	 eol;
	size_t			 len, skip;
	char			*line;

	if (s->lines == NULL)
		s->lines = evbuffer_new();
	evbuffer_add(s->lines, p, n);
	for (;;) {
		eol = evbuffer_search(s->lines, "\n", 1, NULL);
		if (eol.pos == -1 && evbuffer_get_length(s->lines) < SESSION_LINE_MAX)
			break;
		len = eol.pos == -1 ? SESSION_LINE_MAX : (size_t)eol.pos;
		skip = eol.pos == -1 ? 0 : 1;
		line = xmalloc(len + 1);
		evbuffer_remove(s->lines, line, len);
		evbuffer_drain(s->lines, skip);
		s->line_end = s->hoff + len + skip;
		if (skip == 0)
			log_warnx("%s: session %s: a line longer than %d bytes cut",
			    __func__, s->name, SESSION_LINE_MAX);
		session_line(s, line, len);
		free(line);
		s->hoff = s->line_end;
		s->line_end = 0;
		s->flags |= SESSION_DIRTY;
		if (s->state == SESSION_ENDED)
			break;
	}
	s->ack_due = 1;
}

/*
 * UTF-8 sequences split between two chunks are held back (at most 3 bytes) so that
 * every record starts and ends on a character boundary.
 */
int
session_output(struct session *s, uint64_t off, const uint8_t *p, size_t n)
{
	uint64_t	 have = s->hoff + s->stage_len;

	if (s->transport == SESSION_STREAM && s->lines != NULL)
		have = s->hoff + evbuffer_get_length(s->lines);

	if (off + n <= have)
		return (0);			/* a resend of what we have */
	if (off < have) {
		p += have - off;
		n -= (size_t)(have - off);
		off = have;
	} else if (off > have) {
		log_warnx("%s: session %s: output gap %llu..%llu", __func__, s->name,
		    (unsigned long long)have, (unsigned long long)off);
		s->stage_len = 0;
		if (s->lines != NULL)
			evbuffer_drain(s->lines, evbuffer_get_length(s->lines));
		s->hoff = off;
	}
	if (s->transport == SESSION_STREAM) {
		session_lines(s, p, n);
		return (0);
	}
	/* n <= HP_DATA_MAX: after a flush only a split sequence is left. */
	if (s->stage_len + n > SESSION_STAGE_MAX && session_output_flush(s) == -1)
		return (-1);		/* the stage stays: the retry sees the same */
	if (s->stage == NULL)
		s->stage = xmalloc(SESSION_STAGE_MAX);
	memcpy(s->stage + s->stage_len, p, n);
	s->stage_len += n;
	s->ack_due = 1;
	return (0);
}

int
session_output_flush(struct session *s)
{
	size_t	cut;

	if (s->stage_len == 0)
		return (0);
	cut = agd_utf8_cut(s->stage, s->stage_len);
	if (cut == 0)
		return (0);
	if (session_record(s, s->stage, cut, s->hoff + cut) == -1)
		return (-1);		/* kept, unacknowledged: the holder has it too */
	s->stage_len -= cut;
	memmove(s->stage, s->stage + cut, s->stage_len);
	return (0);
}

void
session_flush_tail(struct session *s)
{
	size_t	len;
	char	*line;

	/* A stream's last line without its newline is a line all the same. */
	if (s->lines != NULL && (len = evbuffer_get_length(s->lines)) > 0) {
		line = xmalloc(len + 1);
		evbuffer_remove(s->lines, line, len);
		s->line_end = s->hoff + len;
		session_line(s, line, len);
		free(line);
		s->hoff = s->line_end;
		s->line_end = 0;
	}
	session_output_flush(s);
	if (s->stage_len > 0) {
		session_record(s, s->stage, s->stage_len, s->hoff + s->stage_len);
		s->stage_len = 0;
	}
}

/* The keystrokes themselves are in the output, not in the history. */
void
session_note_input(struct session *s, const char *from, size_t n)
{
	struct json_object	*o;
	uint64_t		 now = agd_now_ms();

	if (s->last_input_from != NULL && strcmp(s->last_input_from, from) == 0 &&
	    now - s->last_input_ms < SESSION_INPUT_BURST_MS) {
		s->last_input_ms = now;
		return;
	}
	free(s->last_input_from);
	s->last_input_from = xstrdup(from);
	s->last_input_ms = now;
	o = json_object_new_object();
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)n));
	session_event(s, "input", o);
}
