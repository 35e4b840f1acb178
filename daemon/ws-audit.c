/*
 * The audit of the WebSocket (issue #12: every change is in the audit, the
 * WebSocket's too): what a viewer typed, resized, sent as a message, what it was
 * refused, and the upgrades that were refused (401, 403, 429, ...). A keystroke
 * is a frame (and a plain program takes messages as fast as a client sends them),
 * so every kind is coalesced: a viewer's
 * first frame of a kind is a row at once, then at most one row per
 * WS_AUDIT_WINDOW_MS with the count of frames and bytes since the last one, and a
 * last row when the viewer goes. Refused upgrades are coalesced the same way per
 * status, for all clients together (they have no identity yet).
 */
#include <inttypes.h>
#include <stdio.h>

#include "agentd.h"
#include "auth.h"
#include "log.h"
#include "util.h"
#include "ws.h"

/* One audit row per viewer and kind (and per refused-upgrade status) this often. */
#define WS_AUDIT_WINDOW_MS	10000
/* The statuses a refused upgrade is counted under; the rest count as the last. */
static const int	 ws_audit_statuses[] = { 401, 403, 429, 400 };
#define WS_AUDIT_STATUSES	(sizeof ws_audit_statuses / sizeof ws_audit_statuses[0])
static struct ws_tally	 ws_audit_refused[WS_AUDIT_STATUSES];

static const char	*ws_audit_actions[WS_AUDIT_KINDS] = {
	"ws.input", "ws.resize", "ws.message", "ws.refused"
};

/* Write t as one row of action and clear its counts. */
static void
ws_audit_row(struct ws_tally *t, const char *user, const char *role, const char *action,
    const char *session)
{
	char	detail[160];

	snprintf(detail, sizeof detail, "%u frame%s, %" PRIu64 " bytes%s%s", t->frames,
	    t->frames == 1 ? "" : "s", t->bytes, t->why[0] != '\0' ? "; last: " : "",
	    t->why);
	persist_audit(user, role, action, session, NULL, t->status, detail);
	t->frames = 0;
	t->bytes = 0;
}

/* Count one frame in t; 1 if a row is due now (the first, or the window passed). */
static int
ws_audit_count(struct ws_tally *t, int status, size_t bytes, const char *why)
{
	uint64_t	now = agd_now_ms();

	t->frames++;
	t->bytes += bytes;
	t->status = status;
	snprintf(t->why, sizeof t->why, "%s", why != NULL ? why : "");
	if (t->start != 0 && now - t->start < WS_AUDIT_WINDOW_MS)
		return (0);
	t->start = now;
	return (1);
}

static const char *
ws_audit_role(struct ws_client *v)
{
	return (agd_role_name(v->role));
}

void
ws_audit_frame(struct ws_client *v, enum ws_audit_kind kind, int status, size_t bytes,
    const char *why)
{
	struct ws_tally	*t = &v->audit[kind];

	if (ws_audit_count(t, status, bytes, why)) {
		log_request_set(v->request);
		ws_audit_row(t, v->user, ws_audit_role(v), ws_audit_actions[kind], v->name);
		log_request_set(NULL);
	}
}

void
ws_audit_close(struct ws_client *v)
{
	int	k;

	log_request_set(v->request);
	for (k = 0; k < WS_AUDIT_KINDS; k++) {
		if (v->audit[k].frames > 0)
			ws_audit_row(&v->audit[k], v->user, ws_audit_role(v),
			    ws_audit_actions[k], v->name);
	}
	log_request_set(NULL);
}

void
ws_audit_upgrade(struct ws_client *v, int status, const char *msg)
{
	struct ws_tally	*t;
	size_t		 i;

	for (i = 0; i < WS_AUDIT_STATUSES - 1; i++) {
		if (ws_audit_statuses[i] == status)
			break;
	}
	t = &ws_audit_refused[i];
	if (ws_audit_count(t, status, 0, msg))
		ws_audit_row(t, v->user != NULL ? v->user : "-", "none", "ws.upgrade",
		    v->name);
}

void
ws_audit_flush(void)
{
	size_t	i;

	for (i = 0; i < WS_AUDIT_STATUSES; i++) {
		if (ws_audit_refused[i].frames > 0)
			ws_audit_row(&ws_audit_refused[i], "-", "none", "ws.upgrade", NULL);
	}
}
