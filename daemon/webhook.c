/*
 * Webhooks for attention: when a session starts waiting for an approval, ends a
 * turn, exits, records an error or reaches a cap, every [webhook NAME] that asks
 * for that event gets a small JSON document POSTed to its url, signed with
 * HMAC-SHA256 of the body under its secret (X-Agentd-Signature: sha256=HEX, as
 * GitHub signs its hooks), retried with doubling waits until a 2xx or the last
 * retry. Each attempt is a row of the audit table.
 *
 * Nothing here blocks the daemon: the requests are libcurl easy handles in one
 * multi handle driven by the daemon's event loop (curl_multi_socket_action on the
 * sockets and the timer curl asks for, curl's "multi-event" design), and the
 * deliveries waiting at any time are bounded (WEBHOOK_PENDING_MAX), and those of
 * one session's event at one receiver too (WEBHOOK_PER_KEY_MAX: a newer state of
 * it replaces the one that waits), so a session whose agent makes events as fast
 * as it can cannot take the queue from the others. A delivery is
 * lost when the daemon stops: webhooks say "look now", they are not a log (the
 * events are in the session's log and the database for that).
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentd.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Deliveries in flight or waiting for a retry, all webhooks together: a receiver
 * that is down for hours must not grow the daemon (each holds its body). */
#define WEBHOOK_PENDING_MAX	256
/*
 * Deliveries of one event of one session at one receiver: one in flight and one
 * waiting. A newer one replaces the one that waits (coalesced: the newest state
 * wins), or, both in flight, follows the newer of them once it ends.
 */
#define WEBHOOK_PER_KEY_MAX	2
/* A full queue's "dropped" audit row: the first at once, then one per this, counted. */
#define WEBHOOK_DROP_WINDOW_MS	10000
/* A tool input larger than this is cut in the document: it says "look", the
 * dashboard shows the rest. */
#define WEBHOOK_INPUT_MAX	(16 * 1024)
/* The tool's name and an error's message, which the agent chooses: cut too. */
#define WEBHOOK_TOOL_MAX	256
#define WEBHOOK_MESSAGE_MAX	4096
/* The longest wait between two attempts. */
#define WEBHOOK_BACKOFF_MAX_MS	(5 * 60 * 1000)
/* What is kept of a receiver's answer for the audit (its first line). */
#define WEBHOOK_DETAIL_MAX	200

struct webhook_delivery {
	const struct agd_webhook *hook;		/* agentd_conf's, lives as long */
	char			*event;		/* its name, "waiting_approval" ... */
	char			*session;
	char			*body;		/* the JSON document, NUL-terminated */
	char			*next;		/* a newer one, sent once this attempt ends */
	char			 sig[7 + 2 * EVP_MAX_MD_SIZE + 1];	/* sha256=HEX */
	char			 id[33];	/* X-Agentd-Delivery */
	int			 attempt;	/* 1 for the first */
	CURL			*easy;		/* set while an attempt is in flight */
	struct curl_slist	*headers;
	struct event		*retry;		/* set while it waits to retry */
	char			 errbuf[CURL_ERROR_SIZE];
	TAILQ_ENTRY(webhook_delivery) entry;
};
static TAILQ_HEAD(, webhook_delivery) webhook_pending =
    TAILQ_HEAD_INITIALIZER(webhook_pending);
static int		 webhook_npending;

static CURLM		*webhook_multi;
static struct event	*webhook_timer;
static int		 webhook_async_dns;	/* libcurl resolves without blocking */

/* Deliveries dropped (the queue was full) since the last audit row about them. */
static struct {
	int		 n;
	uint64_t	 last_ms;	/* the last row */
	struct event	*ev;		/* the next row, at the window's end */
	char		 event[24];	/* the last one dropped, for the row */
	char		 session[AGD_NAME_MAX + 1];
	const struct agd_webhook *hook;
} webhook_drops;

/* One socket curl watches: its event. */
struct webhook_sock {
	struct event	*ev;
};

/* The status each session last told (for "turn_end": working -> idle). */
struct webhook_seen {
	char	status[24];
};

static void	webhook_attempt(struct webhook_delivery *);
static void	webhook_set_body(struct webhook_delivery *, char *);

static void
webhook_free(struct webhook_delivery *d)
{
	TAILQ_REMOVE(&webhook_pending, d, entry);
	webhook_npending--;
	if (d->easy != NULL) {
		curl_multi_remove_handle(webhook_multi, d->easy);
		curl_easy_cleanup(d->easy);
	}
	curl_slist_free_all(d->headers);
	if (d->retry != NULL)
		event_free(d->retry);
	free(d->event);
	free(d->session);
	free(d->body);
	free(d->next);
	free(d);
}

/*
 * What the audit says of a receiver: scheme://host[:port] only. The path and query
 * of a webhook URL are often its secret (chat services put the token there), and
 * whoever may read the audit may not know it.
 */
static char *
webhook_where(const char *url)
{
	const char	*host = strstr(url, "://"), *end;

	host = host != NULL ? host + 3 : url;
	end = host + strcspn(host, "/?#");
	return (xstrndup(url, (size_t)(end - url)));
}

static void
webhook_audit(struct webhook_delivery *d, int status, const char *what)
{
	char	*detail, *where;

	xasprintf(&detail, "%s %s %s attempt %d: %s", d->hook->name, d->event, d->id,
	    d->attempt, what);
	where = webhook_where(d->hook->url);
	persist_audit("agentd", "system", "webhook", d->session, where, status, detail);
	free(where);
	free(detail);
}

static void
webhook_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_delivery	*d = arg;

	(void)fd;
	(void)what;
	event_free(d->retry);
	d->retry = NULL;
	d->attempt++;
	webhook_attempt(d);
}

/* Attempt d->attempt ended with HTTP status code (0: no answer, errbuf says why). */
static void
webhook_done(struct webhook_delivery *d, long code, CURLcode rc)
{
	struct timeval	 tv;
	long		 ms;
	char		 what[WEBHOOK_DETAIL_MAX + 32];

	curl_multi_remove_handle(webhook_multi, d->easy);
	curl_easy_cleanup(d->easy);
	d->easy = NULL;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		agentd_stats.webhook_delivered++;
		webhook_audit(d, (int)code, "delivered");
		if (d->next != NULL) {
			/* A newer state came meanwhile: sent now, a delivery of its own. */
			webhook_set_body(d, d->next);
			d->next = NULL;
			d->attempt = 1;
			webhook_attempt(d);
			return;
		}
		webhook_free(d);
		return;
	}
	if (rc != CURLE_OK)
		snprintf(what, sizeof what, "failed: %.*s", WEBHOOK_DETAIL_MAX,
		    d->errbuf[0] != '\0' ? d->errbuf : curl_easy_strerror(rc));
	else
		snprintf(what, sizeof what, "refused: HTTP %ld", code);
	agentd_stats.webhook_failed++;
	if (d->attempt > d->hook->retries) {
		agentd_stats.webhook_dropped++;
		webhook_audit(d, (int)code, what);
		log_info("webhook %s: %s for %s given up after %d attempts", d->hook->name,
		    d->event, d->session, d->attempt);
		webhook_free(d);
		return;
	}
	webhook_audit(d, (int)code, what);
	if (d->next != NULL) {
		/* What failed is old: the retries carry the newer state (counted on). */
		webhook_set_body(d, d->next);
		d->next = NULL;
	}
	ms = d->hook->retry_ms;
	for (int i = 1; i < d->attempt && ms < WEBHOOK_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > WEBHOOK_BACKOFF_MAX_MS)
		ms = WEBHOOK_BACKOFF_MAX_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	d->retry = evtimer_new(agentd_base, webhook_retry_cb, d);
	evtimer_add(d->retry, &tv);
}

/* Collect the transfers curl has finished. */
static void
webhook_check_done(void)
{
	CURLMsg			*m;
	struct webhook_delivery	*d;
	long			 code;
	int			 left;

	while ((m = curl_multi_info_read(webhook_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		d = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
		code = 0;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		webhook_done(d, code, m->data.result);
	}
}

static void
webhook_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	int	flags = 0, running;

	(void)arg;
	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(webhook_multi, fd, flags, &running);
	webhook_check_done();
}

static void
webhook_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	int	running;

	(void)fd;
	(void)what;
	(void)arg;
	curl_multi_socket_action(webhook_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	webhook_check_done();
}

/* curl says which of its sockets to watch, for what. */
static int
webhook_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct webhook_sock	*ws = sockp;
	short			 kind;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (ws != NULL) {
			event_free(ws->ev);
			free(ws);
		}
		curl_multi_assign(webhook_multi, fd, NULL);
		return (0);
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ws == NULL) {
		ws = xcalloc(1, sizeof *ws);
		curl_multi_assign(webhook_multi, fd, ws);
	} else
		event_free(ws->ev);
	ws->ev = event_new(agentd_base, fd, kind, webhook_sock_cb, NULL);
	event_add(ws->ev, NULL);
	return (0);
}

/* curl asks to be called in timeout_ms (-1: not at all). */
static int
webhook_timeout(CURLM *multi, long timeout_ms, void *userp)
{
	struct timeval	tv;

	(void)multi;
	(void)userp;
	if (timeout_ms < 0) {
		evtimer_del(webhook_timer);
		return (0);
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(webhook_timer, &tv);
	return (0);
}

/* Swallow the receiver's answer: only its status matters. */
static size_t
webhook_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (size * n);
}

/* 1 if url's host is an IP address (no name to resolve), by curl's own URL parser. */
static int
webhook_numeric_host(const char *url)
{
	CURLU		*u;
	char		*host = NULL;
	unsigned char	 addr[16];
	size_t		 len;
	int		 numeric = 0;

	if ((u = curl_url()) == NULL)
		return (0);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		len = strlen(host);
		if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
			host[len - 1] = '\0';
			numeric = inet_pton(AF_INET6, host + 1, addr) == 1;
		} else
			numeric = inet_pton(AF_INET, host, addr) == 1;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return (numeric);
}

static void
webhook_attempt(struct webhook_delivery *d)
{
	CURL	*e;

	/* A name this libcurl would resolve on our loop (blocking it): not tried. */
	if (!webhook_async_dns && !webhook_numeric_host(d->hook->url)) {
		webhook_audit(d, 0, "failed: this libcurl has no asynchronous resolver"
		    " (CURL_VERSION_ASYNCHDNS): a host name would block agentd; give an address");
		webhook_free(d);
		return;
	}
	if ((e = curl_easy_init()) == NULL) {
		webhook_audit(d, 0, "failed: curl_easy_init");
		webhook_free(d);
		return;
	}
	d->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, d->hook->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)d->hook->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");	/* not the environment's */
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, webhook_discard);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, d);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "agentd/" AGD_VERSION);
	d->easy = e;
	if (curl_multi_add_handle(webhook_multi, e) != CURLM_OK) {
		d->easy = NULL;
		curl_easy_cleanup(e);
		webhook_audit(d, 0, "failed: curl_multi_add_handle");
		webhook_free(d);
	}
}

/* d's document is body (taken): a delivery id of its own, its headers, its signature. */
static void
webhook_set_body(struct webhook_delivery *d, char *body)
{
	const struct agd_webhook *hook = d->hook;
	unsigned char		 rnd[16], mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0, i;
	char			*h;

	free(d->body);
	d->body = body;
	d->sig[0] = '\0';
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		memset(rnd, 0, sizeof rnd);
	for (i = 0; i < sizeof rnd; i++)
		snprintf(d->id + 2 * i, 3, "%02x", rnd[i]);
	curl_slist_free_all(d->headers);
	d->headers = curl_slist_append(NULL, "Content-Type: application/json");
	d->headers = curl_slist_append(d->headers, "Expect:");
	xasprintf(&h, "X-Agentd-Event: %s", d->event);
	d->headers = curl_slist_append(d->headers, h);
	free(h);
	xasprintf(&h, "X-Agentd-Delivery: %s", d->id);
	d->headers = curl_slist_append(d->headers, h);
	free(h);
	if (hook->secret != NULL && HMAC(EVP_sha256(), hook->secret,
	    (int)strlen(hook->secret), (unsigned char *)body, strlen(body), mac,
	    &maclen) != NULL) {
		memcpy(d->sig, "sha256=", 7);
		for (i = 0; i < maclen; i++)
			snprintf(d->sig + 7 + 2 * i, 3, "%02x", mac[i]);
		xasprintf(&h, "X-Agentd-Signature: %s", d->sig);
		d->headers = curl_slist_append(d->headers, h);
		free(h);
	}
}

/* The audit row (and log line) for the deliveries dropped since the last one. */
static void
webhook_drops_report(evutil_socket_t fd, short what, void *arg)
{
	char	*where, *detail;

	(void)fd;
	(void)what;
	(void)arg;
	if (webhook_drops.n == 0)
		return;
	log_warnx("webhook %s: %d deliveries waiting, %d dropped (the last: %s of %s;"
	    " said once per %d s)", webhook_drops.hook->name, webhook_npending,
	    webhook_drops.n, webhook_drops.event, webhook_drops.session,
	    WEBHOOK_DROP_WINDOW_MS / 1000);
	xasprintf(&detail, "dropped: too many deliveries waiting (%d since the last row;"
	    " the last: %s %s)", webhook_drops.n, webhook_drops.hook->name,
	    webhook_drops.event);
	where = webhook_where(webhook_drops.hook->url);
	persist_audit("agentd", "system", "webhook", webhook_drops.session, where, 0, detail);
	free(where);
	free(detail);
	webhook_drops.n = 0;
	webhook_drops.last_ms = agd_now_ms();
}

/* The queue is full: event of session for hook is dropped, and counted. */
static void
webhook_drop(const struct agd_webhook *hook, const char *event, const char *session)
{
	uint64_t	now = agd_now_ms(), left;
	struct timeval	tv;

	agentd_stats.webhook_dropped++;
	webhook_drops.n++;
	webhook_drops.hook = hook;
	snprintf(webhook_drops.event, sizeof webhook_drops.event, "%s", event);
	snprintf(webhook_drops.session, sizeof webhook_drops.session, "%s", session);
	if (now >= webhook_drops.last_ms + WEBHOOK_DROP_WINDOW_MS) {
		webhook_drops_report(-1, 0, NULL);
		return;
	}
	if (webhook_drops.ev == NULL)
		webhook_drops.ev = evtimer_new(agentd_base, webhook_drops_report, NULL);
	if (!evtimer_pending(webhook_drops.ev, NULL)) {
		left = webhook_drops.last_ms + WEBHOOK_DROP_WINDOW_MS - now;
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
		evtimer_add(webhook_drops.ev, &tv);
	}
}

/*
 * 1 if event of session for hook is taken by a delivery of the same (body taken),
 * 0 if it is queued on its own: under WEBHOOK_PER_KEY_MAX of them wait.
 */
static int
webhook_coalesce(const struct agd_webhook *hook, const char *event, const char *session,
    char *body)
{
	struct webhook_delivery	*d, *waiting = NULL, *flying = NULL;
	int			 n = 0;

	TAILQ_FOREACH(d, &webhook_pending, entry) {
		if (d->hook != hook || strcmp(d->event, event) != 0 ||
		    strcmp(d->session, session) != 0)
			continue;
		n++;
		if (d->easy == NULL)
			waiting = d;
		else
			flying = d;
	}
	if (n < WEBHOOK_PER_KEY_MAX)
		return (0);
	if (waiting != NULL) {
		/* It waits for a retry: the newer state goes instead (its attempts go on). */
		webhook_set_body(waiting, body);
	} else {
		free(flying->next);
		flying->next = body;
	}
	return (1);
}

/* Queue event (its document body, which is taken) for hook. */
static void
webhook_queue(const struct agd_webhook *hook, const char *event, const char *session,
    char *body)
{
	struct webhook_delivery	*d;

	if (webhook_coalesce(hook, event, session, body))
		return;
	if (webhook_npending >= WEBHOOK_PENDING_MAX) {
		webhook_drop(hook, event, session);
		free(body);
		return;
	}
	d = xcalloc(1, sizeof *d);
	d->hook = hook;
	d->event = xstrdup(event);
	d->session = xstrdup(session);
	d->attempt = 1;
	webhook_set_body(d, body);
	TAILQ_INSERT_TAIL(&webhook_pending, d, entry);
	webhook_npending++;
	webhook_attempt(d);
}

/*
 * The dashboard's page of session name (its route #/s/NAME, web/src/main.js):
 * under public_url, or at / of the listen address.
 */
static char *
webhook_link(const char *name)
{
	const char	*base = agentd_conf->public_url, *listen;
	char		*url;

	if (base != NULL) {
		xasprintf(&url, "%s%s#/s/%s", base,
		    base[strlen(base) - 1] == '/' ? "" : "/", name);
		return (url);
	}
	if ((listen = getenv("AGENTD_LISTEN")) == NULL || *listen == '\0')
		listen = "127.0.0.1:8080";
	xasprintf(&url, "http://%s/#/s/%s", listen, name);
	return (url);
}

/*
 * o[key] = v (borrowed), or, if v's text (a string's, else its JSON) is over max
 * bytes, that text cut on a character boundary and o[keyTruncated] = true.
 */
static void
webhook_add_cut(struct json_object *o, const char *key, struct json_object *v, size_t max)
{
	const char	*text;
	char		 flag[64];
	size_t		 len;

	if (json_object_is_type(v, json_type_string)) {
		text = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
	} else
		text = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	if (len <= max) {
		json_object_object_add(o, key, json_object_get(v));
		return;
	}
	json_object_object_add(o, key, json_object_new_string_len(text,
	    (int)agd_utf8_cut((const unsigned char *)text, max)));
	snprintf(flag, sizeof flag, "%sTruncated", key);
	json_object_object_add(o, flag, json_object_new_boolean(1));
}

/* The document of event for s, from the recorded event ev. Returns a string to free. */
static char *
webhook_body(struct session *s, int bit, struct json_object *ev)
{
	struct json_object	*o, *v, *p;
	char			*link, *body;

	o = json_object_new_object();
	json_object_object_add(o, "event",
	    json_object_new_string(agd_webhook_event_name(bit)));
	json_object_object_add(o, "session", json_object_new_string(s->name));
	json_object_object_add(o, "sessionId", json_object_new_int64(s->id));
	json_object_object_add(o, "agentType", json_object_new_string(s->agent_type));
	if (s->creator != NULL)
		json_object_object_add(o, "creator", json_object_new_string(s->creator));
	if (json_object_object_get_ex(ev, "status", &v))
		json_object_object_add(o, "status", json_object_get(v));
	if (json_object_object_get_ex(ev, "ts", &v))
		json_object_object_add(o, "at", json_object_get(v));
	if (json_object_object_get_ex(ev, "pendingApproval", &p)) {
		if (json_object_object_get_ex(p, "tool", &v))
			webhook_add_cut(o, "tool", v, WEBHOOK_TOOL_MAX);
		if (json_object_object_get_ex(p, "input", &v))
			webhook_add_cut(o, "input", v, WEBHOOK_INPUT_MAX);
	}
	if (bit == AGD_WH_EXITED) {
		if (json_object_object_get_ex(ev, "exitCode", &v))
			json_object_object_add(o, "exitCode", json_object_get(v));
		if (json_object_object_get_ex(ev, "exitSignal", &v))
			json_object_object_add(o, "exitSignal", json_object_get(v));
	}
	/* The message: an error's text, a cap's reason. */
	if ((bit == AGD_WH_ERROR || bit == AGD_WH_CAPPED) &&
	    (json_object_object_get_ex(ev, "message", &v) ||
	    json_object_object_get_ex(ev, bit == AGD_WH_ERROR ? "text" : "reason", &v)))
		webhook_add_cut(o, "message", v, WEBHOOK_MESSAGE_MAX);
	link = webhook_link(s->name);
	json_object_object_add(o, "url", json_object_new_string(link));
	free(link);
	body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return (body);
}

/* The AGD_WH_* bit event ev of s stands for, if any (seen: what s said before). */
static int
webhook_classify(struct json_object *ev, struct webhook_seen *seen)
{
	struct json_object	*v;
	const char		*type, *status;
	int			 bit = 0;

	if (!json_object_object_get_ex(ev, "type", &v))
		return (0);
	type = json_object_get_string(v);
	if (strcmp(type, "exit") == 0)
		return (AGD_WH_EXITED);
	if (strcmp(type, "error") == 0)
		return (AGD_WH_ERROR);
	if (strcmp(type, "capped") == 0)
		return (AGD_WH_CAPPED);
	if (strcmp(type, "status") != 0 || !json_object_object_get_ex(ev, "status", &v))
		return (0);
	status = json_object_get_string(v);
	if (strcmp(status, "waiting_approval") == 0 &&
	    strcmp(seen->status, "waiting_approval") != 0)
		bit = AGD_WH_WAITING_APPROVAL;
	else if (strcmp(status, "idle") == 0 && strcmp(seen->status, "working") == 0)
		bit = AGD_WH_TURN_END;
	snprintf(seen->status, sizeof seen->status, "%s", status);
	return (bit);
}

static void
webhook_note(struct session *s, const struct session_note *n, void *arg)
{
	struct webhook_seen	*seen = arg;
	struct json_object	*ev;
	const struct agd_webhook *w;
	int			 bit;

	if (n->type == SESSION_NOTE_FREED) {
		free(seen);
		return;
	}
	if (n->type != SESSION_NOTE_EVENT)
		return;
	if ((ev = agd_json_parse(n->data, n->len, NULL)) == NULL)
		return;
	if ((bit = webhook_classify(ev, seen)) != 0) {
		for (w = agentd_conf->webhooks; w != NULL; w = w->next) {
			if (w->events & bit)
				webhook_queue(w, agd_webhook_event_name(bit), s->name,
				    webhook_body(s, bit, ev));
		}
	}
	json_object_put(ev);
}

static void *
webhook_new_arg(struct session *s)
{
	(void)s;
	return (xcalloc(1, sizeof (struct webhook_seen)));
}

int
webhook_pending_count(void)
{
	return (webhook_npending);
}

void
webhook_init(void)
{
	curl_version_info_data	*vi;
	const struct agd_webhook *w;

	if (agentd_conf->webhooks == NULL)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	vi = curl_version_info(CURLVERSION_NOW);
	webhook_async_dns = (vi->features & CURL_VERSION_ASYNCHDNS) != 0;
	for (w = agentd_conf->webhooks; !webhook_async_dns && w != NULL; w = w->next) {
		if (!webhook_numeric_host(w->url))
			log_warnx("webhook %s: libcurl %s resolves names on agentd's loop"
			    " (no CURL_VERSION_ASYNCHDNS): its deliveries are refused;"
			    " give an IP address in its url", w->name, vi->version);
	}
	if ((webhook_multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	webhook_timer = evtimer_new(agentd_base, webhook_timer_cb, NULL);
	curl_multi_setopt(webhook_multi, CURLMOPT_SOCKETFUNCTION, webhook_socket);
	curl_multi_setopt(webhook_multi, CURLMOPT_TIMERFUNCTION, webhook_timeout);
	session_subscribe_all(SESSION_SUB_WEBHOOK, webhook_note, webhook_new_arg);
}

void
webhook_shutdown(void)
{
	struct webhook_delivery	*d;

	if (webhook_multi == NULL)
		return;
	while ((d = TAILQ_FIRST(&webhook_pending)) != NULL)
		webhook_free(d);
	curl_multi_cleanup(webhook_multi);
	webhook_multi = NULL;
	event_free(webhook_timer);
	curl_global_cleanup();
}
