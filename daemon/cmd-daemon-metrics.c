/*
 * daemon.metrics: what only the daemon knows, for GET /api/agents/metrics
 * (agentd-fcgi adds what SQLite knows and renders Prometheus' text format): its
 * counters since it started, the viewers, the queues of every live session, the
 * webhook deliveries waiting, and its own resident memory and descriptors.
 */
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "agent.h"
#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "ws.h"

/* Resident bytes of this process (/proc/self/statm), 0 if unreadable. */
static uint64_t
cmd_metrics_rss(void)
{
	FILE			*f;
	unsigned long long	 size, rss;
	long			 page = sysconf(_SC_PAGESIZE);

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return (0);
	if (fscanf(f, "%llu %llu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return ((uint64_t)rss * (uint64_t)(page > 0 ? page : 4096));
}

/* Open descriptors of this process, -1 if unreadable. */
static int
cmd_metrics_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n - 1);		/* not the one opendir holds */
}

static void
cmd_metrics_add(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void
cmd_daemon_metrics_exec(struct ctl_client *c, struct json_object *args)
{
	struct json_object	*o;
	struct session		*s;
	uint64_t		 input = 0, messages = 0;

	(void)args;
	TAILQ_FOREACH(s, &sessions, entry) {
		input += session_input_queued(s);
		messages += (uint64_t)agent_queue_length(s);
	}
	o = json_object_new_object();
	cmd_metrics_add(o, "sessions", (uint64_t)session_count());
	cmd_metrics_add(o, "viewers", (uint64_t)ws_client_count());
	cmd_metrics_add(o, "inputQueuedBytes", input);
	cmd_metrics_add(o, "messagesQueued", messages);
	cmd_metrics_add(o, "outputBytes", agentd_stats.output_bytes);
	cmd_metrics_add(o, "events", agentd_stats.events);
	cmd_metrics_add(o, "holderAdoptions", agentd_stats.holder_adoptions);
	cmd_metrics_add(o, "holderReconnects", agentd_stats.holder_reconnects);
	cmd_metrics_add(o, "webhookPending", (uint64_t)webhook_pending_count());
	cmd_metrics_add(o, "webhookDelivered", agentd_stats.webhook_delivered);
	cmd_metrics_add(o, "webhookFailed", agentd_stats.webhook_failed);
	cmd_metrics_add(o, "webhookDropped", agentd_stats.webhook_dropped);
	cmd_metrics_add(o, "residentBytes", cmd_metrics_rss());
	json_object_object_add(o, "openFds", json_object_new_int(cmd_metrics_fds()));
	ctl_reply(c, 200, o);
}

const struct cmd_entry cmd_daemon_metrics_entry = {
	"daemon.metrics", cmd_daemon_metrics_exec, AGD_ROLE_ADMIN, 0, NULL
};
