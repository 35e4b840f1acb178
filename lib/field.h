/*
 * Validation declared once: a request's fields as a table of specs, checked by
 * one function, for agentd-fcgi's endpoints (fcgi/route.c) and the daemon's
 * control commands (daemon/cmd.c) alike.
 *
 * A spec names a field (and an older alias read when the field is absent), its
 * type, whether it is required, its bounds, an optional validator, and the error
 * (code and message) a client gets when it is refused. agd_fields_check() walks
 * the specs in order and stops at the first refusal, so the order of the table is
 * the order of the checks. What passes is copied under its canonical name into a
 * new object: the handler gets the fields checked, with aliases already mapped,
 * and adds only what it derives.
 *
 *	static const struct agd_field resize_fields[] = {
 *		{ .name = "cols", .type = AGD_FIELD_INT, .flags = AGD_FIELD_REQUIRED |
 *		  AGD_FIELD_ONEERROR, .min = 1, .max = 1000,
 *		  .code = AGD_ERR_INVALID_FIELD, .msg = "cols: must be 1 to %lld" },
 *		{ .name = NULL }
 *	};
 *
 * The checks, for each spec:
 *  1. absent (or JSON null) and AGD_FIELD_REQUIRED: refused (missing_code,
 *     missing_msg), or (code, msg) if missing_msg is NULL; absent and not
 *     required: skipped;
 *  2. of the wrong type (a string holding a NUL byte is a wrong type): refused
 *     with AGD_ERR_INVALID_FIELD "NAME: must be a string" (or "... an integer",
 *     "... a boolean", "... an object", "... a number"), or with (code, msg) if
 *     AGD_FIELD_ONEERROR; skipped (not copied) if AGD_FIELD_WRONGABSENT;
 *  3. a string "": refused (code, msg) if AGD_FIELD_NONEMPTY, or skipped as if
 *     absent if AGD_FIELD_EMPTYABSENT (then step 1 applies to it);
 *  4. valid(value) says no, or an integer is out of [min, max]: refused (code, msg);
 *  5. a string longer than max bytes (max 0: no limit): refused (long_code,
 *     long_msg), or (code, msg) if long_msg is NULL.
 * A message may hold one "%lld", replaced by max.
 */
#ifndef AGD_FIELD_H
#define AGD_FIELD_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"

enum agd_field_type {
	AGD_FIELD_STRING,
	AGD_FIELD_INT,
	AGD_FIELD_BOOL,
	AGD_FIELD_OBJECT,	/* copied as a reference to the same object */
	AGD_FIELD_NUMBER,	/* an integer or not, in [min, max]; copied as a double */
};

#define AGD_FIELD_REQUIRED	0x1	/* absent is refused */
#define AGD_FIELD_NONEMPTY	0x2	/* "" is refused */
#define AGD_FIELD_EMPTYABSENT	0x4	/* "" counts as absent, and is not copied */
#define AGD_FIELD_ONEERROR	0x8	/* a wrong type gets (code, msg) too */
#define AGD_FIELD_WRONGABSENT	0x10	/* a wrong type is skipped, not refused */

/*
 * A session's caps, in session.create and session.limits alike (fcgi and the
 * daemon; 0 removes one). The bounds are lib/agd.h's.
 */
#define AGD_FIELDS_LIMITS \
	{ .name = "maxCostUsd", .type = AGD_FIELD_NUMBER, .max = AGD_COST_CAP_MAX, \
	  .code = AGD_ERR_INVALID_FIELD, .msg = "maxCostUsd: a number, 0 to %lld" }, \
	{ .name = "maxTokens", .type = AGD_FIELD_INT, .max = AGD_TOKEN_CAP_MAX, \
	  .code = AGD_ERR_INVALID_FIELD, .msg = "maxTokens: an integer, 0 to %lld" }

/*
 * The id of the approval a decision answers (pendingApproval.id), in
 * session.approval of fcgi and the daemon alike: a stale one is 409.
 */
#define AGD_FIELD_APPROVAL_ID \
	{ .name = "id", .max = AGD_APPROVAL_ID_MAX, .code = AGD_ERR_INVALID_FIELD, \
	  .msg = "id: the pendingApproval's id, a string of at most %lld bytes" }

/* A refusal's message: a field name and a short sentence (the longest is ~60). */
#define AGD_FIELD_MSG_MAX	256

/* One field. Tables end with a spec whose name is NULL. All strings are static. */
struct agd_field {
	const char		*name;		/* canonical key, as copied out */
	const char		*alias;		/* older key read if name is absent, or NULL */
	enum agd_field_type	 type;
	int			 flags;		/* AGD_FIELD_* */
	long long		 min;		/* INT: least value */
	long long		 max;		/* INT: greatest; STRING: most bytes, 0 any */
	int			(*valid)(const char *s); /* STRING: 1 if good */
	enum agd_err		 code;		/* refused */
	const char		*msg;
	enum agd_err		 long_code;	/* STRING longer than max */
	const char		*long_msg;	/* NULL: (code, msg) */
	enum agd_err		 missing_code;	/* REQUIRED and absent */
	const char		*missing_msg;	/* NULL: (code, msg) */
};

/* Why a request was refused: the first field that failed. */
struct agd_field_error {
	enum agd_err		 code;
	const char		*field;		/* its spec's name (static) */
	char			 msg[AGD_FIELD_MSG_MAX];
};

/*
 * Check the object in (borrowed; NULL is an empty object) against the specs, in
 * order. Returns a new object (the caller puts it) with every field that is present
 * under its canonical name; or NULL with *err filled in at the first refusal.
 * Members of in that no spec names are not copied.
 */
struct json_object	*agd_fields_check(const struct agd_field *specs,
			    struct json_object *in, struct agd_field_error *err);

/*
 * The string field name of a checked object (as agd_fields_check returns), or NULL
 * if absent. Borrowed from o; *len (if not NULL) is its length.
 */
const char		*agd_field_string(struct json_object *o, const char *name,
			    size_t *len);

#endif
