/* Unit tests of lib/: validation, UTF-8, config, framing, the output log. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agd.h"
#include "auth.h"
#include "conf.h"
#include "err.h"
#include "field.h"
#include "log.h"
#include "proc.h"
#include "sock.h"
#include "json.h"
#include "proto.h"
#include "seqlog.h"
#include "util.h"
#include "valid.h"
#include "xmalloc.h"
#include "tap.h"

static void
test_names(void)
{
	char	long64[65], long65[66];

	memset(long64, 'a', 64);
	long64[64] = '\0';
	memset(long65, 'a', 65);
	long65[65] = '\0';
	ok(agd_valid_name("a"), "one letter name");
	ok(agd_valid_name("my-session_1.2"), "name with . _ -");
	ok(agd_valid_name(long64), "64 characters");
	ok(!agd_valid_name(long65), "65 characters refused");
	ok(!agd_valid_name(""), "empty refused");
	ok(!agd_valid_name("-a"), "leading dash refused");
	ok(!agd_valid_name(".."), "dots refused");
	ok(!agd_valid_name("a/b"), "slash refused");
	ok(!agd_valid_name("a b"), "space refused");
	ok(!agd_valid_name("\xc3\xa9t\xc3\xa9"), "non-ASCII refused");
	ok(!agd_valid_name("dispatch-worker") && agd_valid_name("dispatch-worker2"),
	    "a route's literal segment is reserved");
	ok(agd_valid_completion("partial") && !agd_valid_completion("done"),
	    "completion statuses");
}

static void
test_utf8(void)
{
	const unsigned char	e_acute[] = "caf\xc3\xa9";
	const unsigned char	euro[] = "\xe2\x82\xac";
	const unsigned char	emoji[] = "\xf0\x9f\x98\x80";

	ok(agd_utf8_valid("plain", 5), "ASCII is UTF-8");
	ok(agd_utf8_valid((const char *)e_acute, 5), "2-byte sequence");
	ok(!agd_utf8_valid("\xc3", 1), "truncated sequence is invalid");
	ok(!agd_utf8_valid("\xc0\xaf", 2), "overlong is invalid");
	ok(!agd_utf8_valid("\xed\xa0\x80", 3), "surrogate is invalid");
	ok(!agd_utf8_valid("\xff", 1), "0xff is invalid");
	is_int(agd_utf8_cut(e_acute, 4), 3, "cut before a split 2-byte sequence");
	is_int(agd_utf8_cut(e_acute, 5), 5, "whole sequence kept");
	is_int(agd_utf8_cut(euro, 2), 0, "cut a 3-byte sequence after 2 bytes");
	is_int(agd_utf8_cut(emoji, 3), 0, "cut a 4-byte sequence after 3 bytes");
	is_int(agd_utf8_cut(emoji, 4), 4, "4-byte sequence complete");
	is_int(agd_utf8_cut((const unsigned char *)"ab\xff", 3), 3,
	    "invalid byte is not held back");
	is_int(agd_utf8_cut((const unsigned char *)"\x80\x80\x80\x80", 4), 4,
	    "stray continuation bytes are not held back");
}

/* The escape agd_json_escape_utf8 must equal, one byte at a time. */
static ssize_t
json_escape_ref(char *out, const uint8_t *p, size_t n)
{
	char	*o = out;
	size_t	 i;

	if (!agd_utf8_valid((const char *)p, n))
		return (-1);
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '"': o += sprintf(o, "\\\""); break;
		case '\\': o += sprintf(o, "\\\\"); break;
		case '\n': o += sprintf(o, "\\n"); break;
		case '\r': o += sprintf(o, "\\r"); break;
		case '\t': o += sprintf(o, "\\t"); break;
		case '\b': o += sprintf(o, "\\b"); break;
		case '\f': o += sprintf(o, "\\f"); break;
		default:
			if (p[i] < 0x20)
				o += sprintf(o, "\\u%04x", p[i]);
			else
				*o++ = (char)p[i];
		}
	}
	return (o - out);
}

static void
test_json_escape(void)
{
	/* Bytes that matter to the 8-byte test, at every offset of a word. */
	static const uint8_t	 pick[] = { 'a', ' ', '~', 0x7f, 0x1f, 0, '"', '\\',
	    '\n', '\r', 0x21, 0x5b, 0x5d, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f,
	    0x98, 0x80, 0xff, 0xc0, 0xed, 0xa0 };
	uint8_t			 in[64];
	char			 got[6 * 64 + 1], want[6 * 64 + 1];
	ssize_t			 g, w;
	unsigned int		 seed = 19, bad = 0, invalid = 0;
	size_t			 n, i;
	int			 k;

	is_int(agd_json_escape_utf8(got, (const uint8_t *)"plain ascii text!", 17), 17,
	    "plain ASCII is copied");
	g = agd_json_escape_utf8(got, (const uint8_t *)"0123456\"\r\ncaf\xc3\xa9", 15);
	ok(g == 18 && memcmp(got, "0123456\\\"\\r\\ncaf\xc3\xa9", 18) == 0,
	    "a quote and CR LF inside a word, a character after it");
	is_int(agd_json_escape_utf8(got, (const uint8_t *)"01234567\xc3", 9), -1,
	    "a truncated character after a plain word is invalid");
	for (k = 0; k < 200000; k++) {
		n = (size_t)(rand_r(&seed) % sizeof in);
		for (i = 0; i < n; i++)
			in[i] = rand_r(&seed) % 4 == 0 ? (uint8_t)rand_r(&seed) :
			    pick[rand_r(&seed) % sizeof pick];
		if (rand_r(&seed) % 2)
			for (i = 0; i < n; i++)
				if (in[i] >= 0x80 && rand_r(&seed) % 3)
					in[i] = 'x';
		g = agd_json_escape_utf8(got, in, n);
		w = json_escape_ref(want, in, n);
		if (w == -1)
			invalid++;
		if (g != w || (g > 0 && memcmp(got, want, (size_t)g) != 0))
			bad++;
	}
	is_int(bad, 0, "200000 random strings escape as one byte at a time would");
	ok(invalid > 1000 && invalid < 190000, "both valid and invalid UTF-8 were tried");
}

/* What the daemon does with its agent kinds: a built-in "fake" under the file's. */
static void
agd_conf_default_agents(struct agd_conf *c)
{
	static const char *const argv[AGD_MODE_COUNT] = {
		"builtin", "builtin", "builtin --yolo"
	};

	agd_conf_agent_default(c, "fake", argv);
}

static struct agd_conf *conf_text(const char *, char **);

static void
test_conf(void)
{
	struct agd_conf		*c;
	const struct agd_agent	*a;
	char			 path[] = "/tmp/agd-conf-XXXXXX", **argv, *cause = NULL;
	int			 fd, argc;
	const char		*text =
	    "# comment\nmax_sessions = 7\nkill_grace_ms=100\n"
	    "[agent fake]\ndefault = sh -c 'echo \"hi there\"'\n"
	    "bypassPermissions = fake --yolo\n";

	c = agd_conf_load(NULL, &cause);
	ok(c != NULL && c->max_sessions == 64 && c->agents == NULL,
	    "embedded defaults (the built-in agent types are the daemon's)");
	agd_conf_default_agents(c);
	a = agd_conf_agent(c, "fake");
	ok(a != NULL && strcmp(a->argv[AGD_MODE_BYPASS], "builtin --yolo") == 0,
	    "a built-in agent type added");
	agd_conf_free(c);

	fd = mkstemp(path);
	ok(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write config");
	close(fd);
	c = agd_conf_load(path, &cause);
	ok(c != NULL, "config loads");
	agd_conf_default_agents(c);
	is_int(c->max_sessions, 7, "max_sessions read");
	is_int(c->kill_grace_ms, 100, "kill_grace_ms read");
	a = agd_conf_agent(c, "fake");
	ok(a != NULL, "custom agent type");
	is_str(a->argv[AGD_MODE_ACCEPT_EDITS], a->argv[AGD_MODE_DEFAULT],
	    "missing mode falls back to default");
	is_str(a->argv[AGD_MODE_BYPASS], "fake --yolo", "mode command read");
	argv = agd_argv_split(a->argv[AGD_MODE_DEFAULT], &argc, &cause);
	is_int(argc, 3, "argv split in three");
	is_str(argv[2], "echo \"hi there\"", "single quotes keep double quotes");
	agd_argv_free(argv);
	agd_conf_free(c);

	fd = open(path, O_WRONLY | O_TRUNC);
	ok(write(fd, "bogus = 1\n", 10) == 10, "write bad config");
	close(fd);
	c = agd_conf_load(path, &cause);
	ok(c == NULL && cause != NULL && strstr(cause, "unknown setting") != NULL,
	    "unknown setting refused: %s", cause ? cause : "");
	free(cause);
	unlink(path);

	c = conf_text("allowed_hosts = localhost agentd.* *.example.com ::1\n", &cause);
	ok(c != NULL, "allowed_hosts with wildcards");
#define HOST_OK(h)	agd_conf_host_allowed(c, h, strlen(h))
	ok(HOST_OK("localhost") && HOST_OK("LOCALHOST") && HOST_OK("::1"), "exact names");
	ok(HOST_OK("agentd.lan") && HOST_OK("a.example.com"), "a * label takes one label");
	ok(!HOST_OK("agentd.attacker.net") && !HOST_OK("agentd") && !HOST_OK("agentd.") &&
	    !HOST_OK("x.y.example.com") && !HOST_OK("example.com") && !HOST_OK("localhost.") &&
	    !HOST_OK("localhostx") && !HOST_OK("evil.com.example"),
	    "a * label is never a prefix nor several labels");
#undef HOST_OK
	agd_conf_free(c);

	is_int(agd_mode_parse("dangerouslySkipPermissions"), AGD_MODE_BYPASS,
	    "older alias of bypassPermissions");
	is_int(agd_mode_parse("yolo"), -1, "unknown mode");
	ok(agd_argv_split("a 'b", NULL, &cause) == NULL, "unterminated quote refused");
	free(cause);
}

/* Load text as a config file; NULL with *cause if refused. */
static struct agd_conf *
conf_text(const char *text, char **cause)
{
	struct agd_conf	*c;
	char		 path[] = "/tmp/agd-conf-XXXXXX";
	int		 fd;

	*cause = NULL;
	fd = mkstemp(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fatal("write %s", path);
	close(fd);
	c = agd_conf_load(path, cause);
	unlink(path);
	return (c);
}

/* The key table: every default, bounds, each kind of check, machines. */
static void
test_conf_table(void)
{
	static const struct {
		const char	*text;
		const char	*refused;	/* NULL: loads */
	} cases[] = {
		{ "max_sessions = 0\n", "bad value for max_sessions: 0" },
		{ "max_sessions = 100000\n", NULL },
		{ "max_sessions = 12x\n", "bad value" },
		{ "log_max_bytes = 65535\n", "bad value" },
		{ "ws_ring_bytes = 4294967297\n", "bad value" },
		{ "auth = proxy\n", NULL },
		{ "auth = basic\n", "bad value for auth" },
		{ "default_role = viewer\n", NULL },
		{ "default_role = boss\n", "bad value" },
		{ "operators_manage_all = maybe\n", "bad value" },
		{ "home_root = /a b\n", "bad value" },
		{ "project_roots = /a /b\n", NULL },
		{ "project_roots = /a b\n", "bad value" },
		{ "debrief_prompt_aar =\n", "bad value" },
		{ "worktree_root = rel\n", "bad value" },
		{ "[machine m]\nhost = h\n", "needs host and work_root" },
		{ "[webhook w]\nevents = exited\n", "[webhook w] needs a url" },
		{ "[webhook w]\nurl = ftp://h/\n", "bad value for url" },
		{ "[webhook w]\nurl = http:///x\n", "bad value for url" },
		{ "[webhook w]\nurl = http://h/a b\n", "bad value for url" },
		{ "[webhook w]\nurl = http://h/\nevents = exited nope\n", "bad value" },
		{ "[webhook w]\nurl = http://h/\nevents =\n", "bad value" },
		{ "[webhook w]\nurl = http://h/\nretries = 21\n", "bad value" },
		{ "[webhook w]\nurl = http://h/\n[webhook w]\nurl = http://h/\n",
		  "defined twice" },
		{ "[webhook a/b]\nurl = http://h/\n", "bad webhook name" },
		{ "public_url = /x\n", "bad value" },
		{ "[machine m]\nhost = -h\nwork_root = /w\n", "bad value for host" },
		{ "[machine m]\nhost = h\nwork_root = /w\nport = 0\n", "bad value for port" },
		{ "[machine m]\nhost = h\nwork_root = /w\nbogus = 1\n",
		  "unknown machine setting: bogus" },
		{ "[machine m]\nhost = h\nwork_root = /w\nssh_options = A='b'\n", "bad value" },
		{ "[machine m]\nhost = h\nwork_root = /w\nidentity =\n", "bad value" },
	};
	struct agd_conf			*c;
	const struct agd_machine	*m;
	char				*cause;
	size_t				 i;

	c = agd_conf_load(NULL, &cause);
	ok(c->kill_grace_ms == 5000 && c->log_max_bytes == 64ULL * 1024 * 1024 &&
	    c->default_cols == 120 && c->default_rows == 40 &&
	    c->ws_ring_bytes == 4 * 1024 * 1024 && c->ws_replay_bytes == 256 * 1024 &&
	    c->ws_queue_bytes == 256 * 1024 && c->ws_ping_ms == 30000 &&
	    c->ws_max_viewers == 1024 && c->debrief_long_minutes == 45 &&
	    c->debrief_long_turns == 10 && c->debrief_long_events == 120 &&
	    c->debrief_short_secs == 60 && c->debrief_long_secs == 180 &&
	    c->auth == AGD_AUTH_LOCAL && c->default_role == 0 && !c->operators_manage_all,
	    "numeric defaults");
	ok(strcmp(c->allowed_hosts, "localhost 127.0.0.1 ::1") == 0 &&
	    strncmp(c->env_deny, "AGENTD_* ", 9) == 0 &&
	    strncmp(c->debrief_prompt_hotwash, "DEBRIEF (hotwash)", 17) == 0 &&
	    strncmp(c->debrief_prompt_aar, "DEBRIEF (after-action", 21) == 0 &&
	    c->holder_path == NULL && c->home_root == NULL && c->project_roots == NULL &&
	    c->viewers == NULL && c->worktree_root == NULL, "string defaults");
	agd_conf_free(c);

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = conf_text(cases[i].text, &cause);
		if (cases[i].refused == NULL)
			ok(c != NULL, "loads: %s (%s)", cases[i].text, cause ? cause : "");
		else
			ok(c == NULL && strstr(cause, cases[i].refused) != NULL,
			    "refused: %s (%s)", cases[i].text, cause ? cause : "");
		agd_conf_free(c);
		free(cause);
	}

	c = conf_text("worktree_root = /w\nworktree_root =\nauth = proxy\n"
	    "[machine m1]\nhost = h.example\nuser = u\nport = 2222\n"
	    "work_root = /srv/w\nidentity = /k\nssh_options = A=b C=d\n", &cause);
	ok(c != NULL && c->worktree_root == NULL && c->auth == AGD_AUTH_PROXY,
	    "empty worktree_root is the default again");
	m = c != NULL ? agd_conf_machine(c, "m1") : NULL;
	ok(m != NULL && strcmp(m->host, "h.example") == 0 && strcmp(m->user, "u") == 0 &&
	    m->port == 2222 && strcmp(m->work_root, "/srv/w") == 0 &&
	    strcmp(m->identity, "/k") == 0 && strcmp(m->ssh_options, "A=b C=d") == 0,
	    "machine settings read");
	agd_conf_free(c);

	c = conf_text("[webhook a]\nurl = https://h.example/hook\n"
	    "events = turn_end exited capped\nsecret = s3\n"
	    "[webhook b]\nurl = http://127.0.0.1:9/\n", &cause);
	ok(c != NULL && c->webhooks != NULL && strcmp(c->webhooks->name, "a") == 0 &&
	    c->webhooks->events == (AGD_WH_TURN_END | AGD_WH_EXITED | AGD_WH_CAPPED) &&
	    strcmp(c->webhooks->secret, "s3") == 0 && c->webhooks->retries == 5 &&
	    c->webhooks->next != NULL && c->webhooks->next->events ==
	    AGD_WH_WAITING_APPROVAL && c->webhooks->next->secret == NULL &&
	    c->webhooks->next->timeout_ms == 10000, "webhook sections read, in order");
	ok(agd_webhook_event("error", 5) == AGD_WH_ERROR && agd_webhook_event("exit", 4) == 0 &&
	    strcmp(agd_webhook_event_name(AGD_WH_CAPPED), "capped") == 0 &&
	    agd_webhook_event_name(3) == NULL, "webhook event names");
	agd_conf_free(c);
}

/* Every code has a word and a status; words map back to their codes. */
static void
test_err(void)
{
	int	i, bad = 0;

	for (i = 0; i < AGD_ERR__COUNT; i++) {
		if (agd_err_word(i) == NULL || agd_err_lookup(agd_err_word(i)) != i ||
		    agd_err_code_status(i) < 400 || agd_err_code_status(i) > 599)
			bad++;
	}
	is_int(bad, 0, "every error code has its word and status");
	is_int(agd_err_status("not_found"), 404, "not_found is 404");
	is_int(agd_err_code_status(AGD_ERR_TOO_MANY_SESSIONS), 429, "too_many_sessions is 429");
	is_int(agd_err_lookup("no_such_word"), -1, "an unknown word has no code");
	is_str(agd_err_word(AGD_ERR_DAEMON_UNAVAILABLE), "daemon_unavailable", "word of a code");
}

static int
field_even(const char *s)
{
	return (strlen(s) % 2 == 0);
}

/* Check text against specs: the reply's code and message, or "ok <args>". */
static char *
field_try(const struct agd_field *specs, const char *text)
{
	struct json_object	*in, *out;
	struct agd_field_error	 err;
	char			*r, *cause;

	if ((in = agd_json_parse(text, strlen(text), &cause)) == NULL)
		fatalx("bad test JSON %s: %s", text, cause);
	if ((out = agd_fields_check(specs, in, &err)) == NULL)
		xasprintf(&r, "%s %s", agd_err_word(err.code), err.msg);
	else {
		xasprintf(&r, "ok %s", json_object_to_json_string_ext(out,
		    JSON_C_TO_STRING_PLAIN));
		json_object_put(out);
	}
	json_object_put(in);
	return (r);
}

static void
test_field(void)
{
	static const struct agd_field specs[] = {
		{ .name = "name", .flags = AGD_FIELD_REQUIRED, .valid = agd_valid_name,
		  .code = AGD_ERR_INVALID_NAME, .msg = "invalid session name" },
		{ .name = "text", .alias = "message", .flags = AGD_FIELD_NONEMPTY,
		  .max = 4, .code = AGD_ERR_INVALID_FIELD, .msg = "text: empty",
		  .long_code = AGD_ERR_TOO_LARGE, .long_msg = "text over %lld bytes" },
		{ .name = "even", .flags = AGD_FIELD_EMPTYABSENT | AGD_FIELD_ONEERROR,
		  .valid = field_even, .code = AGD_ERR_INVALID_FIELD, .msg = "even: no" },
		{ .name = "n", .type = AGD_FIELD_INT, .min = 1, .max = 9,
		  .code = AGD_ERR_INVALID_FIELD, .msg = "n: 1 to %lld" },
		{ .name = "b", .type = AGD_FIELD_BOOL },
		{ .name = NULL }
	};
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "{}", "invalid_name invalid session name" },
		{ "{\"name\": null}", "invalid_name invalid session name" },
		{ "{\"name\": 1}", "invalid_field name: must be a string" },
		{ "{\"name\": \"a\\u0000b\"}", "invalid_field name: must be a string" },
		{ "{\"name\": \"-x\"}", "invalid_name invalid session name" },
		{ "{\"name\": \"x\", \"extra\": 1}", "ok {\"name\":\"x\"}" },
		{ "{\"name\": \"x\", \"message\": \"hi\"}",
		  "ok {\"name\":\"x\",\"text\":\"hi\"}" },
		{ "{\"name\": \"x\", \"text\": null, \"message\": \"hi\"}",
		  "ok {\"name\":\"x\",\"text\":\"hi\"}" },
		{ "{\"name\": \"x\", \"text\": \"\"}", "invalid_field text: empty" },
		{ "{\"name\": \"x\", \"text\": \"hello\"}", "too_large text over 4 bytes" },
		{ "{\"name\": \"x\", \"even\": \"\"}", "ok {\"name\":\"x\"}" },
		{ "{\"name\": \"x\", \"even\": \"abc\"}", "invalid_field even: no" },
		{ "{\"name\": \"x\", \"even\": 2}", "invalid_field even: no" },
		{ "{\"name\": \"x\", \"n\": 10}", "invalid_field n: 1 to 9" },
		{ "{\"name\": \"x\", \"n\": \"1\"}", "invalid_field n: must be an integer" },
		{ "{\"name\": \"x\", \"n\": 9, \"b\": true}",
		  "ok {\"name\":\"x\",\"n\":9,\"b\":true}" },
		{ "{\"name\": \"x\", \"b\": 1}", "invalid_field b: must be a boolean" },
	};
	/* The daemon's needs: a missing field's own error, objects, lenient types. */
	static const struct agd_field specs2[] = {
		{ .name = "id", .flags = AGD_FIELD_REQUIRED, .valid = agd_valid_name,
		  .code = AGD_ERR_INVALID_NAME, .msg = "invalid session name",
		  .missing_code = AGD_ERR_INVALID_FIELD, .missing_msg = "id: missing" },
		{ .name = "ev", .type = AGD_FIELD_OBJECT },
		{ .name = "keep", .type = AGD_FIELD_BOOL, .flags = AGD_FIELD_WRONGABSENT },
		{ .name = NULL }
	};
	static const struct {
		const char	*in;
		const char	*out;
	} more[] = {
		{ "{}", "invalid_field id: missing" },
		{ "{\"id\": \"-x\"}", "invalid_name invalid session name" },
		{ "{\"id\": \"x\", \"ev\": {\"a\": 1}}", "ok {\"id\":\"x\",\"ev\":{\"a\":1}}" },
		{ "{\"id\": \"x\", \"ev\": 1}", "invalid_field ev: must be an object" },
		{ "{\"id\": \"x\", \"keep\": 1}", "ok {\"id\":\"x\"}" },
		{ "{\"id\": \"x\", \"keep\": true}", "ok {\"id\":\"x\",\"keep\":true}" },
	};
	size_t	i;
	char	*r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = field_try(specs, cases[i].in);
		is_str(r, cases[i].out, "fields %s", cases[i].in);
		free(r);
	}
	ok(agd_fields_check(specs, NULL, &(struct agd_field_error){ 0 }) == NULL,
	    "no body: the required field is missing");
	for (i = 0; i < sizeof more / sizeof more[0]; i++) {
		r = field_try(specs2, more[i].in);
		is_str(r, more[i].out, "fields %s", more[i].in);
		free(r);
	}
}

/* The listener: mode 0600, a live socket refused, a stale one replaced, a file kept. */
static void
test_sock(void)
{
	char		 dir[] = "/tmp/agd-sock-XXXXXX", path[64], *cause = NULL;
	struct stat	 sb;
	int		 fd, fd2, c, pause_ms;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(path, sizeof path, "%s/s.sock", dir);
	fd = agd_sock_listen(path, AGD_SOCK_LIVE | AGD_SOCK_ONLYSOCK, 4, &cause);
	ok(fd >= 0 && stat(path, &sb) == 0 && (sb.st_mode & 0777) == AGD_SOCK_MODE,
	    "listening, mode 0600");
	fd2 = agd_sock_listen(path, AGD_SOCK_LIVE, 4, &cause);
	ok(fd2 == AGD_EEXISTS, "a live socket is refused");
	free(cause);
	cause = NULL;
	c = agd_proto_connect(path, &cause);
	fd2 = agd_sock_accept(fd, 0, &pause_ms);
	ok(c != -1 && fd2 != -1 && pause_ms == 0, "accepted");
	close(c);
	close(fd2);
	close(fd);
	fd = agd_sock_listen(path, AGD_SOCK_LIVE | AGD_SOCK_ONLYSOCK, 4, &cause);
	ok(fd >= 0, "a stale socket is replaced");
	close(fd);
	unlink(path);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	ok(agd_sock_listen(path, AGD_SOCK_ONLYSOCK, 4, &cause) == AGD_EINVAL,
	    "a file that is not a socket is kept");
	free(cause);
	unlink(path);
	rmdir(dir);
	is_int(agd_sock_backoff(EMFILE), AGD_ACCEPT_BACKOFF_MS, "EMFILE backs off");
	is_int(agd_sock_backoff(EAGAIN), 0, "EAGAIN does not");
}

/* fork/exec: the child's descriptors are what it was given, and exec failure is 127. */
static void
test_fork_exec(void)
{
	char		*argv[] = { (char *)"sh", (char *)"-c",
			    (char *)"printf x >&3; test ! -e /dev/fd/4 && printf y >&1", NULL };
	char		*bad[] = { (char *)"/nonexistent/agd", NULL };
	struct agd_exec	 x;
	char		 buf[8], *cause = NULL;
	int		 p[2], status;
	ssize_t		 n;
	size_t		 len;
	pid_t		 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	memset(&x, 0, sizeof x);
	x.argv = argv;
	x.fd[0] = AGD_EXEC_NULL;
	x.fd[1] = p[1];
	x.fd[2] = AGD_EXEC_KEEP;
	x.fd[3] = p[1];
	x.nfd = 4;
	pid = agd_fork_exec(&x, &cause);
	close(p[1]);
	len = 0;
	while (len < sizeof buf - 1 && (n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	waitpid(pid, &status, 0);
	buf[len] = '\0';
	is_str(buf, "xy", "fds 1 and 3 given, nothing above");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");
	memset(&x, 0, sizeof x);
	x.argv = bad;
	x.fd[0] = x.fd[1] = x.fd[2] = AGD_EXEC_NULL;
	x.nfd = 3;
	pid = agd_fork_exec(&x, &cause);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == AGD_EXEC_ENOEXEC, "exec failure is 127");
	ok(agd_self_exe() != NULL && agd_self_exe()[0] == '/', "our own path");
}

static void
test_proto(void)
{
	uint8_t		 h[AGD_PROTO_HDR];
	uint32_t	 len;
	char		*cause = NULL;

	agd_proto_header(h, 1234);
	ok(agd_proto_parse_header(h, &len, &cause) == 0 && len == 1234, "header round trip");
	h[3] = 2;
	ok(agd_proto_parse_header(h, &len, &cause) == -1, "wrong version refused");
	free(cause);
	agd_proto_header(h, AGD_PROTO_MAX + 1);
	ok(agd_proto_parse_header(h, &len, &cause) == -1, "oversized frame refused");
	free(cause);
	memcpy(h, "GET ", 4);
	ok(agd_proto_parse_header(h, &len, &cause) == -1, "garbage refused");
	free(cause);
	ok(agd_json_parse("null", 4, &cause) == NULL && cause != NULL, "null document refused");
	free(cause);
	ok(agd_json_parse("{}x", 3, &cause) == NULL, "trailing data refused");
	free(cause);
}

struct collect {
	uint64_t	first;
	uint64_t	last;
	size_t		count;
	size_t		bytes;
};

static int
collect_cb(void *arg, const struct agd_rec *r, const void *data)
{
	struct collect	*c = arg;

	(void)data;
	if (c->count == 0)
		c->first = r->seq;
	c->last = r->seq;
	c->count++;
	c->bytes += r->len;
	return (0);
}

static void
test_seqlog(void)
{
	struct agd_seqlog	 l;
	struct agd_seqlog_cur	 cur;
	struct agd_rec		 r;
	struct collect		 c;
	char			 dir[] = "/tmp/agd-log-XXXXXX", chunk[1000], *cause;
	char			*buf = NULL, *path;
	size_t			 cap = 0;
	uint64_t		 seq, hoff, i, ok_seq = 1, n = 0;
	int			 fd;

	ok(mkdtemp(dir) != NULL, "temp dir");
	ok(agd_seqlog_open(&l, dir, 65536, &seq, &hoff, &cause) == 0 && seq == 0,
	    "new log");
	memset(chunk, 'x', sizeof chunk);
	for (i = 1; i <= 200; i++)
		agd_seqlog_append(&l, i, i * 1000, AGD_REC_TTY, chunk, sizeof chunk);
	agd_seqlog_append(&l, 201, 0, AGD_REC_EVENT, "{}", 2);
	agd_seqlog_close(&l);

	memset(&c, 0, sizeof c);
	agd_seqlog_read(dir, 0, collect_cb, &c, &cause);
	ok(c.last == 201 && c.count < 201 && c.count > 40,
	    "rotation keeps the newest records (%zu, %llu..%llu)", c.count,
	    (unsigned long long)c.first, (unsigned long long)c.last);

	agd_seqlog_cur_open(&cur, dir, 170);
	while (agd_seqlog_cur_next(&cur, &r, &buf, &cap) == 1) {
		if (r.seq != 170 + ++n)
			ok_seq = 0;
	}
	ok(ok_seq && n == 31, "cursor reads 171..201 in order, across the rotation");
	agd_seqlog_cur_close(&cur);

	/* A torn record at the tail is cut when the writer opens the log again. */
	xasprintf(&path, "%s/output.log", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(write(fd, "torn", 4) == 4, "tear the tail");
	close(fd);
	ok(agd_seqlog_open(&l, dir, 65536, &seq, &hoff, &cause) == 0, "reopen");
	is_int(seq, 201, "last seq found");
	is_int(hoff, 200000, "last holder offset found");
	agd_seqlog_append(&l, 202, 201000, AGD_REC_TTY, "y", 1);
	agd_seqlog_close(&l);
	memset(&c, 0, sizeof c);
	agd_seqlog_read(dir, 200, collect_cb, &c, &cause);
	ok(c.count == 2 && c.last == 202, "append after the cut reads back");

	is_int(agd_seqlog_tail_start(dir, 0, 2500), 198, "replay after 198 fits 2500 bytes");
	is_int(agd_seqlog_tail_start(dir, 200, 1 << 20), 200, "tail never before reset");
	free(buf);
	free(path);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * A new viewer's replay start from the writer's marks (agd_seqlog_tail) is the one
 * the full scan finds, on a 60 MiB log of small records, and costs a few reads.
 */
static void
test_seqlog_tail(void)
{
	struct agd_seqlog	 l;
	char			 dir[] = "/tmp/agd-tail-XXXXXX", rec[200], *cause;
	uint64_t		 seq, hoff, i, want, got, bytes[] = { 0, 1000, 262144,
				     5000000, 40000000 };
	double			 t0, t1, scan = 0, marks = 0;
	size_t			 k, same = 0;

	ok(mkdtemp(dir) != NULL, "tail: temp dir");
	memset(rec, 'x', sizeof rec);
	agd_seqlog_open(&l, dir, 2 * 64 * 1024 * 1024, &seq, &hoff, &cause);
	for (i = 1; i <= 520000; i++) {
		if (i % 50 == 0)
			agd_seqlog_append(&l, i, 0, AGD_REC_EVENT, "{\"e\":1}", 7);
		else
			agd_seqlog_append(&l, i, i, AGD_REC_TTY, rec, 1 + i % sizeof rec);
	}
	for (k = 0; k < sizeof bytes / sizeof bytes[0]; k++) {
		t0 = now_s();
		want = agd_seqlog_tail_start(dir, 100, bytes[k]);
		scan += now_s() - t0;
		t0 = now_s();
		got = agd_seqlog_tail(&l, 100, bytes[k]);
		marks += now_s() - t0;
		same += got == want;
	}
	is_int(same, sizeof bytes / sizeof bytes[0], "tail from marks = full scan (5 sizes)");
	is_int(agd_seqlog_tail(&l, 519990, 1 << 20), 519990, "tail from marks: not before reset");
	agd_seqlog_close(&l);
	/* Reopened, the marks come from the scan open does anyway. */
	agd_seqlog_open(&l, dir, 2 * 64 * 1024 * 1024, &seq, &hoff, &cause);
	is_int(agd_seqlog_tail(&l, 100, 262144), agd_seqlog_tail_start(dir, 100, 262144),
	    "tail from marks after reopen");
	t0 = now_s();
	agd_seqlog_tail(&l, 100, 262144);
	t1 = now_s() - t0;
	agd_seqlog_close(&l);
	printf("# a %lld MiB log, 5 replay starts: full scan %.3f s, marks %.4f s;"
	    " 256 KiB from marks %.5f s\n", (long long)(l.size >> 20), scan, marks, t1);
	ok(t1 * 10 < scan / 5, "256 KiB replay start: marks 10x faster than a scan at least");
	xasprintf(&cause, "rm -rf %s", dir);
	if (system(cause) != 0)
		printf("# could not remove %s\n", dir);
	free(cause);
}

/* Workers: issue URLs, and [machine ID] sections. */
static void
test_workers(void)
{
	struct agd_conf			*c;
	const struct agd_machine	*m;
	char				 path[] = "/tmp/agd-conf-XXXXXX", *cause = NULL;
	int				 fd;
	size_t				 i;
	const char			*text =
	    "worktree_root = /srv/wt\n"
	    "[machine box1]\nhost = 10.0.0.1\nuser = dev\nport = 2222\n"
	    "work_root = /srv/work\nidentity = /k/id\n"
	    "ssh_options = StrictHostKeyChecking=no LogLevel=ERROR\n"
	    "[machine box2]\nhost = b2.example\nwork_root = /w\n";
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "[machine local]\nhost = h\nwork_root = /w\n", "machine id local" },
		{ "[machine a]\nwork_root = /w\n", "no host" },
		{ "[machine a]\nhost = h\n", "no work_root" },
		{ "[machine a]\nhost = -oProxyCommand=x\nwork_root = /w\n", "host like an option" },
		{ "[machine a]\nhost = h\nwork_root = rel\n", "relative work_root" },
		{ "[machine a]\nhost = h\nwork_root = /w\nport = 70000\n", "bad port" },
		{ "[machine a]\nhost = h\nwork_root = /w\nuser = a b\n", "bad user" },
		{ "[machine a]\nhost = h\nwork_root = /w\n[machine a]\n", "twice" },
		{ "[machine a]\nhost = h\nwork_root = /w\nbogus = 1\n", "unknown key" },
		{ "worktree_root = relative\n", "relative worktree_root" },
	};

	ok(agd_valid_issue_url("https://github.com/o/r/issues/42"), "https issue URL");
	ok(agd_valid_issue_url("http://h/x"), "http URL");
	ok(!agd_valid_issue_url("ftp://h/issues/1"), "ftp refused");
	ok(!agd_valid_issue_url("github.com/o/r/issues/1"), "no scheme refused");
	ok(!agd_valid_issue_url("https://"), "no host refused");
	ok(!agd_valid_issue_url("https://h/a b"), "blank refused");
	is_int(agd_issue_number("https://github.com/o/r/issues/42"), 42, "GitHub issue");
	is_int(agd_issue_number("https://github.com/o/r/issues/42#issuecomment-7"), 42,
	    "fragment ignored");
	is_int(agd_issue_number("https://gitlab.com/g/r/-/issues/7?x=1"), 7, "GitLab issue");
	is_int(agd_issue_number("https://github.com/o/r/pull/9"), 9, "last number segment");
	is_int(agd_issue_number("https://jira.example/browse/PROJ-123"), 123, "Jira key");
	is_int(agd_issue_number("https://example.com/o/r"), 0, "no number");
	is_int(agd_issue_number("https://bitbucket.org/o/r/issues/5/title-2"), 5,
	    "the number after issues wins");

	fd = mkstemp(path);
	ok(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write config");
	close(fd);
	c = agd_conf_load(path, &cause);
	ok(c != NULL, "machines config loads: %s", c == NULL ? cause : "");
	if (c != NULL) {
		is_str(c->worktree_root, "/srv/wt", "worktree_root");
		m = agd_conf_machine(c, "box1");
		ok(m != NULL, "box1 defined");
		is_str(m != NULL ? m->host : NULL, "10.0.0.1", "box1 host");
		is_str(m != NULL ? m->user : NULL, "dev", "box1 user");
		is_int(m != NULL ? m->port : 0, 2222, "box1 port");
		is_str(m != NULL ? m->work_root : NULL, "/srv/work", "box1 work_root");
		is_str(m != NULL ? m->identity : NULL, "/k/id", "box1 identity");
		ok(c->machines != NULL && strcmp(c->machines->id, "box1") == 0 &&
		    c->machines->next != NULL && strcmp(c->machines->next->id, "box2") == 0,
		    "machines in the file's order");
		ok(agd_conf_machine(c, "local") == NULL, "local is not a configured machine");
		agd_conf_free(c);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		ok(write(fd, bad[i].text, strlen(bad[i].text)) ==
		    (ssize_t)strlen(bad[i].text), "write config");
		close(fd);
		cause = NULL;
		c = agd_conf_load(path, &cause);
		ok(c == NULL && cause != NULL, "refused: %s", bad[i].why);
		agd_conf_free(c);
		free(cause);
	}
	unlink(path);
}

int
main(void)
{
	test_names();
	test_utf8();
	test_json_escape();
	test_conf();
	test_conf_table();
	test_err();
	test_field();
	test_sock();
	test_fork_exec();
	test_proto();
	test_seqlog();
	test_seqlog_tail();
	test_workers();
	return (tap_done());
}
