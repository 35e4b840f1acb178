/*
 * Request latency by endpoint, shared by every worker process and thread of
 * agentd-fcgi: one anonymous shared mapping made by the master before it forks
 * the workers (so a respawned worker sees the same counters), counted with
 * C11 atomics, read by GET /api/agents/metrics in whichever worker answers.
 * The counters start at zero when agentd-fcgi starts, as Prometheus expects of a
 * process' counters (a restart is a reset it handles).
 */
#include <sys/mman.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "log.h"

/* The upper bounds of the latency buckets, in microseconds (+Inf is the count). */
static const uint64_t metrics_bounds_us[METRICS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 10000000
};

/* One endpoint's counters (index: its place in the route table; the last: none). */
struct metrics_route {
	_Atomic uint64_t	bucket[METRICS_BUCKETS];	/* not cumulative here */
	_Atomic uint64_t	count;
	_Atomic uint64_t	sum_us;
	_Atomic uint64_t	status[6];			/* [1]: 1xx ... [5]: 5xx */
};

static struct metrics_route	*metrics_routes;	/* METRICS_ROUTES_MAX + 1 */

void
metrics_init(void)
{
	void	*p;

	p = mmap(NULL, sizeof *metrics_routes * (METRICS_ROUTES_MAX + 1),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("%s: mmap: request latencies are not counted", __func__);
		return;
	}
	metrics_routes = p;	/* zero-filled */
}

void
metrics_observe(int route, int status, uint64_t us)
{
	struct metrics_route	*m;
	int			 i;

	if (metrics_routes == NULL)
		return;
	if (route < 0 || route >= METRICS_ROUTES_MAX)
		route = METRICS_ROUTES_MAX;
	m = &metrics_routes[route];
	for (i = 0; i < METRICS_BUCKETS && us > metrics_bounds_us[i]; i++)
		;
	if (i < METRICS_BUCKETS)
		atomic_fetch_add_explicit(&m->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, us, memory_order_relaxed);
	if (status >= 100 && status <= 599)
		atomic_fetch_add_explicit(&m->status[status / 100], 1,
		    memory_order_relaxed);
}

/* The label of route i: "GET /api/agents/sessions/:name", or "none". */
static void
metrics_label(int i, char *buf, size_t len)
{
	const struct api_entry *const *t = route_table();

	if (i < METRICS_ROUTES_MAX && t[i] != NULL)
		snprintf(buf, len, "%s %s", t[i]->method, t[i]->path);
	else
		snprintf(buf, len, "none");
}

void
metrics_render(FILE *out)
{
	const struct api_entry *const *t = route_table();
	struct metrics_route	*m;
	char			 label[METRICS_LABEL_MAX];
	uint64_t		 cum, n;
	int			 i, b, nroutes;

	if (metrics_routes == NULL)
		return;
	for (nroutes = 0; t[nroutes] != NULL && nroutes < METRICS_ROUTES_MAX; nroutes++)
		;
	fprintf(out, "# HELP agentd_http_request_duration_seconds Time from the"
	    " request reaching agentd-fcgi to its reply, by endpoint.\n"
	    "# TYPE agentd_http_request_duration_seconds histogram\n");
	for (i = 0; i <= METRICS_ROUTES_MAX; i++) {
		if (i >= nroutes && i != METRICS_ROUTES_MAX)
			continue;
		m = &metrics_routes[i];
		if ((n = atomic_load(&m->count)) == 0)
			continue;
		metrics_label(i, label, sizeof label);
		for (b = 0, cum = 0; b < METRICS_BUCKETS; b++) {
			cum += atomic_load(&m->bucket[b]);
			fprintf(out, "agentd_http_request_duration_seconds_bucket"
			    "{endpoint=\"%s\",le=\"%g\"} %llu\n", label,
			    (double)metrics_bounds_us[b] / 1e6, (unsigned long long)cum);
		}
		fprintf(out, "agentd_http_request_duration_seconds_bucket"
		    "{endpoint=\"%s\",le=\"+Inf\"} %llu\n", label, (unsigned long long)n);
		fprintf(out, "agentd_http_request_duration_seconds_sum{endpoint=\"%s\"}"
		    " %.6f\n", label, (double)atomic_load(&m->sum_us) / 1e6);
		fprintf(out, "agentd_http_request_duration_seconds_count"
		    "{endpoint=\"%s\"} %llu\n", label, (unsigned long long)n);
	}
	fprintf(out, "# HELP agentd_http_responses_total Replies by endpoint and"
	    " status class.\n# TYPE agentd_http_responses_total counter\n");
	for (i = 0; i <= METRICS_ROUTES_MAX; i++) {
		if (i >= nroutes && i != METRICS_ROUTES_MAX)
			continue;
		m = &metrics_routes[i];
		if (atomic_load(&m->count) == 0)
			continue;
		metrics_label(i, label, sizeof label);
		for (b = 1; b <= 5; b++) {
			if ((n = atomic_load(&m->status[b])) != 0)
				fprintf(out, "agentd_http_responses_total"
				    "{endpoint=\"%s\",code=\"%dxx\"} %llu\n", label, b,
				    (unsigned long long)n);
		}
	}
}
