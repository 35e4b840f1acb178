/*
 * audit.refusal {status, code, count, what}: agentd-fcgi refused requests itself
 * (a bad Host, a foreign Origin, no token, a role, a bad body), count of them of
 * one kind since its last note (fcgi/refusal.c coalesces them); only the daemon
 * writes SQLite, so the audit row is made here, action "rest.refused", with the
 * actor of the last one. agentd-fcgi's own report: bounded, not trusted further.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "json.h"

/* The code word and the "METHOD /path" of the last one, as the row keeps them. */
#define CMD_REFUSAL_CODE_MAX	64
#define CMD_REFUSAL_WHAT_MAX	256

static const struct agd_field cmd_audit_refusal_fields[] = {
	{ .name = "status", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED,
	  .min = 400, .max = 499, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "status: a 4xx status" },
	{ .name = "code", .flags = AGD_FIELD_REQUIRED, .max = CMD_REFUSAL_CODE_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "code: an error word of at most %lld bytes" },
	{ .name = "count", .type = AGD_FIELD_INT, .min = 1, .max = INT_MAX,
	  .code = AGD_ERR_INVALID_FIELD, .msg = "count: 1 or more" },
	{ .name = "what", .max = CMD_REFUSAL_WHAT_MAX, .code = AGD_ERR_INVALID_FIELD,
	  .msg = "what: at most %lld bytes" },
	{ .name = NULL }
};

static void
cmd_audit_refusal_exec(struct ctl_client *c, struct json_object *args)
{
	const char	*code = agd_field_string(args, "code", NULL);
	const char	*what = agd_field_string(args, "what", NULL);
	long long	 status = 400, count = 1;
	char		 detail[CMD_REFUSAL_CODE_MAX + CMD_REFUSAL_WHAT_MAX + 64];

	agd_json_get_int(args, "status", &status);
	agd_json_get_int(args, "count", &count);
	snprintf(detail, sizeof detail, "%s: %lld request%s refused by agentd-fcgi"
	    " (the last: %s)",
	    code, count, count == 1 ? "" : "s", what != NULL ? what : "?");
	persist_audit(c->user, agd_role_name(c->role), "rest.refused", NULL, c->addr,
	    (int)status, detail);
	ctl_reply(c, 200, json_object_new_object());
}

const struct cmd_entry cmd_audit_refusal_entry = {
	"audit.refusal", cmd_audit_refusal_exec, AGD_ROLE_NONE, 0, cmd_audit_refusal_fields
};
