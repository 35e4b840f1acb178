/*
 * GET /api/agents/metrics: Prometheus' text exposition format (version 0.0.4),
 * for admins. Three sources: SQLite (live sessions by agent and status, tokens and
 * cost by agent, approvals waiting and the oldest one's age), the daemon's
 * daemon.metrics (its counters, viewers, queues, webhooks, memory, descriptors;
 * agentd_up 0 when it does not answer) and this process' shared request
 * counters (metrics.c). A scrape costs three small queries and one control call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"

/* A scrape of the daemon should be quick; a slow one is reported as down. */
#define METRICS_CTL_MS		5000
/* Label values are ours (agent types, statuses); longer is not one of them. */
#define METRICS_VALUE_MAX	64

static int	api_metrics_exec(struct req *);

const struct api_entry api_metrics_entry = {
	.method = "GET",
	.path = "/api/agents/metrics",
	.flags = 0,
	.exec = api_metrics_exec,
	.role = AGD_ROLE_ADMIN
};

/* A label value from SQLite, escaped as the format says (\\, \", \n). */
static void
metrics_value(char *buf, size_t len, const unsigned char *v)
{
	size_t	o = 0;

	if (v == NULL)
		v = (const unsigned char *)"";
	for (; *v != '\0' && o + 3 < len && o < METRICS_VALUE_MAX; v++) {
		if (*v == '\\' || *v == '"') {
			buf[o++] = '\\';
			buf[o++] = (char)*v;
		} else if (*v == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (*v >= ' ')
			buf[o++] = (char)*v;
	}
	buf[o] = '\0';
}

static void
metrics_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The SQLite part; -1 with *cause if a query failed. */
static int
metrics_sqlite(FILE *out, char **cause)
{
	static const char *const kinds[] = { "input", "output", "cache_read", "cache_write" };
	sqlite3_stmt	*st;
	char		 a[METRICS_VALUE_MAX * 2 + 1], b[METRICS_VALUE_MAX * 2 + 1];
	int		 rc, k;

	if ((st = query_stmt(Q_METRICS_SESSIONS, cause)) == NULL)
		return (-1);
	metrics_head(out, "agentd_sessions", "gauge", "Live sessions by agent and status.");
	while ((rc = query_step(st, cause)) == 1) {
		metrics_value(a, sizeof a, sqlite3_column_text(st, 0));
		metrics_value(b, sizeof b, sqlite3_column_text(st, 1));
		fprintf(out, "agentd_sessions{agent=\"%s\",status=\"%s\"} %lld\n", a, b,
		    (long long)sqlite3_column_int64(st, 2));
	}
	query_done(st);
	if (rc == -1 || (st = query_stmt(Q_METRICS_USAGE, cause)) == NULL)
		return (-1);
	metrics_head(out, "agentd_tokens_total", "counter",
	    "Tokens the agents reported, every session, by agent and kind.");
	while ((rc = query_step(st, cause)) == 1) {
		metrics_value(a, sizeof a, sqlite3_column_text(st, 0));
		for (k = 0; k < 4; k++)
			fprintf(out, "agentd_tokens_total{agent=\"%s\",kind=\"%s\"} %lld\n",
			    a, kinds[k], (long long)sqlite3_column_int64(st, 1 + k));
	}
	sqlite3_reset(st);
	metrics_head(out, "agentd_cost_usd_total", "counter",
	    "Cost the agents reported in US dollars, every session, by agent.");
	while (rc != -1 && (rc = query_step(st, cause)) == 1) {
		metrics_value(a, sizeof a, sqlite3_column_text(st, 0));
		fprintf(out, "agentd_cost_usd_total{agent=\"%s\"} %.6f\n", a,
		    sqlite3_column_double(st, 5));
	}
	query_done(st);
	if (rc == -1 || (st = query_stmt(Q_METRICS_APPROVALS, cause)) == NULL)
		return (-1);
	if ((rc = query_step(st, cause)) == 1) {
		metrics_head(out, "agentd_approvals_waiting", "gauge",
		    "Sessions waiting for an approval.");
		fprintf(out, "agentd_approvals_waiting %lld\n",
		    (long long)sqlite3_column_int64(st, 0));
		metrics_head(out, "agentd_approval_oldest_wait_seconds", "gauge",
		    "How long the oldest waiting approval has waited (0: none).");
		fprintf(out, "agentd_approval_oldest_wait_seconds %.3f\n",
		    sqlite3_column_double(st, 1));
	}
	query_done(st);
	return (rc == -1 ? -1 : 0);
}

/* One number of the daemon's reply as a metric, if it is there. */
static void
metrics_daemon_one(FILE *out, struct json_object *o, const char *key, const char *name,
    const char *type, const char *help)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return;
	metrics_head(out, name, type, help);
	fprintf(out, "%s %lld\n", name, (long long)json_object_get_int64(v));
}

static void
metrics_daemon(struct req *req, FILE *out)
{
	static const struct {
		const char	*key, *name, *type, *help;
	} m[] = {
		{ "viewers", "agentd_viewers", "gauge", "WebSocket viewers connected." },
		{ "inputQueuedBytes", "agentd_input_queued_bytes", "gauge",
		  "Input waiting for terminals that do not read it, all sessions." },
		{ "messagesQueued", "agentd_messages_queued", "gauge",
		  "Messages waiting for a busy agent, all sessions." },
		{ "outputBytes", "agentd_output_bytes_total", "counter",
		  "Terminal output recorded since the daemon started." },
		{ "events", "agentd_events_total", "counter",
		  "Events recorded since the daemon started." },
		{ "holderAdoptions", "agentd_holder_adoptions_total", "counter",
		  "Running agents adopted again from their holders after a restart." },
		{ "holderReconnects", "agentd_holder_reconnects_total", "counter",
		  "Lost holder connections made again." },
		{ "webhookPending", "agentd_webhook_pending", "gauge",
		  "Webhook deliveries in flight or waiting to retry." },
		{ "webhookDelivered", "agentd_webhook_delivered_total", "counter",
		  "Webhook deliveries a receiver took (2xx)." },
		{ "webhookFailed", "agentd_webhook_failed_total", "counter",
		  "Webhook attempts that failed (each retry counts)." },
		{ "webhookDropped", "agentd_webhook_dropped_total", "counter",
		  "Webhook deliveries given up or never queued." },
		{ "residentBytes", "agentd_daemon_resident_bytes", "gauge",
		  "Resident memory of the daemon." },
		{ "openFds", "agentd_daemon_open_fds", "gauge",
		  "Descriptors the daemon holds open." },
	};
	struct json_object	*actor, *body = NULL;
	char			*cause = NULL;
	size_t			 i;
	int			 status = 0, up;

	actor = ctl_actor(req);
	up = agd_ctl_call(api.ctl_path, "daemon.metrics", NULL, actor, METRICS_CTL_MS,
	    &status, &body, &cause) == 0 && status == 200;
	if (cause != NULL) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
	}
	metrics_head(out, "agentd_up", "gauge", "1 if the daemon answered this scrape.");
	fprintf(out, "agentd_up %d\n", up);
	for (i = 0; up && i < sizeof m / sizeof m[0]; i++)
		metrics_daemon_one(out, body, m[i].key, m[i].name, m[i].type, m[i].help);
	json_object_put(body);
	json_object_put(actor);
}

static int
api_metrics_exec(struct req *req)
{
	FILE	*out;
	char	*text = NULL, *cause = NULL;
	size_t	 len = 0;

	if ((out = open_memstream(&text, &len)) == NULL) {
		reply_error(req, AGD_ERR_INTERNAL, "out of memory");
		return (0);
	}
	metrics_daemon(req, out);
	if (metrics_sqlite(out, &cause) == -1) {
		fclose(out);
		free(text);
		query_reply_error(req, cause);
		return (0);
	}
	metrics_render(out);
	fclose(out);
	reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, text, len);
	free(text);
	return (0);
}
