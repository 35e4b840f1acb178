/*
 * The stream transport of the OpenClaw adapter: one embedded agent turn per
 * message, `openclaw agent --local --session-id ID --message-file F --json`, run
 * by a small bash driver (OPENCLAW_DRIVER) that is the session's process on the
 * pipes. The driver says it is ready, then for each line agentd writes (a JSON
 * string: the message in hex, or "reset ID") runs one turn and prints its JSON
 * envelope on one line, then {"type":"done","rc":N}. The turn's messages, tool
 * calls, results and usage are read from the session's store (SQLite) when it
 * ends. Not `openclaw acp` on a Gateway: the Gateway gives a worker thread 5 s to
 * start and fails when it is late, which it was here under load (measured:
 * doc/AGENTS-STRUCTURED.md). So there are no approvals (its exec policy is the
 * user's config, full access by default) and no events while a turn runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-kind.h"
#include "agent-openclaw.h"
#include "agentd.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The driver: $1 the openclaw program, $2 the session id. Each input line is a
 * JSON string; its hex digits are decoded into the message file. A turn's
 * stderr goes to a log in the state directory; its last lines are shown when it
 * fails.
 */
#define OPENCLAW_DRIVER \
	"oc=$1 sid=$2 st=$OPENCLAW_STATE_DIR\n" \
	"echo '{\"type\":\"ready\"}'\n" \
	"while IFS= read -r line; do\n" \
	"  line=${line#\\\"} line=${line%\\\"}\n" \
	"  case $line in\n" \
	"  reset\\ *) sid=${line#reset }\n" \
	"    echo '{\"type\":\"reset\"}'; continue ;;\n" \
	"  esac\n" \
	"  printf '%b' \"$(printf %s \"$line\" | sed 's/../\\\\x&/g')\" >\"$st/message.txt\"\n" \
	"  out=$(\"$oc\" agent --local --session-id \"$sid\" --message-file \"$st/message.txt\" " \
	    "--json 2>>\"$st/agent.log\")\n" \
	"  rc=$?\n" \
	"  [ -n \"$out\" ] && printf '%s' \"$out\" | tr -d '\\n' && echo\n" \
	"  [ $rc -eq 0 ] || tail -n 5 \"$st/agent.log\" >&2\n" \
	"  echo \"{\\\"type\\\":\\\"done\\\",\\\"rc\\\":$rc}\"\n" \
	"done\n"

void
openclaw_stream_prepare(struct session *s, struct agent *a, char ***argvp)
{
	char	**argv = *argvp, **nargv, *conf;
	size_t	  k = 0, i;

	openclaw_state(s, a);
	conf = openclaw_user_conf();
	free(a->uuid);
	a->uuid = agent_uuid();
	nargv = xcalloc(11, sizeof *nargv);
	nargv[k++] = xstrdup("env");
	xasprintf(&nargv[k++], "OPENCLAW_STATE_DIR=%s/openclaw", s->dir);
	xasprintf(&nargv[k++], "OPENCLAW_CONFIG_PATH=%s", conf);
	xasprintf(&nargv[k++], "OPENCLAW_WORKSPACE_DIR=%s", s->cwd);
	nargv[k++] = xstrdup("bash");
	nargv[k++] = xstrdup("-c");
	nargv[k++] = xstrdup(OPENCLAW_DRIVER);
	nargv[k++] = xstrdup("openclaw-stream");
	/* The configured program (a wrapper keeps working); its TUI arguments are not. */
	nargv[k++] = argv[0];
	nargv[k++] = xstrdup(a->uuid);
	nargv[k] = NULL;
	for (i = 1; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	free(conf);
	*argvp = nargv;
}

void
openclaw_stream_start(struct session *s, struct agent *a)
{
	/* Re-adopted (never prepared here): the driver said it was ready long ago. */
	if (a->priv == NULL) {
		openclaw_state(s, a);
		agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
	}
}

/* The turn's records: messages (not the user's: shown as sent), tools, usage. */
static void
openclaw_turn_records(struct session *s, struct agent *a)
{
	struct openclaw	*o = openclaw_state(s, a);

	if (a->records == NULL && access(o->store, R_OK) == 0)
		a->records = xstrdup(o->store);
	if (a->records != NULL)
		openclaw_store_read(s, a, OPENCLAW_READ_NO_USER);
}

void
openclaw_stream_line(struct session *s, struct agent *a, struct json_object *rec)
{
	struct json_object	*f;
	const char		*type = agent_str(rec, "type");
	int64_t			 rc;
	char			*text;

	if (type != NULL && strcmp(type, "ready") == 0) {
		if (a->status == AGENT_STARTING) {
			agent_event(s, "agent_started", NULL, rec, "stream");
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
		}
	} else if (type != NULL && strcmp(type, "reset") == 0)
		agent_event(s, "conversation_reset", NULL, rec, "stream");
	else if (type != NULL && strcmp(type, "done") == 0) {
		openclaw_turn_records(s, a);
		if (s->agent == NULL)
			return;
		if ((rc = agent_int(rec, "rc")) != 0) {
			xasprintf(&text, "openclaw agent exited %lld", (long long)rc);
			agent_text_event(s, "error", text, rec, "stream");
			free(text);
		}
		f = json_object_new_object();
		json_object_object_add(f, "rc", json_object_new_int64(rc));
		agent_event(s, "turn_end", f, rec, "stream");
		if (s->agent != NULL)
			agent_set(s, AGENT_IDLE, "stream", "idle", NULL);
	} else if (agent_obj(rec, "payloads") != NULL || agent_obj(rec, "meta") != NULL) {
		/* Its envelope: the turn is over; the store has what happened. */
		a->turn_seen = 1;
		openclaw_turn_records(s, a);
	}
}

/* Write text (borrowed) as the driver reads it: a JSON string of hex digits. */
static int
openclaw_stream_hex(struct session *s, const char *text)
{
	static const char	 digits[] = "0123456789abcdef";
	struct json_object	*v;
	const unsigned char	*p;
	char			*hex;
	size_t			 n = 0;
	int			 rc;

	hex = xmalloc(strlen(text) * 2 + 1);
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		hex[n++] = digits[*p >> 4];
		hex[n++] = digits[*p & 0xf];
	}
	hex[n] = '\0';
	v = json_object_new_string(hex);
	rc = agent_stream_write(s, v);
	json_object_put(v);
	free(hex);
	return (rc);
}

int
openclaw_stream_send(struct session *s, struct agent *a, const char *text)
{
	(void)a;
	return (openclaw_stream_hex(s, text) == -1 ? -1 : 0);
}

int
openclaw_stream_approve(struct session *s, struct agent *a, int allow, const char *message)
{
	(void)s;
	(void)a;
	(void)allow;
	(void)message;
	return (-1);		/* one turn per process: nothing asks */
}

void
openclaw_stream_reset(struct session *s, struct agent *a)
{
	struct json_object	*v;
	char			*line;

	free(a->uuid);
	a->uuid = agent_uuid();
	agent_persist(s);
	xasprintf(&line, "reset %s", a->uuid);
	v = json_object_new_string(line);
	agent_stream_write(s, v);
	json_object_put(v);
	free(line);
}
