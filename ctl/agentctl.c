/*
 * agentctl: the command line of agentd for people and scripts.  This file
 * has main, the command table, the global options (--url, --user, --header,
 * --token) and how the credentials are found: --user or ~/.netrc for basic
 * auth, --header for auth_request setups, and the local stack's own token
 * (--token, AGENTD_TOKEN, or STATE_DIR/access-token for a loopback URL).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agentctl.h"

/* At most this many --header options, and bytes in a password typed at the prompt. */
#define CTL_MAX_HEADERS		32
#define CTL_MAX_PASSWORD	256
/* The token file is small; anything longer is not a token. */
#define CTL_MAX_TOKEN		4096

struct ctl_opts	ctl_opts;

static const struct ctl_cmd ctl_cmds[] = {
	{ "ls", cmd_ls, "ls [-a|--all] [--json]" },
	{ "new", cmd_new, "new NAME -t TYPE [-d DIR] [-m MODE] [--transport T] [-p PROMPT] "
	    "[--json]" },
	{ "attach", cmd_attach, "attach NAME [--read-only] [--prefix KEY]" },
	{ "send", cmd_send, "send NAME [TEXT|-]" },
	{ "approve", cmd_approve, "approve NAME [-m MESSAGE]" },
	{ "deny", cmd_approve, "deny NAME [-m MESSAGE]" },
	{ "logs", cmd_logs, "logs NAME [-f] [--since N] [--raw]" },
	{ "wait", cmd_wait, "wait NAME --status S[,S...] [--timeout SECONDS]" },
	{ "complete", cmd_complete, "complete NAME -s STATUS [-c COMMENT] [--json]" },
	{ "debrief", cmd_debrief, "debrief NAME [--last] [--json]" },
	{ "kill", cmd_kill, "kill NAME [--keep-workers] [--json]" },
	{ "world", cmd_world, "world [--once] [--json] [-n SECONDS]" },
	{ "workers", cmd_workers, "workers NAME [--json]" },
	{ "dispatch", cmd_dispatch, "dispatch PARENT TASK [-i ISSUE] [-b BRANCH] [-a AGENT] "
	    "[-M MACHINE] [--json]" },
	{ "diff", cmd_diff, "diff NAME [--json]" },
};
#define CTL_NCMDS	(sizeof ctl_cmds / sizeof ctl_cmds[0])

static const struct ctl_cmd	*ctl_cur;
static int			 ctl_resolved;

enum {
	OPT_URL = 1000, OPT_USER, OPT_HEADER, OPT_TOKEN, OPT_VERBOSE, OPT_HELP
};
static const struct option ctl_global_opts[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "user", required_argument, NULL, OPT_USER },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
};
#define CTL_NGLOBAL	(sizeof ctl_global_opts / sizeof ctl_global_opts[0])
/* Room for a command's long options plus the global ones; flags of one command. */
#define CTL_MAX_OPTS	48
#define CTL_MAX_FLAGS	8

static void
ctl_main_usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: agentctl [--url URL] [--user U[:P]] [--header 'N: V'] "
	    "[--token T] COMMAND ...\ncommands:\n");
	for (i = 0; i < CTL_NCMDS; i++)
		fprintf(f, "  agentctl %s\n", ctl_cmds[i].usage);
	fprintf(f, "exit status: 0 ok, 1 API error, 2 usage, 3 unreachable; "
	    "see agentctl(1)\n");
}

int
ctl_usage(void)
{
	if (ctl_cur != NULL)
		fprintf(stderr, "usage: agentctl %s\n", ctl_cur->usage);
	else
		ctl_main_usage(stderr);
	return (CTL_EUSAGE);
}

/* Read a password from the terminal without echo; the caller frees it. */
static char *
ctl_ask_password(const char *user)
{
	struct termios	 t, saved;
	char		 pw[CTL_MAX_PASSWORD];
	size_t		 n = 0;
	char		 c;
	int		 fd, echo_off = 0;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return (xstrdup(""));
	dprintf(fd, "Enter host password for user '%s': ", user);
	if (tcgetattr(fd, &saved) == 0) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &t) == 0;
	}
	while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
		if (n + 1 < sizeof pw)
			pw[n++] = c;
	}
	pw[n] = '\0';
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &saved);
	dprintf(fd, "\n");
	close(fd);
	return (xstrdup(pw));
}

/* 1 if the URL's host is this machine's loopback. */
static int
ctl_url_loopback(const char *url)
{
	CURLU	*u;
	char	*host = NULL;
	int	 r = 0;

	if ((u = curl_url()) == NULL)
		return (0);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		r = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
		    strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return (r);
}

/* The local stack's token: STATE_DIR/access-token (as ./bootstrap finds STATE_DIR). */
static char *
ctl_token_file(void)
{
	const char	*home = getenv("AGENTD_HOME"), *xdg = getenv("XDG_STATE_HOME");
	const char	*uhome = getenv("HOME");
	struct buf	 b = { 0 };
	char		*path, *tok = NULL;
	size_t		 n;
	int		 fd;

	if (home != NULL && *home != '\0')
		path = xasprintf("%s/access-token", home);
	else if (xdg != NULL && *xdg != '\0')
		path = xasprintf("%s/agentd/access-token", xdg);
	else if (uhome != NULL)
		path = xasprintf("%s/.local/state/agentd/access-token", uhome);
	else
		return (NULL);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (read_all(fd, &b, CTL_MAX_TOKEN) == 0) {
			n = b.len;
			while (n > 0 && isspace((unsigned char)b.data[n - 1]))
				n--;
			b.data[n] = '\0';
			if (n > 0)
				tok = xstrdup(b.data);
		}
		close(fd);
	}
	buf_free(&b);
	free(path);
	return (tok);
}

/* Settle the options once the command line is read. */
static void
ctl_resolve(void)
{
	const char	*v;
	char		*pw;
	size_t		 n;

	if (ctl_resolved++)
		return;
	if (ctl_opts.url == NULL)
		ctl_opts.url = xstrdup((v = getenv("AGENTD_URL")) != NULL && *v != '\0' ? v :
		    CTL_DEFAULT_URL);
	n = strlen(ctl_opts.url);
	while (n > 0 && ctl_opts.url[n - 1] == '/')
		ctl_opts.url[--n] = '\0';
	if (ctl_opts.userpwd != NULL && strchr(ctl_opts.userpwd, ':') == NULL) {
		pw = ctl_ask_password(ctl_opts.userpwd);
		v = ctl_opts.userpwd;
		ctl_opts.userpwd = xasprintf("%s:%s", v, pw);
		free((char *)v);
		free(pw);
	}
	if (ctl_opts.token == NULL && (v = getenv("AGENTD_TOKEN")) != NULL && *v != '\0')
		ctl_opts.token = xstrdup(v);
	/* The state directory's token is for the local stack only: never sent elsewhere. */
	if (ctl_opts.token == NULL && ctl_url_loopback(ctl_opts.url))
		ctl_opts.token = ctl_token_file();
}

int
ctl_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	static struct option	 all[CTL_MAX_OPTS];
	static const struct option *built;
	size_t			 n = 0, i;
	int			 c;

	if (built != longopts || all[0].name == NULL) {
		for (i = 0; longopts != NULL && longopts[i].name != NULL &&
		    n < CTL_MAX_OPTS - CTL_NGLOBAL - 1; i++)
			all[n++] = longopts[i];
		for (i = 0; i < CTL_NGLOBAL; i++)
			all[n++] = ctl_global_opts[i];
		memset(&all[n], 0, sizeof all[n]);
		built = longopts;
	}
	for (;;) {
		c = getopt_long(argc, argv, shortopts, all, NULL);
		switch (c) {
		case OPT_URL:
			free(ctl_opts.url);
			ctl_opts.url = xstrdup(optarg);
			continue;
		case OPT_USER:
			free(ctl_opts.userpwd);
			ctl_opts.userpwd = xstrdup(optarg);
			continue;
		case OPT_HEADER:
			if (strchr(optarg, ':') == NULL || ctl_opts.nheaders >= CTL_MAX_HEADERS ||
			    strpbrk(optarg, "\r\n") != NULL) {
				ctl_warn("--header: 'Name: value' (at most %d)", CTL_MAX_HEADERS);
				return ('?');
			}
			ctl_opts.headers = xrealloc(ctl_opts.headers,
			    sizeof *ctl_opts.headers * (size_t)(ctl_opts.nheaders + 2));
			ctl_opts.headers[ctl_opts.nheaders++] = xstrdup(optarg);
			ctl_opts.headers[ctl_opts.nheaders] = NULL;
			continue;
		case OPT_TOKEN:
			free(ctl_opts.token);
			ctl_opts.token = xstrdup(optarg);
			continue;
		case OPT_VERBOSE:
			ctl_opts.verbose = 1;
			continue;
		case OPT_HELP:
			if (ctl_cur != NULL)
				printf("usage: agentctl %s\n", ctl_cur->usage);
			else
				ctl_main_usage(stdout);
			exit(CTL_OK);
		case -1:
			if (ctl_cur != NULL)	/* not before the command's own options */
				ctl_resolve();
			return (-1);
		default:
			return (c);
		}
	}
}

int
ctl_flags(int argc, char **argv, const struct ctl_flag *flags, int npos)
{
	struct option	longopts[CTL_MAX_FLAGS + 1];
	char		shortopts[CTL_MAX_FLAGS + 1];
	int		i, n, c;

	for (n = 0; flags[n].name != NULL && n < CTL_MAX_FLAGS; n++) {
		longopts[n] = (struct option){ flags[n].name, no_argument, NULL, flags[n].c };
		shortopts[n] = flags[n].c;
	}
	memset(&longopts[n], 0, sizeof longopts[n]);
	shortopts[n] = '\0';
	while ((c = ctl_getopt(argc, argv, shortopts, longopts)) != -1) {
		for (i = 0; i < n && flags[i].c != c; i++)
			;
		if (i == n || c == '?')
			return (ctl_usage());
		*flags[i].set = 1;
	}
	if (argc - optind != npos)
		return (ctl_usage());
	return (CTL_OK);
}

int
main(int argc, char **argv)
{
	static const struct option mainopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*name;
	size_t		 i;
	int		 c, rc;

	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		ctl_warn("cannot start libcurl");
		return (CTL_EUNREACH);
	}
	while ((c = ctl_getopt(argc, argv, "+hV", mainopts)) != -1) {
		switch (c) {
		case 'h':
			ctl_main_usage(stdout);
			return (CTL_OK);
		case 'V':
			printf("agentctl %s\n", AGENTCTL_VERSION);
			return (CTL_OK);
		default:
			return (ctl_usage());
		}
	}
	if (optind >= argc) {
		ctl_main_usage(stderr);
		return (CTL_EUSAGE);
	}
	name = argv[optind];
	if (strcmp(name, "help") == 0) {
		ctl_main_usage(stdout);
		return (CTL_OK);
	}
	if (strcmp(name, "version") == 0) {
		printf("agentctl %s\n", AGENTCTL_VERSION);
		return (CTL_OK);
	}
	for (i = 0; i < CTL_NCMDS; i++) {
		if (strcmp(ctl_cmds[i].name, name) == 0)
			break;
	}
	if (i == CTL_NCMDS) {
		ctl_warn("unknown command: %s", name);
		ctl_main_usage(stderr);
		return (CTL_EUSAGE);
	}
	ctl_cur = &ctl_cmds[i];
	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: start over on the command's arguments */
	ctl_resolved = 0;
	rc = ctl_cur->exec(argc, argv);
	http_cleanup();
	curl_global_cleanup();
	return (rc);
}
