/* json-c helpers: compact text, bounded parsing, typed getters, error bodies. */
#ifndef AGD_JSON_H
#define AGD_JSON_H

#include <json-c/json.h>

/* Compact JSON text of o, without "\/" escapes. Borrowed: valid until o is put. */
const char	*agd_json_text(struct json_object *o, size_t *len);
/* Parse exactly len bytes as one JSON value. NULL on error, with *cause set. */
struct json_object *agd_json_parse(const char *buf, size_t len, char **cause);
/*
 * Typed member getters: a member absent or null leaves *out (the caller's default);
 * 0 if ok, -1 if present with the wrong type. A string is borrowed from o.
 */
int	agd_json_get_string(struct json_object *o, const char *key, const char **out);
int	agd_json_get_int(struct json_object *o, const char *key, long long *out);
int	agd_json_get_bool(struct json_object *o, const char *key, int *out);
/* {"error": msg, "code": code}. Caller puts. */
struct json_object *agd_json_error(const char *code, const char *msg);

#endif
