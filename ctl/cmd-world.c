/*
 * agentctl world, workers and dispatch: the world view (every live agent,
 * what it does and costs) printed once or redrawn like top(1), a parent's
 * workers as a table, and dispatching a worker.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "agentctl.h"

/* world redraws every this many seconds unless -n says otherwise. */
#define WORLD_INTERVAL_SECS	2

static volatile sig_atomic_t	world_quit;

static void
world_sig(int sig)
{
	(void)sig;
	world_quit = 1;
}

/* A usage member as text: tokens in+out and cost. */
static void
world_usage(struct json_object *u, char *tok, size_t toklen, char *cost, size_t costlen)
{
	struct json_object	*v;
	double			 usd = 0;

	snprintf(tok, toklen, "%lld", (long long)(json_int(u, "inputTokens", 0) +
	    json_int(u, "outputTokens", 0)));
	if (json_object_object_get_ex(u, "costUsd", &v))
		usd = json_object_get_double(v);
	snprintf(cost, costlen, "$%.2f", usd);
}

/* Print the world arr and its totals tot; width cuts the last column (0: no cut). */
static void
world_render(struct json_object *arr, struct json_object *tot, int width)
{
	struct json_object	*by, *u, *e;
	struct table		 t = { .ncols = 8 };
	char			 tok[32], cost[32];
	size_t			 i, n = 0;

	printf("agents %lld", (long long)json_int(tot, "agents", 0));
	if (json_object_object_get_ex(tot, "byStatus", &by)) {
		json_object_object_foreach(by, k, v)
			printf("  %s %lld", k, (long long)json_object_get_int64(v));
	}
	if (json_object_object_get_ex(tot, "usage", &u)) {
		world_usage(u, tok, sizeof tok, cost, sizeof cost);
		printf("  tokens %s  cost %s", tok, cost);
	}
	printf("\n\n");
	table_add(&t, "NAME", "TYPE", "ROLE", "STATUS", "PHASE", "TOKENS", "COST", "TASK");
	if (json_object_is_type(arr, json_type_array))
		n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		u = NULL;
		json_object_object_get_ex(e, "usage", &u);
		world_usage(u, tok, sizeof tok, cost, sizeof cost);
		table_add(&t, json_str(e, "name"), json_str(e, "agentType"), json_str(e, "role"),
		    json_str(e, "state"), json_str(e, "phase"), tok, cost, json_str(e, "task"));
	}
	table_print(&t, width);
}

int
cmd_world(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct http_reply	 r, rt;
	struct termios		 saved, t;
	struct winsize		 ws;
	struct sigaction	 sa;
	struct pollfd		 pfd;
	long long		 v;
	char			 c;
	int			 o, once = 0, json = 0, interval = WORLD_INTERVAL_SECS, rc;
	int			 tty, keys = 0;

	while ((o = ctl_getopt(argc, argv, "1jn:", longopts)) != -1) {
		switch (o) {
		case '1':
			once = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'n':
			if (parse_num(optarg, 1, 3600, &v) == -1)
				return (ctl_usage());
			interval = (int)v;
			break;
		default:
			return (ctl_usage());
		}
	}
	if (optind != argc)
		return (ctl_usage());
	tty = isatty(STDOUT_FILENO);
	if (json || !tty)
		once = 1;
	if (!once) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = world_sig;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		/* 'q' quits: keys without echo or line buffering. */
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
			t = saved;
			t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			keys = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
		}
		printf("\033[?25l");
	}
	for (;;) {
		if ((rc = http_request("GET", "/api/agents/world", NULL, &r)) != CTL_OK) {
			http_reply_free(&r);
			break;
		}
		if (json)
			json_print(r.json);
		else {
			if ((rc = http_request("GET", "/api/agents/world/totals", NULL,
			    &rt)) != CTL_OK) {
				http_reply_free(&rt);
				http_reply_free(&r);
				break;
			}
			if (!once)
				printf("\033[H\033[2J");
			if (!once && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
				world_render(r.json, rt.json, ws.ws_col);
			else
				world_render(r.json, rt.json, 0);
			http_reply_free(&rt);
		}
		fflush(stdout);
		http_reply_free(&r);
		if (once)
			break;
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if (poll(&pfd, keys ? 1 : 0, interval * 1000) == 1 &&
		    read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			break;
		if (world_quit)
			break;
	}
	if (!once) {
		printf("\033[?25h");
		fflush(stdout);
		if (keys)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	return (rc);
}

int
cmd_workers(int argc, char **argv)
{
	struct http_reply	 r;
	struct json_object	*e;
	struct table		 t = { .ncols = 6 };
	size_t			 i, n = 0, running = 0;
	int			 json = 0, rc;
	const struct ctl_flag	 flags[] = { { "json", 'j', &json }, { NULL, 0, NULL } };

	if (ctl_flags(argc, argv, flags, 1) != CTL_OK)
		return (CTL_EUSAGE);
	rc = http_session("GET", argv[optind], "/workers", NULL, &r);
	if (rc == CTL_OK && json)
		json_print(r.json);
	else if (rc == CTL_OK) {
		/* A bare array of session objects. */
		if (json_object_is_type(r.json, json_type_array))
			n = json_object_array_length(r.json);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(r.json, i);
			if (json_str(e, "ended") == NULL)
				running++;
		}
		printf("%s: %zu workers, %zu running\n", argv[optind], n, running);
		table_add(&t, "NAME", "STATUS", "BRANCH", "MACHINE", "WORKTREE", "KEEP");
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(r.json, i);
			table_add(&t, json_str(e, "name"), json_str(e, "state"),
			    json_str(e, "branch"), json_str(e, "machine"),
			    json_str(e, "worktreeState"), json_str(e, "keepReason"));
		}
		table_print(&t, 0);
	}
	http_reply_free(&r);
	return (rc);
}

int
cmd_dispatch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "issue", required_argument, NULL, 'i' },
		{ "branch", required_argument, NULL, 'b' },
		{ "agent", required_argument, NULL, 'a' },
		{ "machine", required_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const keys[] = { "issue", "branch", "agent", "machine" };
	struct json_object	*body;
	struct http_reply	 r;
	const char		*val[4] = { NULL };
	int			 c, i, json = 0, rc;

	while ((c = ctl_getopt(argc, argv, "i:b:a:M:j", longopts)) != -1) {
		switch (c) {
		case 'i': val[0] = optarg; break;
		case 'b': val[1] = optarg; break;
		case 'a': val[2] = optarg; break;
		case 'M': val[3] = optarg; break;
		case 'j': json = 1; break;
		default: return (ctl_usage());
		}
	}
	if (argc - optind != 2)
		return (ctl_usage());
	body = json_object_new_object();
	json_object_object_add(body, "parentSession", json_object_new_string(argv[optind]));
	json_object_object_add(body, "task", json_object_new_string(argv[optind + 1]));
	for (i = 0; i < 4; i++) {
		if (val[i] != NULL)
			json_object_object_add(body, keys[i], json_object_new_string(val[i]));
	}
	rc = http_request("POST", "/api/agents/sessions/dispatch-worker", body, &r);
	json_object_put(body);
	if (rc == CTL_OK && json)
		json_print(r.json);
	else if (rc == CTL_OK)
		printf("%s branch %s worktree %s\n", json_str(r.json, "name"),
		    json_str(r.json, "branch") != NULL ? json_str(r.json, "branch") : "-",
		    json_str(r.json, "worktree") != NULL ? json_str(r.json, "worktree") : "-");
	http_reply_free(&r);
	return (rc);
}
