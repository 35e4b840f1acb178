/* json-c helpers: plain output (C-STACK.md 3), bounded parse, typed getters. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmalloc.h"

const char *
agd_json_text(struct json_object *o, size_t *len)
{
	size_t	n = 0;
	const char *s;

	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (len != NULL)
		*len = n;
	return (s);
}

struct json_object *
agd_json_parse(const char *buf, size_t len, char **cause)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	enum json_tokener_error	 err;
	size_t			 off;

	if (len > INT32_MAX) {
		xasprintf(cause, "document too large");
		return (NULL);
	}
	tok = json_tokener_new_ex(64);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	err = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue) {
		xasprintf(cause, "unexpected end of JSON");
		json_object_put(o);
		o = NULL;
	} else if (err != json_tokener_success) {
		xasprintf(cause, "%s at offset %zu", json_tokener_error_desc(err), off);
		o = NULL;
	} else if (o == NULL) {
		/* The document "null" parses to NULL: no caller wants it. */
		xasprintf(cause, "null is not accepted here");
	} else {
		/* Only whitespace may follow the value. */
		for (; off < len; off++) {
			if (strchr(" \t\r\n", buf[off]) == NULL) {
				xasprintf(cause, "trailing data at offset %zu", off);
				json_object_put(o);
				o = NULL;
				break;
			}
		}
		if (o != NULL && memchr(buf, '\0', len) != NULL) {
			xasprintf(cause, "NUL byte in JSON");
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	return (o);
}

int
agd_json_get_string(struct json_object *o, const char *key, const char **out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_string))
		return (-1);
	*out = json_object_get_string(v);
	return (0);
}

int
agd_json_get_int(struct json_object *o, const char *key, long long *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_int))
		return (-1);
	*out = json_object_get_int64(v);
	return (0);
}

int
agd_json_get_bool(struct json_object *o, const char *key, int *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return (0);
	if (!json_object_is_type(v, json_type_boolean))
		return (-1);
	*out = json_object_get_boolean(v);
	return (0);
}

struct json_object *
agd_json_error(const char *code, const char *msg)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "code", json_object_new_string(code));
	return (o);
}
