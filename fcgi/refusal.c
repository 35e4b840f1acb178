/*
 * The audit of what agentd-fcgi refuses itself (a bad Host, a foreign Origin,
 * no token, a role, a bad body: answered before the daemon is asked), which
 * only the daemon can write: each kind (status and code) is sent over ctl.sock
 * as audit.refusal - the first at once, then at most one per REFUSAL_WINDOW_MS
 * with the number refused since - so a flood of refused requests costs a row
 * per kind and window in each worker process, not a row (or a call) a request.
 * A refusal the daemon made (relayed) is in its audit already. A refused GET is
 * counted only when it is about who asks (401, 403, a bad Host): a read is no
 * change.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agd.h"
#include "api.h"
#include "auth.h"
#include "log.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

/* One row per kind per this (ms), with its count: as the WebSocket's (ws-audit.c). */
#define REFUSAL_WINDOW_MS	10000
/* Kinds (status, code) counted at once; a kind beyond them shares the last slot. */
#define REFUSAL_KINDS		32
/* What a row says of the last request: "METHOD /path" (no query), cut. */
#define REFUSAL_WHAT_MAX	200
/* The note is best effort: never hold the worker long for it. */
#define REFUSAL_CTL_MS		2000

struct refusal {
	int		 status;
	int		 code;		/* enum agd_err */
	int		 n;		/* refused since the last row */
	uint64_t	 sent_ms;	/* the last row */
	char		 user[AGD_USER_MAX + 1];	/* of the last one refused */
	char		 addr[64];
	char		 what[REFUSAL_WHAT_MAX + 1];
};

static struct refusal	 refusal_kinds[REFUSAL_KINDS];
static int		 refusal_nkinds;
static pthread_mutex_t	 refusal_lock = PTHREAD_MUTEX_INITIALIZER;

/* Send one row for r (a copy, outside the lock). */
static void
refusal_send(const struct refusal *r)
{
	struct json_object	*args, *actor, *body = NULL;
	char			*cause = NULL;
	int			 status;

	args = json_object_new_object();
	json_object_object_add(args, "status", json_object_new_int(r->status));
	json_object_object_add(args, "code", json_object_new_string(agd_err_word(r->code)));
	json_object_object_add(args, "count", json_object_new_int(r->n));
	json_object_object_add(args, "what", json_object_new_string(r->what));
	actor = json_object_new_object();
	json_object_object_add(actor, "user", json_object_new_string(r->user));
	json_object_object_add(actor, "groups", json_object_new_string(""));
	json_object_object_add(actor, "addr", r->addr[0] != '\0' ?
	    json_object_new_string(r->addr) : NULL);
	if (agd_ctl_call(api.ctl_path, "audit.refusal", args, actor, REFUSAL_CTL_MS, &status,
	    &body, &cause) != 0) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
	}
	json_object_put(body);
	json_object_put(actor);
	json_object_put(args);
}

/* 1 if req's reply is a refusal agentd-fcgi made and the audit must have. */
static int
refusal_audited(struct req *req)
{
	int	read = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	if (req->relayed || req->status < 400 || req->status > 499 || req->code < 0)
		return (0);
	return (!read || req->status == 401 || req->status == 403 ||
	    req->code == AGD_ERR_BAD_HOST);
}

void
refusal_note(struct req *req)
{
	struct refusal	*r = NULL, copy;
	const char	*uri, *addr;
	uint64_t	 now = agd_now_ms();
	size_t		 len;
	int		 i, send = 0;

	if (!refusal_audited(req))
		return;
	if ((uri = request_param(req, "DOCUMENT_URI")) == NULL &&
	    (uri = request_param(req, "REQUEST_URI")) == NULL)
		uri = "";
	addr = request_param(req, "REMOTE_ADDR");
	pthread_mutex_lock(&refusal_lock);
	for (i = 0; i < refusal_nkinds; i++) {
		if (refusal_kinds[i].status == req->status && refusal_kinds[i].code == req->code)
			r = &refusal_kinds[i];
	}
	if (r == NULL) {
		r = &refusal_kinds[refusal_nkinds < REFUSAL_KINDS ? refusal_nkinds++ :
		    REFUSAL_KINDS - 1];
		memset(r, 0, sizeof *r);
		r->status = req->status;
		r->code = req->code;
	}
	r->n++;
	snprintf(r->user, sizeof r->user, "%s", req->user != NULL ? req->user : "");
	snprintf(r->addr, sizeof r->addr, "%s", addr != NULL ? addr : "");
	len = (size_t)snprintf(r->what, sizeof r->what, "%s %.*s", req->method,
	    (int)strcspn(uri, "?"), uri);
	if (len >= sizeof r->what)	/* cut, on a character */
		r->what[agd_utf8_cut((const unsigned char *)r->what, sizeof r->what - 1)] = '\0';
	if (r->sent_ms == 0 || now >= r->sent_ms + REFUSAL_WINDOW_MS) {
		copy = *r;
		r->n = 0;
		r->sent_ms = now;
		send = 1;
	}
	pthread_mutex_unlock(&refusal_lock);
	if (send)
		refusal_send(&copy);
}

void
refusal_flush(int all)
{
	struct refusal	copy;
	uint64_t	now = agd_now_ms();
	int		i, send;

	for (i = 0; i < REFUSAL_KINDS; i++) {
		send = 0;
		pthread_mutex_lock(&refusal_lock);
		if (i < refusal_nkinds && refusal_kinds[i].n > 0 &&
		    (all || now >= refusal_kinds[i].sent_ms + REFUSAL_WINDOW_MS)) {
			copy = refusal_kinds[i];
			refusal_kinds[i].n = 0;
			refusal_kinds[i].sent_ms = now;
			send = 1;
		}
		pthread_mutex_unlock(&refusal_lock);
		if (send)
			refusal_send(&copy);
	}
}
