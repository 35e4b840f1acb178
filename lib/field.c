/* The field-spec checker (field.h): one walk over a table of specs. */
#include <stdio.h>
#include <string.h>

#include "field.h"

/* Refuse with (code, fmt), fmt holding at most one %lld (the spec's max). */
static struct json_object *
field_refuse(struct agd_field_error *err, const struct agd_field *f, enum agd_err code,
    const char *fmt)
{
	err->code = code;
	err->field = f->name;
	if (strstr(fmt, "%lld") != NULL)
		snprintf(err->msg, sizeof err->msg, fmt, f->max);
	else
		snprintf(err->msg, sizeof err->msg, "%s", fmt);
	return (NULL);
}

/* The member of in for f: its name, else its alias; NULL if absent or null. */
static struct json_object *
field_get(struct json_object *in, const struct agd_field *f)
{
	struct json_object	*v = NULL;

	if (in == NULL)
		return (NULL);
	if (json_object_object_get_ex(in, f->name, &v) && v != NULL)
		return (v);
	if (f->alias != NULL && json_object_object_get_ex(in, f->alias, &v) && v != NULL)
		return (v);
	return (NULL);
}

/* Check one field; 0 with *out (NULL: absent) or -1 with err set. */
static int
field_check(const struct agd_field *f, struct json_object *v, struct json_object **out,
    struct agd_field_error *err)
{
	static const char	*types[] = { "a string", "an integer", "a boolean",
				     "an object", "a number" };
	static const json_type	 jtypes[] = { json_type_string, json_type_int,
				     json_type_boolean, json_type_object, json_type_double };
	const char		*s;
	size_t			 len;
	long long		 n;
	double			 d;
	char			 fmt[AGD_FIELD_MSG_MAX];

	*out = NULL;
	if (v != NULL && f->type == AGD_FIELD_STRING &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) == 0 && (f->flags & AGD_FIELD_EMPTYABSENT))
		v = NULL;
	if (v == NULL) {
		if (!(f->flags & AGD_FIELD_REQUIRED))
			return (0);
		if (f->missing_msg == NULL)
			goto refused;
		field_refuse(err, f, f->missing_code, f->missing_msg);
		return (-1);
	}
	if (!json_object_is_type(v, jtypes[f->type]) && !(f->type == AGD_FIELD_NUMBER &&
	    json_object_is_type(v, json_type_int)))
		goto type;
	switch (f->type) {
	case AGD_FIELD_STRING:
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(s, '\0', len) != NULL)
			goto type;
		if (len == 0 && (f->flags & AGD_FIELD_NONEMPTY))
			goto refused;
		if (f->valid != NULL && !f->valid(s))
			goto refused;
		if (f->max > 0 && len > (size_t)f->max) {
			if (f->long_msg == NULL)
				goto refused;
			field_refuse(err, f, f->long_code, f->long_msg);
			return (-1);
		}
		*out = json_object_new_string_len(s, (int)len);
		return (0);
	case AGD_FIELD_INT:
		n = json_object_get_int64(v);
		if (n < f->min || n > f->max)
			goto refused;
		*out = json_object_new_int64(n);
		return (0);
	case AGD_FIELD_BOOL:
		*out = json_object_new_boolean(json_object_get_boolean(v));
		return (0);
	case AGD_FIELD_OBJECT:
		*out = json_object_get(v);
		return (0);
	case AGD_FIELD_NUMBER:
		d = json_object_get_double(v);
		if (!(d >= (double)f->min && d <= (double)f->max))	/* NaN too */
			goto refused;
		*out = json_object_new_double(d);
		return (0);
	}
	return (0);
type:
	if (f->flags & AGD_FIELD_WRONGABSENT)
		return (0);
	if (f->flags & AGD_FIELD_ONEERROR)
		goto refused;
	snprintf(fmt, sizeof fmt, "%s: must be %s", f->name, types[f->type]);
	field_refuse(err, f, AGD_ERR_INVALID_FIELD, fmt);
	return (-1);
refused:
	field_refuse(err, f, f->code, f->msg);
	return (-1);
}

struct json_object *
agd_fields_check(const struct agd_field *specs, struct json_object *in,
    struct agd_field_error *err)
{
	struct json_object	*o, *v;
	const struct agd_field	*f;

	o = json_object_new_object();
	for (f = specs; f->name != NULL; f++) {
		if (field_check(f, field_get(in, f), &v, err) == -1) {
			json_object_put(o);
			return (NULL);
		}
		if (v != NULL)
			json_object_object_add(o, f->name, v);
	}
	return (o);
}

const char *
agd_field_string(struct json_object *o, const char *name, size_t *len)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return (NULL);
	if (len != NULL)
		*len = (size_t)json_object_get_string_len(v);
	return (json_object_get_string(v));
}
