/*
 * agentd: the session daemon. One process, one libevent loop: the control socket,
 * the WebSocket socket, the connections to every session's holder, timers and
 * signals. It is the only writer of the SQLite store. Stopping it (SIGTERM, a
 * crash, an upgrade) never stops an agent: the holders keep them, and the next
 * agentd takes them back.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agent.h"
#include "agent-kind.h"
#include "agentd.h"
#include "auth.h"
#include "db.h"
#include "fault.h"
#include "json.h"
#include "log.h"
#include "sock.h"
#include "spawn.h"
#include "proto.h"
#include "util.h"
#include "valid.h"
#include "worker.h"
#include "xmalloc.h"

/* `agentd shutdown` waits this long: every agent is asked to end, then killed. */
#define AGENTD_SHUTDOWN_MS	60000
/* `agentd hook` gives up after this: a hook must never hold up the agent. */
#define AGENTD_HOOK_MS		5000
/* But one that asks for an approval waits for its answer, a day at most. */
#define AGENTD_APPROVAL_HOOK_MS	(86400 * 1000)
/* `agentd link` gives up after this: the loop goes on either way. */
#define AGENTD_LINK_MS		10000
/* The largest hook event read from stdin (claude's are a few KiB). */
#define AGENTD_HOOK_MAX		(1024 * 1024)

struct event_base	*agentd_base;
struct agentd_stats	 agentd_stats;
struct agd_conf		*agentd_conf;
sqlite3			*agentd_db;
char			*agentd_home;
int			 agentd_exiting;
char			 agentd_token[AGD_TOKEN_LEN + 1];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: agentd [-d] [-f conf] [-H home]"
	    " [shutdown | hook NAME [KEYFILE] | link NAME up|down [REASON]]\n");
	exit(1);
}

/*
 * Publish every agent kind (name, skill directories) in SQLite, so agentd-fcgi
 * knows them without a list of its own (sql/0005-agent-kinds.sql).
 */
static void
agentd_publish_kinds(void)
{
	const struct agent_kind	*k;
	size_t			 i;

	persist_agent_kinds_clear();
	for (i = 0; (k = agent_kinds[i]) != NULL; i++)
		persist_agent_kind(k->name, k->skills_user, k->skills_project);
}

static void
agentd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	pid_t	pid;
	int	status;

	(void)what;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		/* Holders we started; their agents' ends come over their sockets. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (job_reaped(pid, status))
				continue;	/* ssh or git of a worker */
			log_debug("holder %d ended", (int)pid);
		}
		break;
	case AGENTD_SHUTDOWN_SIGNAL:
		cmd_daemon_shutdown();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: exiting, agents keep running", (int)sig);
		agentd_exiting = 1;
		event_base_loopexit(agentd_base, NULL);
		break;
	}
}

/*
 * `agentd shutdown`: the daemon is the process listening on ctl.sock (its
 * SO_PEERCRED); signal it through a pidfd (no pid reuse race) and wait until it
 * has exited. 0 when it has, 1 if there is none or it did not in time.
 */
static int
agentd_shutdown_client(const char *home)
{
	struct pollfd	 pfd;
	struct ucred	 cr;
	socklen_t	 crlen = sizeof cr;
	char		*path, *cause;
	int		 fd, pidfd;

	path = agd_ctl_path(home);
	fd = agd_proto_connect(path, &cause);
	free(path);
	if (fd < 0) {
		fprintf(stderr, "agentd: %s\n", cause);
		free(cause);
		return (1);
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 || cr.pid <= 0 ||
	    (cr.uid != geteuid() && geteuid() != 0)) {
		fprintf(stderr, "agentd: the control socket is not our daemon's\n");
		close(fd);
		return (1);
	}
	pidfd = (int)syscall(SYS_pidfd_open, cr.pid, 0);
	/* Still connected: the pid is still the daemon's, not a reused one. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (pidfd != -1 && poll(&pfd, 1, 0) != 0) {
		fprintf(stderr, "agentd: the daemon went away\n");
		close(pidfd);
		close(fd);
		return (1);
	}
	close(fd);
	if (pidfd == -1 ||
	    syscall(SYS_pidfd_send_signal, pidfd, AGENTD_SHUTDOWN_SIGNAL, NULL, 0) == -1) {
		fprintf(stderr, "agentd: signal %d: %s\n", (int)cr.pid, strerror(errno));
		if (pidfd != -1)
			close(pidfd);
		return (1);
	}
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, AGENTD_SHUTDOWN_MS) == -1 && errno == EINTR)
		;
	close(pidfd);
	if (!(pfd.revents & POLLIN)) {
		fprintf(stderr, "agentd: pid %d has not exited\n", (int)cr.pid);
		return (1);
	}
	return (0);
}

/*
 * `agentd hook NAME [KEYFILE]`: run by an agent's hooks (claude --settings) with
 * one JSON object on stdin; passes it to the daemon over the sessions' socket
 * with the session's key, read from KEYFILE (HOME/sessions/ID/session-key, bound
 * read-only into the sandbox: the agent's environment does not hold it), else
 * $AGENTD_SESSION_KEY (a session started before). Quiet and quick whatever
 * happens: a hook must never hold up or change the agent.
 */
static int
agentd_hook_client(const char *home, const char *name, const char *keyfile)
{
	struct json_object	*args, *ev, *body = NULL, *v;
	const char		*key = getenv(AGD_SESSION_KEY_ENV);
	char			*path, *cause, *buf, kbuf[AGD_TOKEN_LEN + 1];
	size_t			 len = 0, cap = AGENTD_HOOK_MAX;
	ssize_t			 n;
	int			 status, ms = AGENTD_HOOK_MS;

	if (keyfile != NULL)
		key = agd_secret_load(keyfile, kbuf) == 0 ? kbuf : NULL;
	if (key == NULL)
		return (0);
	buf = xmalloc(cap);
	while (len < cap && (n = read(0, buf + len, cap - len)) > 0)
		len += (size_t)n;
	if ((ev = agd_json_parse(buf, len, &cause)) == NULL) {
		free(cause);
		free(buf);
		return (0);
	}
	free(buf);
	if (json_object_object_get_ex(ev, "hook_event_name", &v) &&
	    strcmp(json_object_get_string(v), "PermissionRequest") == 0)
		ms = AGENTD_APPROVAL_HOOK_MS;
	path = agd_hook_path(home);
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(args, "key", json_object_new_string(key));
	json_object_object_add(args, "event", ev);
	if (agd_ctl_call(path, "agent.hook", args, NULL, ms, &status, &body, &cause) != 0)
		free(cause);
	/* The decision of an approval, for the agent (claude reads it on stdout). */
	else if (status == 200 && json_object_object_get_ex(body, "hookSpecificOutput", &v))
		printf("%s\n", agd_json_text(body, NULL));
	json_object_put(body);
	json_object_put(args);
	free(path);
	return (0);
}

/*
 * `agentd -H HOME link NAME up|down [REASON]`: what a remote worker's loop
 * (sh/worker-loop.sh) calls when its SSH link drops or is back, over the
 * sessions' socket with the session's key ($AGENTD_SESSION_KEY). 2: usage.
 */
static int
agentd_link_client(const char *home, int argc, char **argv)
{
	struct json_object	*args, *body = NULL;
	const char		*key = getenv(AGD_SESSION_KEY_ENV);
	char			*path, *cause;
	int			 status, rc;

	if (argc < 3 || argc > 4 || !agd_valid_name(argv[1]))
		return (2);
	if (key == NULL) {
		fprintf(stderr, "agentd: link: no session key (%s)\n", AGD_SESSION_KEY_ENV);
		return (1);
	}
	path = agd_hook_path(home);
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(argv[1]));
	json_object_object_add(args, "key", json_object_new_string(key));
	json_object_object_add(args, "state", json_object_new_string(argv[2]));
	if (argc == 4)
		json_object_object_add(args, "reason", json_object_new_string(argv[3]));
	rc = agd_ctl_call(path, "worker.link", args, NULL, AGENTD_LINK_MS, &status, &body, &cause);
	json_object_put(args);
	free(path);
	if (rc != 0) {
		fprintf(stderr, "agentd: %s\n", cause);
		free(cause);
		return (1);
	}
	json_object_put(body);
	return (status == 200 ? 0 : 1);
}

/*
 * Who may reach us through nginx: in auth = local the access token (made here at
 * the first start), and auth = none only on a loopback listen address.
 */
static void
agentd_auth_init(void)
{
	const char	*listen = getenv("AGENTD_LISTEN");
	char		*cause;

	if (agentd_conf->auth == AGD_AUTH_NONE && !agd_listen_loopback(listen))
		fatalx("auth = none refused: nginx listens on %s, not on loopback"
		    " (use auth = local or proxy)", listen);
	if (agentd_conf->auth != AGD_AUTH_LOCAL)
		return;
	if (agd_token_create(agentd_home, &cause) == -1)
		fatalx("access token: %s", cause);
	if (agd_token_load(agentd_home, agentd_token) == -1)
		fatalx("%s/%s: not an access token (remove it to make a new one)",
		    agentd_home, AGD_TOKEN_FILE);
}

/* agentd: a client command (shutdown, hook, link), or the daemon and its loop. */
int
main(int argc, char **argv)
{
	struct event	*ev_chld, *ev_term, *ev_int, *ev_shut;
	const char	*opt_home = NULL, *opt_conf = NULL;
	char		*conf_path, *path, *hook_path, *cause;
	int		 ch, debug = 0;

	while ((ch = getopt(argc, argv, "df:H:")) != -1) {
		switch (ch) {
		case 'd': debug = 1; break;
		case 'f': opt_conf = optarg; break;
		case 'H': opt_home = optarg; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	log_init("agentd", debug || getenv("AGENTD_DEBUG") != NULL);
	agd_fault_init();
	if ((agentd_home = agd_home(opt_home)) == NULL) {
		fprintf(stderr, "agentd: no home directory: give -H or AGENTD_HOME\n");
		exit(1);
	}
	if (agd_home_check(agentd_home, &cause) == -1) {
		fprintf(stderr, "agentd: %s\n", cause);
		exit(1);
	}
	if (argc == 1 && strcmp(argv[0], "shutdown") == 0)
		return (agentd_shutdown_client(agentd_home));
	if ((argc == 2 || argc == 3) && strcmp(argv[0], "hook") == 0)
		return (agentd_hook_client(agentd_home, argv[1], argc == 3 ? argv[2] : NULL));
	if (argc >= 1 && strcmp(argv[0], "link") == 0) {
		/* A remote worker's loop: its SSH link dropped or is back. */
		if ((ch = agentd_link_client(agentd_home, argc, argv)) == 2)
			usage();
		return (ch);
	}
	if (argc != 0)
		usage();

	conf_path = agd_conf_path(opt_conf, agentd_home);
	if ((agentd_conf = agd_conf_load(conf_path, &cause)) == NULL)
		fatalx("config: %s", cause);
	if ((ch = log_level_choose(debug || getenv("AGENTD_DEBUG") != NULL, NULL,
	    agentd_conf->log_level)) == -1)
		fatalx("AGENTD_LOG_LEVEL: not error, warn, info or debug");
	log_set_level(ch);
	if (agent_kinds_configure(agentd_conf, &cause) == -1)
		fatalx("config: %s", cause);
	spawn_init();
	spawn_sandbox_conf(conf_path);
	free(conf_path);

	agd_sock_nofile_raise();
	umask(077);
	if (agd_mkdirs(agentd_home, 0700) == -1)
		fatal("mkdir %s", agentd_home);
	agentd_auth_init();
	xasprintf(&path, "%s/run/h", agentd_home);
	if (agd_mkdirs(path, 0700) == -1)
		fatal("mkdir %s", path);
	free(path);
	xasprintf(&path, "%s/sessions", agentd_home);
	if (agd_mkdirs(path, 0700) == -1)
		fatal("mkdir %s", path);
	free(path);

	signal(SIGPIPE, SIG_IGN);
	git_libgit2_init();
	if ((agentd_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");

	path = agd_ctl_path(agentd_home);
	hook_path = agd_hook_path(agentd_home);
	server_init(path, hook_path);
	free(hook_path);
	free(path);

	xasprintf(&path, "%s/agentd.db", agentd_home);
	if ((agentd_db = agd_db_open(path, 1, &cause)) == NULL)
		fatalx("%s", cause);
	free(path);
	agentd_publish_kinds();

	xasprintf(&path, "%s/run/ws.sock", agentd_home);
	ws_init(path);
	free(path);
	agent_init();
	webhook_init();

	ev_chld = evsignal_new(agentd_base, SIGCHLD, agentd_signal_cb, NULL);
	ev_term = evsignal_new(agentd_base, SIGTERM, agentd_signal_cb, NULL);
	ev_int = evsignal_new(agentd_base, SIGINT, agentd_signal_cb, NULL);
	evsignal_add(ev_chld, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	ev_shut = evsignal_new(agentd_base, AGENTD_SHUTDOWN_SIGNAL, agentd_signal_cb, NULL);
	evsignal_add(ev_shut, NULL);

	session_adopt_all();
	spawn_spare_later(0);	/* the first create's holder, started ahead */
	log_info("agentd %s ready in %s (%d sessions)", AGD_VERSION, agentd_home,
	    session_count());
	event_base_dispatch(agentd_base);

	server_close();
	worker_shutdown();
	ws_close_all();
	session_shutdown();
	webhook_shutdown();
	event_free(ev_chld);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_shut);
	sqlite3_close(agentd_db);
	event_base_free(agentd_base);
	agd_conf_free(agentd_conf);
	free(agentd_home);
	return (0);
}
