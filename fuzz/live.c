/* The daemon inside a fuzzer: start-up, a fake holder, and pumping (see live.h). */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <git2.h>
#include <sqlite3.h>

#include "agent.h"
#include "agentd.h"
#include "conf.h"
#include "db.h"
#include "hproto.h"
#include "log.h"
#include "proto.h"
#include "session.h"
#include "util.h"
#include "ws.h"
#include "xmalloc.h"
#include "live.h"

/* Loop rounds with nothing to do before live_pump calls it idle. */
#define LIVE_IDLE_ROUNDS	3
/* And the most rounds in one pump, so a chatty input cannot hold the fuzzer. */
#define LIVE_MAX_ROUNDS		2000

static int		 live_started;
static pid_t		 live_agent;	/* a stand-in agent: the sessions' pid and pgid */
static int		 live_hfd = -1;
static char		*live_name;
static int		 live_n;

static void
live_write_conf(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	/* Small logs (rotation is live too), no real agent can start. */
	fprintf(f, "log_max_bytes = 65536\nmax_sessions = 1000\n"
	    "[agent fake]\ndefault = /bin/false\n");
	fclose(f);
}

void
live_init(void)
{
	char	 tmpl[] = "/tmp/agd-fuzz-XXXXXX", *path, *hook, *cause;

	if (live_started)
		return;
	live_started = 1;
	log_init("agentd", getenv("AGD_FUZZ_DEBUG") != NULL);
	if (mkdtemp(tmpl) == NULL)
		fatal("mkdtemp");
	agentd_home = xstrdup(tmpl);
	xasprintf(&path, "%s/agentd.conf", agentd_home);
	live_write_conf(path);
	if ((agentd_conf = agd_conf_load(path, &cause)) == NULL)
		fatalx("config: %s", cause);
	free(path);
	if (agent_kinds_configure(agentd_conf, &cause) == -1)
		fatalx("config: %s", cause);
	spawn_init();
	xasprintf(&path, "%s/run/h", agentd_home);
	agd_mkdirs(path, 0700);
	free(path);
	xasprintf(&path, "%s/sessions", agentd_home);
	agd_mkdirs(path, 0700);
	free(path);
	signal(SIGPIPE, SIG_IGN);
	git_libgit2_init();
	agentd_base = event_base_new();
	path = agd_ctl_path(agentd_home);
	hook = agd_hook_path(agentd_home);
	server_init(path, hook);
	free(hook);
	free(path);
	xasprintf(&path, "%s/agentd.db", agentd_home);
	if ((agentd_db = agd_db_open(path, 1, &cause)) == NULL)
		fatalx("%s", cause);
	free(path);
	xasprintf(&path, "%s/run/ws.sock", agentd_home);
	ws_init(path);
	free(path);
	agent_init();
	webhook_init();
	/* Its own process group, so a session_kill hits only it. */
	if ((live_agent = fork()) == 0) {
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* and it goes with the fuzzer */
		close(1);
		close(2);
		for (;;)
			pause();
	}
}

void
live_holder_frame(int fd, int type, const void *p, size_t n)
{
	uint8_t	hdr[HP_HDR];

	hp_put32(hdr, (uint32_t)(n + 1));
	hdr[4] = (uint8_t)type;
	live_write(fd, hdr, sizeof hdr);
	live_write(fd, p, n);
}

/* A session row the daemon will adopt, a listener where its holder would be. */
static void
live_adopt(void)
{
	struct sockaddr_un	 sun;
	struct hp_hello		 h;
	struct pollfd		 pfd;
	struct session		*s;
	char			*cause, *sql, *sock;
	int64_t			 id;
	int			 lfd;

	free(live_name);
	xasprintf(&live_name, "fz%d", ++live_n);
	id = persist_insert(live_name, "fake", agentd_home, "default", NULL, "local",
	    80, 24, 0, NULL, &cause);
	if (id == -1)
		fatalx("persist_insert: %s", cause);
	xasprintf(&sql, "UPDATE sessions SET status = 'running', pid = %d WHERE id = %lld",
	    (int)live_agent, (long long)id);
	sqlite3_exec(agentd_db, sql, NULL, NULL, NULL);
	free(sql);
	/* The log a new session's start would have made. */
	xasprintf(&sock, "%s/sessions/%lld", agentd_home, (long long)id);
	agd_mkdirs(sock, 0700);
	free(sock);
	xasprintf(&sock, "%s/sessions/%lld/output.log", agentd_home, (long long)id);
	close(open(sock, O_WRONLY | O_CREAT, 0600));
	free(sock);
	xasprintf(&sock, "%s/run/h/%lld.sock", agentd_home, (long long)id);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) == -1 || listen(lfd, 4) == -1)
		fatal("listen %s", sock);
	/* Only the new row is live: the ones before have ended. */
	session_adopt_all();
	pfd.fd = lfd;
	pfd.events = POLLIN;
	live_hfd = poll(&pfd, 1, 5000) == 1 ? accept(lfd, NULL, NULL) : -1;
	close(lfd);
	unlink(sock);
	free(sock);
	if (live_hfd == -1)
		fatal("accept");
	agd_set_nonblock(live_hfd);
	memset(&h, 0, sizeof h);
	h.version = HP_VERSION;
	h.pid = h.pgid = (int32_t)live_agent;
	live_holder_frame(live_hfd, HP_HELLO, &h, sizeof h);
	live_pump(live_hfd);
	if ((s = session_find(live_name)) == NULL || s->state != SESSION_RUNNING)
		fatalx("fuzz: session %s not adopted", live_name);
}

const char *
live_session(int *hfd)
{
	struct session	*s;

	if (live_hfd != -1 && ((s = session_find(live_name)) == NULL ||
	    s->state != SESSION_RUNNING || s->hbev == NULL)) {
		close(live_hfd);
		live_hfd = -1;
		live_pump(-1);
	}
	if (live_hfd == -1)
		live_adopt();
	*hfd = live_hfd;
	return (live_name);
}

static int
live_drain(int fd)
{
	char	buf[65536];
	ssize_t	n;
	int	got = 0;

	while (fd != -1 && (n = read(fd, buf, sizeof buf)) > 0)
		got = 1;
	return (got);
}

void
live_pump(int fd)
{
	int	idle = 0, rounds = 0;

	while (idle < LIVE_IDLE_ROUNDS && rounds++ < LIVE_MAX_ROUNDS) {
		event_base_loop(agentd_base, EVLOOP_NONBLOCK);
		if (live_drain(fd) | live_drain(live_hfd))
			idle = 0;
		else {
			idle++;
			usleep(100);
		}
	}
}

int
live_connect(const char *name)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/run/%s", agentd_home, name);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return (-1);
	}
	agd_set_nonblock(fd);
	return (fd);
}

void
live_write(int fd, const void *p, size_t n)
{
	const char	*b = p;
	ssize_t		 w;
	int		 tries = 0;

	while (n > 0 && tries < LIVE_MAX_ROUNDS) {
		w = write(fd, b, n);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			return;		/* the daemon hung up: fine */
		tries++;
		live_pump(-1);
	}
}
