/*
 * agentctl diff NAME [--json]: the changes in a session's git working tree
 * (GET /api/agents/sessions/NAME/diff), printed as a unified diff in git's
 * form, or the reply itself with --json.  A truncated reply is said on stderr
 * (the server sends at most so many files and lines).
 */
#include <stdio.h>
#include <string.h>

#include "agentctl.h"

static void	diff_print_file(struct json_object *);
static void	diff_print_hunk(struct json_object *);

/* The array at key of o, or NULL. */
static struct json_object *
diff_array(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return (NULL);
	return (v);
}

static void
diff_print_hunk(struct json_object *h)
{
	struct json_object	*lines = diff_array(h, "lines"), *l;
	const char		*header = json_str(h, "header"), *origin, *content;
	size_t			 i, n = lines != NULL ? json_object_array_length(lines) : 0;

	printf("%s\n", header != NULL ? header : "@@");
	for (i = 0; i < n; i++) {
		l = json_object_array_get_idx(lines, i);
		origin = json_str(l, "origin");
		content = json_str(l, "content");
		printf("%s%s\n", origin != NULL ? origin : " ", content != NULL ? content : "");
	}
}

static void
diff_print_file(struct json_object *f)
{
	struct json_object	*hunks = diff_array(f, "hunks"), *b;
	const char		*path = json_str(f, "path"), *old = json_str(f, "oldPath");
	const char		*status = json_str(f, "status");
	size_t			 i, n = hunks != NULL ? json_object_array_length(hunks) : 0;
	int			 binary = 0;

	if (path == NULL)
		return;
	if (old == NULL)
		old = path;
	if (status == NULL)
		status = "modified";
	if (json_object_object_get_ex(f, "binary", &b))
		binary = json_object_get_boolean(b);
	printf("diff --git a/%s b/%s\n", old, path);
	if (strcmp(status, "added") == 0)
		printf("new file\n");
	else if (strcmp(status, "deleted") == 0)
		printf("deleted file\n");
	else if (strcmp(status, "renamed") == 0)
		printf("rename from %s\nrename to %s\n", old, path);
	else if (strcmp(status, "typechange") == 0)
		printf("type change\n");
	if (binary) {
		printf("Binary files differ\n");
		return;
	}
	if (n == 0)
		return;
	printf("--- %s%s\n", strcmp(status, "added") == 0 ? "/dev/null" : "a/",
	    strcmp(status, "added") == 0 ? "" : old);
	printf("+++ %s%s\n", strcmp(status, "deleted") == 0 ? "/dev/null" : "b/",
	    strcmp(status, "deleted") == 0 ? "" : path);
	for (i = 0; i < n; i++)
		diff_print_hunk(json_object_array_get_idx(hunks, i));
}

int
cmd_diff(int argc, char **argv)
{
	struct http_reply	 r;
	struct json_object	*files, *v, *stats = NULL;
	size_t			 i, n;
	int			 json = 0, rc;
	const struct ctl_flag	 flags[] = { { "json", 'j', &json }, { NULL, 0, NULL } };

	if (ctl_flags(argc, argv, flags, 1) != CTL_OK)
		return (CTL_EUSAGE);
	rc = http_session("GET", argv[optind], "/diff", NULL, &r);
	if (rc == CTL_OK) {
		if (json || (files = diff_array(r.json, "files")) == NULL) {
			if (r.json != NULL)
				json_print(r.json);
			else
				fwrite(r.body.data, 1, r.body.len, stdout);
		} else {
			n = json_object_array_length(files);
			for (i = 0; i < n; i++)
				diff_print_file(json_object_array_get_idx(files, i));
			json_object_object_get_ex(r.json, "stats", &stats);
			if (json_object_object_get_ex(r.json, "truncated", &v) &&
			    json_object_get_boolean(v))
				ctl_warn("the diff is truncated: %zu of %lld files shown",
				    n, (long long)json_int(stats, "files", (int64_t)n));
		}
	}
	http_reply_free(&r);
	return (rc);
}
