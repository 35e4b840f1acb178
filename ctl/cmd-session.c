/*
 * agentctl commands on one session or the list: ls, new, send, approve and
 * deny, complete, debrief and kill.  Each is one REST call (two for a
 * decision with a message); errors are the server's, printed by http.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentctl.h"

/* A message read from stdin (`send NAME -`) may be this big (nginx takes 1 MiB bodies). */
#define SEND_MAX_STDIN	(1024 * 1024)

/* One call on a session, its reply printed as JSON if json (else nothing); the exit status. */
static int
call_print(const char *method, const char *name, const char *suffix, struct json_object *body,
    int json)
{
	struct http_reply	r;
	int			rc;

	rc = http_session(method, name, suffix, body, &r);
	if (rc == CTL_OK && json && r.json != NULL)
		json_print(r.json);
	http_reply_free(&r);
	return (rc);
}

int
cmd_ls(int argc, char **argv)
{
	struct http_reply	 r;
	struct table		 t = { .ncols = 6 };
	struct json_object	*e;
	char			 pid[32];
	size_t			 i, n;
	int			 all = 0, json = 0, rc;
	const struct ctl_flag	 flags[] = {
		{ "all", 'a', &all }, { "json", 'j', &json }, { NULL, 0, NULL }
	};

	if (ctl_flags(argc, argv, flags, 0) != CTL_OK)
		return (CTL_EUSAGE);
	rc = http_request("GET", all ? "/api/agents/sessions?all=1" : "/api/agents/sessions",
	    NULL, &r);
	if (rc != CTL_OK || !json_object_is_type(r.json, json_type_array)) {
		if (rc == CTL_OK)
			ctl_warn("the session list is not a JSON array");
		http_reply_free(&r);
		return (rc == CTL_OK ? CTL_EAPI : rc);
	}
	if (json) {
		json_print(r.json);
		http_reply_free(&r);
		return (CTL_OK);
	}
	table_add(&t, "NAME", "TYPE", "STATUS", "PID", "CREATED", "DIRECTORY");
	n = json_object_array_length(r.json);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(r.json, i);
		snprintf(pid, sizeof pid, "%lld", (long long)json_int(e, "pid", 0));
		table_add(&t, json_str(e, "name"), json_str(e, "agentType"),
		    json_str(e, "state"), json_int(e, "pid", 0) > 0 ? pid : NULL,
		    json_str(e, "created"), json_str(e, "workingDirectory"));
	}
	table_print(&t, 0);
	http_reply_free(&r);
	return (CTL_OK);
}

int
cmd_new(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "dir", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "transport", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct json_object	*body;
	struct http_reply	 r;
	const char		*type = NULL, *dir = NULL, *mode = NULL, *prompt = NULL;
	const char		*transport = NULL;
	char			 cwd[PATH_MAX];
	int			 c, json = 0, rc;

	while ((c = ctl_getopt(argc, argv, "t:d:m:p:T:j", longopts)) != -1) {
		switch (c) {
		case 't': type = optarg; break;
		case 'd': dir = optarg; break;
		case 'm': mode = optarg; break;
		case 'p': prompt = optarg; break;
		case 'T': transport = optarg; break;
		case 'j': json = 1; break;
		default: return (ctl_usage());
		}
	}
	if (argc - optind != 1 || type == NULL)
		return (ctl_usage());
	if (dir == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL) {
			ctl_warn("getcwd failed: give -d DIR");
			return (CTL_EUSAGE);
		}
		dir = cwd;
	}
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(argv[optind]));
	json_object_object_add(body, "agentType", json_object_new_string(type));
	json_object_object_add(body, "workingDirectory", json_object_new_string(dir));
	if (mode != NULL)
		json_object_object_add(body, "permissionMode", json_object_new_string(mode));
	if (prompt != NULL)
		json_object_object_add(body, "prompt", json_object_new_string(prompt));
	if (transport != NULL)
		json_object_object_add(body, "transport", json_object_new_string(transport));
	rc = http_request("POST", "/api/agents/sessions", body, &r);
	json_object_put(body);
	if (rc == CTL_OK && json)
		json_print(r.json);
	else if (rc == CTL_OK)
		printf("%s pid %lld %s\n", json_str(r.json, "name") != NULL ?
		    json_str(r.json, "name") : argv[optind],
		    (long long)json_int(r.json, "pid", 0),
		    json_str(r.json, "state") != NULL ? json_str(r.json, "state") : "");
	http_reply_free(&r);
	return (rc);
}

int
cmd_send(int argc, char **argv)
{
	struct json_object	*body;
	struct buf		 in = { 0 };
	const char		*text;
	int			 rc;

	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };

	if (ctl_getopt(argc, argv, "", longopts) != -1 || argc - optind < 1 || argc - optind > 2)
		return (ctl_usage());
	if (argc - optind == 2 && strcmp(argv[optind + 1], "-") != 0)
		text = argv[optind + 1];
	else {
		if (read_all(STDIN_FILENO, &in, SEND_MAX_STDIN) == -1) {
			ctl_warn("reading the message from stdin failed (at most %d bytes)",
			    SEND_MAX_STDIN);
			buf_free(&in);
			return (CTL_EUSAGE);
		}
		/* A trailing newline is the end of the input, not of the message. */
		if (in.len > 0 && in.data[in.len - 1] == '\n')
			in.data[--in.len] = '\0';
		text = in.data;
	}
	body = json_object_new_object();
	json_object_object_add(body, "message", json_object_new_string(text));
	rc = call_print("POST", argv[optind], "/message", body, 0);
	json_object_put(body);
	buf_free(&in);
	return (rc);
}

int
cmd_approve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct json_object	*body;
	const char		*msg = NULL;
	int			 c, rc;

	while ((c = ctl_getopt(argc, argv, "m:", longopts)) != -1) {
		if (c != 'm')
			return (ctl_usage());
		msg = optarg;
	}
	if (argc - optind != 1)
		return (ctl_usage());
	body = json_object_new_object();
	json_object_object_add(body, "decision", json_object_new_string(
	    strcmp(argv[0], "approve") == 0 ? "allow" : "deny"));
	rc = call_print("POST", argv[optind], "/approval", body, 0);
	json_object_put(body);
	/* The message goes to the agent once it has the answer. */
	if (rc == CTL_OK && msg != NULL) {
		body = json_object_new_object();
		json_object_object_add(body, "message", json_object_new_string(msg));
		rc = call_print("POST", argv[optind], "/message", body, 0);
		json_object_put(body);
	}
	return (rc);
}

int
cmd_complete(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "comment", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct json_object	*body;
	const char		*status = NULL, *comment = NULL;
	int			 c, json = 0, rc;

	while ((c = ctl_getopt(argc, argv, "s:c:j", longopts)) != -1) {
		switch (c) {
		case 's': status = optarg; break;
		case 'c': comment = optarg; break;
		case 'j': json = 1; break;
		default: return (ctl_usage());
		}
	}
	if (argc - optind != 1 || status == NULL)
		return (ctl_usage());
	body = json_object_new_object();
	json_object_object_add(body, "status", json_object_new_string(status));
	if (comment != NULL)
		json_object_object_add(body, "comment", json_object_new_string(comment));
	rc = call_print("POST", argv[optind], "/complete", body, json);
	json_object_put(body);
	return (rc);
}

int
cmd_debrief(int argc, char **argv)
{
	struct http_reply	 r;
	const char		*report;
	int			 json = 0, last = 0, rc;
	const struct ctl_flag	 flags[] = {
		{ "last", 'l', &last }, { "json", 'j', &json }, { NULL, 0, NULL }
	};

	if (ctl_flags(argc, argv, flags, 1) != CTL_OK)
		return (CTL_EUSAGE);
	rc = http_session(last ? "GET" : "POST", argv[optind], "/pre-kill-debrief", NULL, &r);
	if (rc == CTL_OK) {
		report = json_str(r.json, "report");
		if (json || report == NULL)
			json_print(r.json);
		else
			printf("%s%s", report, *report != '\0' &&
			    report[strlen(report) - 1] == '\n' ? "" : "\n");
	}
	http_reply_free(&r);
	return (rc);
}

int
cmd_kill(int argc, char **argv)
{
	int			 keep = 0, json = 0, rc;
	const struct ctl_flag	 flags[] = {
		{ "keep-workers", 'k', &keep }, { "json", 'j', &json }, { NULL, 0, NULL }
	};

	if (ctl_flags(argc, argv, flags, 1) != CTL_OK)
		return (CTL_EUSAGE);
	rc = call_print("DELETE", argv[optind], keep ? "?keepWorkers=1" : "", NULL, json);
	return (rc);
}
