/*
 * agentctl logs and wait: a session's history - json events as lines (from
 * the detail endpoint, page by page) or the terminal bytes (the output
 * endpoint) - then with -f the live stream from where the history ended,
 * resumed with since after a dropped connection; and wait, which polls a
 * session's status for scripts.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentctl.h"

/* Events per page of the detail endpoint (its maximum). */
#define LOGS_PAGE_EVENTS	1000
/* wait polls the session this often (ms). */
#define WAIT_POLL_MS		200

/* Nobody reads what we write any more (logs -f | head): done. */
static void
logs_check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		exit(CTL_OK);
}

/* Print one event as a line: {seq, ts?, type, event}. */
static void
logs_print_event(struct json_object *e)
{
	printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	logs_check_stdout();
}

/* The json events after *since, printed; *since becomes the last one's seq. */
static int
logs_events(const char *name, int64_t *since)
{
	struct http_reply	 r;
	struct json_object	*evs, *e;
	char			*q;
	size_t			 i, n;
	int			 rc;

	for (;;) {
		q = xasprintf("?since=%lld&limit=%d", (long long)*since, LOGS_PAGE_EVENTS);
		rc = http_session("GET", name, q, NULL, &r);
		free(q);
		if (rc != CTL_OK) {
			http_reply_free(&r);
			return (rc);
		}
		n = 0;
		if (json_object_object_get_ex(r.json, "events", &evs) &&
		    json_object_is_type(evs, json_type_array))
			n = json_object_array_length(evs);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(evs, i);
			logs_print_event(e);
			if (json_int(e, "seq", -1) > *since)
				*since = json_int(e, "seq", -1);
		}
		http_reply_free(&r);
		if (n < LOGS_PAGE_EVENTS)
			return (CTL_OK);
	}
}

/* Write all of p to stdout. */
static void
logs_write(const void *p, size_t len)
{
	if (len > 0)
		fwrite(p, 1, len, stdout);
	logs_check_stdout();
}

/* The terminal bytes after *since, written; *since becomes the last seq. */
static int
logs_output(const char *name, int64_t *since)
{
	struct http_reply	 r;
	char			*q;
	int			 rc, more;

	do {
		q = xasprintf("/output?since=%lld", (long long)*since);
		rc = http_session("GET", name, q, NULL, &r);
		free(q);
		if (rc != CTL_OK) {
			http_reply_free(&r);
			return (rc);
		}
		logs_write(r.body.data, r.body.len);
		more = r.body.len > 0 && r.seq > *since;
		if (more)
			*since = r.seq;
		http_reply_free(&r);
	} while (more);
	return (CTL_OK);
}

static void
logs_stream_output(struct stream *s, const uint8_t *p, size_t len)
{
	if (*(int *)s->arg)
		logs_write(p, len);
}

static void
logs_stream_message(struct stream *s, struct json_object *m)
{
	struct json_object	*e, *ev;
	const char		*type;

	if (*(int *)s->arg)
		return;
	type = json_str(m, "type");
	if (type != NULL && strcmp(type, "json_event") == 0 &&
	    json_object_object_get_ex(m, "event", &ev)) {
		e = json_object_new_object();
		json_object_object_add(e, "seq", json_object_new_int64(json_int(m, "seq", 0)));
		if (json_str(ev, "type") != NULL)
			json_object_object_add(e, "type",
			    json_object_new_string(json_str(ev, "type")));
		json_object_object_add(e, "event", json_object_get(ev));
		logs_print_event(e);
		json_object_put(e);
	} else if (type != NULL && strcmp(type, "resync") == 0)
		ctl_warn("records up to %lld were rotated out of the log before they were read",
		    (long long)json_int(m, "seq", 0));
}

/* Follow s until the session ends; reconnects with since after a drop. */
static int
logs_follow(struct stream *s)
{
	struct pollfd	pfd;
	long		status;
	int		tries = 0, rc, r;

	if ((rc = stream_connect(s, -1, 0, &status)) != CTL_OK)
		return (rc);
	for (;;) {
		if (s->ws == NULL) {
			poll(NULL, 0, stream_backoff(tries++));
			rc = stream_connect(s, -1, 1, &status);
			/* Gone for good, or refused: say so (404 after a restart is final). */
			if (rc == CTL_EAPI && (status == 401 || status == 403 || status == 404))
				return (stream_connect(s, -1, 0, &status));
			if (rc != CTL_OK)
				continue;
			tries = 0;
		}
		pfd.fd = ws_fd(s->ws);
		pfd.events = ws_events(s->ws);
		pfd.revents = 0;
		if (poll(&pfd, 1, ws_pending(s->ws) ? 0 : -1) == -1 && errno != EINTR)
			return (CTL_EUNREACH);
		if ((r = stream_io(s, pfd.revents)) == 1)
			return (CTL_OK);
	}
}

int
cmd_logs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct stream	 s;
	long long	 v;
	int64_t		 since = 0;
	int		 c, follow = 0, raw = 0, rc;

	while ((c = ctl_getopt(argc, argv, "fs:r", longopts)) != -1) {
		switch (c) {
		case 'f':
			follow = 1;
			break;
		case 's':
			if (parse_num(optarg, 0, INT64_MAX, &v) == -1) {
				ctl_warn("--since: a sequence number");
				return (ctl_usage());
			}
			since = v;
			break;
		case 'r':
			raw = 1;
			break;
		default:
			return (ctl_usage());
		}
	}
	if (argc - optind != 1)
		return (ctl_usage());
	rc = raw ? logs_output(argv[optind], &since) : logs_events(argv[optind], &since);
	if (rc != CTL_OK || !follow)
		return (rc);
	memset(&s, 0, sizeof s);
	s.name = argv[optind];
	s.seq = since;
	s.arg = &raw;
	s.output = logs_stream_output;
	s.message = logs_stream_message;
	rc = logs_follow(&s);
	stream_close(&s);
	return (rc);
}

/* 1 if status is one of the comma-separated words of want. */
static int
wait_match(const char *want, const char *status)
{
	size_t		n = strlen(status);
	const char	*p = want, *e;

	for (;;) {
		e = strchr(p, ',');
		if ((e != NULL ? (size_t)(e - p) : strlen(p)) == n && strncmp(p, status, n) == 0)
			return (1);
		if (e == NULL)
			return (0);
		p = e + 1;
	}
}

int
cmd_wait(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_reply	 r;
	const char		*want = NULL, *st;
	char			*last = NULL;
	long long		 v;
	int64_t			 deadline = -1;
	int			 c, rc, ended;

	while ((c = ctl_getopt(argc, argv, "s:t:", longopts)) != -1) {
		switch (c) {
		case 's':
			want = optarg;
			break;
		case 't':
			if (parse_num(optarg, 0, 86400 * 365, &v) == -1) {
				ctl_warn("--timeout: seconds");
				return (ctl_usage());
			}
			deadline = now_ms() + v * 1000;
			break;
		default:
			return (ctl_usage());
		}
	}
	if (argc - optind != 1 || want == NULL || *want == '\0')
		return (ctl_usage());
	for (;;) {
		if ((rc = http_session("GET", argv[optind], "?limit=1", NULL, &r)) != CTL_OK) {
			http_reply_free(&r);	/* an error reply has a body too */
			break;
		}
		/* agentd's own state (status is the seed's coarse lifecycle). */
		st = json_str(r.json, "state") != NULL ? json_str(r.json, "state") : "";
		ended = json_int(r.json, "ended", 0) != 0 || json_str(r.json, "ended") != NULL ||
		    strcmp(st, "exited") == 0 || strcmp(st, "terminated") == 0;
		free(last);
		last = xstrdup(st);
		http_reply_free(&r);
		if (wait_match(want, last)) {
			printf("%s\n", last);
			break;
		}
		if (ended) {
			ctl_warn("%s has ended (status %s)", argv[optind], last);
			rc = CTL_EAPI;
			break;
		}
		if (deadline >= 0 && now_ms() >= deadline) {
			ctl_warn("timed out waiting for %s to be %s (status %s)", argv[optind],
			    want, last);
			rc = CTL_EAPI;
			break;
		}
		poll(NULL, 0, WAIT_POLL_MS);
	}
	free(last);
	return (rc);
}
