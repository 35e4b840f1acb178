/*
 * agentd-fcgi: the REST half of agentd (DESIGN.md "REST").
 *
 * The master binds HOME/run/fcgi.sock (0600), preforks WORKERS single-threaded
 * workers that accept on it, respawns any that die (no faster than once a
 * second per slot when they die young) and on SIGTERM/SIGINT stops them and
 * exits. A worker handles one request at a time with libfcgi's FCGX_*_r API;
 * it reads SQLite through its own read-only connection (query.c) and sends
 * every change to agentd (ctl.c).
 *
 * Signals in a worker: SIGTERM/SIGINT while waiting for a connection end the
 * accept and the worker exits; while a request is being handled they let it
 * finish first. Our handlers are installed before FCGX_Init(), so libfcgi
 * keeps its hands off them (it only installs its own over SIG_DFL,
 * C-STACK.md 3).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agd.h"
#include "api.h"
#include "conf.h"
#include "log.h"
#include "proto.h"
#include "sock.h"
#include "util.h"
#include "xmalloc.h"

#define API_WORKERS_DEFAULT	2	/* -n: one request waits on the daemon, one serves */
#define API_WORKERS_MAX		64	/* a process and a DB connection each */
#define API_BACKLOG		1024	/* nginx connects once per request */
#define API_RESPAWN_MS		1000	/* a worker dying younger waits this */
#define API_STOP_MS		10000	/* for workers to finish a request */

struct api_worker {
	pid_t		pid;		/* -1 when not running */
	uint64_t	started;	/* agd_now_ms() at fork */
	uint64_t	respawn;	/* when to start it again */
};

struct api_global	 api;

static struct api_worker *api_workers;
static int		 api_nworkers;
static pid_t		 api_master_pid;
static volatile sig_atomic_t api_quit;
static volatile sig_atomic_t api_idle;

static void	usage(void) __attribute__((noreturn));
static int	api_listen(const char *);
static void	api_noop_signal(int);
static void	api_worker_signal(int);
static void	api_worker_alarm(int);
static void	api_worker_signals(int);
static void	api_worker_main(int) __attribute__((noreturn));
static void	api_spawn(struct api_worker *, int);
static void	api_reap(void);
static int	api_running(void);
static void	api_stop(void);
static void	api_master(int);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: agentd-fcgi [-d] [-f conf] [-H home] [-n workers]\n");
	exit(1);
}

/* Handle one accepted request: safety checks, routing, exactly one reply. */
void
api_handle(FCGX_Request *fr)
{
	struct req	req;

	request_init(&req, fr);
	if (request_check_host(&req) == 0 && request_check_origin(&req) == 0 &&
	    request_identify(&req) == 0)
		route_dispatch(&req);
	if (req.status == 0) {
		log_warnx("%s: %.16s: handler sent no reply", __func__,
		    req.method);
		reply_error(&req, AGD_ERR_INTERNAL, "no reply");
	}
	request_free(&req);
}

/*
 * Bind the FastCGI socket ourselves rather than with FCGX_OpenSocket(), which
 * takes a path with ":digits" in it for a TCP port and exit()s on a long path.
 * A stale socket is removed; a live one (another agentd-fcgi) is fatal.
 */
static int
api_listen(const char *path)
{
	char	*cause;
	int	 fd;

	fd = agd_sock_listen(path, AGD_SOCK_LIVE | AGD_SOCK_ONLYSOCK, API_BACKLOG, &cause);
	if (fd == AGD_EEXISTS)
		fatalx("%s: another agentd-fcgi is listening", path);
	if (fd < 0)
		fatalx("%s", cause);
	return (fd);
}

static void
api_noop_signal(int sig)
{
	(void)sig;
}

/*
 * Worker SIGTERM/SIGINT: stop after the current request. While waiting for a
 * connection the signal interrupts accept() (installed without SA_RESTART);
 * if it came just before accept() blocked, SIGALRM comes back until it does.
 */
static void
api_worker_signal(int sig)
{
	(void)sig;
	api_quit = 1;
	if (api_idle)
		alarm(1);
}

static void
api_worker_alarm(int sig)
{
	(void)sig;
	if (api_quit)
		alarm(1);
}

/*
 * Install the worker's stop handlers: without SA_RESTART around accept so
 * that a signal ends it, with SA_RESTART while handling a request so that
 * libfcgi's reads and writes (which do not retry EINTR) are not cut short.
 */
static void
api_worker_signals(int flags)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sa.sa_handler = api_worker_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = api_worker_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

/* The worker: accept and handle requests until told to stop. */
static void
api_worker_main(int lfd)
{
	struct sigaction	sa;
	sigset_t		set;
	FCGX_Request		fr;
	int			rc;

	free(api_workers);
	api_workers = NULL;
	/* Do not outlive the master (a SIGKILLed master leaves no workers). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl");
	if (getppid() != api_master_pid)
		_exit(0);

	api_worker_signals(SA_RESTART);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	if (FCGX_InitRequest(&fr, lfd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		fatalx("FCGX_InitRequest failed");
	for (;;) {
		api_worker_signals(0);
		api_idle = 1;
		if (api_quit)
			break;
		rc = FCGX_Accept_r(&fr);
		api_idle = 0;
		api_worker_signals(SA_RESTART);
		if (rc < 0) {
			if (!api_quit)
				log_warnx("FCGX_Accept_r failed: %d", rc);
			break;
		}
		api_handle(&fr);
		FCGX_Finish_r(&fr);
	}
	alarm(0);
	FCGX_Free(&fr, 0);
	query_close();
	agd_conf_free(api.conf);
	free(api.sessions_dir);
	free(api.ctl_path);
	free(api.db_path);
	free(api.home);
	exit(api_quit ? 0 : 1);
}

/* Fork the worker of slot w. */
static void
api_spawn(struct api_worker *w, int lfd)
{
	pid_t	pid;

	w->started = agd_now_ms();
	if ((pid = fork()) == -1) {
		log_warn("fork");
		w->pid = -1;
		w->respawn = w->started + API_RESPAWN_MS;
		return;
	}
	if (pid == 0)
		api_worker_main(lfd);
	w->pid = pid;
}

/* Collect dead workers and schedule their respawn. */
static void
api_reap(void)
{
	struct api_worker	*w;
	uint64_t		 now;
	pid_t			 pid;
	int			 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		now = agd_now_ms();
		for (i = 0; i < api_nworkers; i++) {
			w = &api_workers[i];
			if (w->pid != pid)
				continue;
			if (WIFSIGNALED(status))
				log_warnx("worker %ld killed by signal %d",
				    (long)pid, WTERMSIG(status));
			else if (WEXITSTATUS(status) != 0 && !api_quit)
				log_warnx("worker %ld exited with %d",
				    (long)pid, WEXITSTATUS(status));
			w->pid = -1;
			w->respawn = now;
			if (now - w->started < API_RESPAWN_MS)
				w->respawn = now + API_RESPAWN_MS;
		}
	}
}

static int
api_running(void)
{
	int	i, n = 0;

	for (i = 0; i < api_nworkers; i++) {
		if (api_workers[i].pid != -1)
			n++;
	}
	return (n);
}

/* SIGTERM the workers, give them API_STOP_MS to finish, then SIGKILL. */
static void
api_stop(void)
{
	struct timespec	 ts;
	sigset_t	 set;
	uint64_t	 deadline, now;
	int		 i, killed = 0;

	api_quit = 1;
	for (i = 0; i < api_nworkers; i++) {
		if (api_workers[i].pid != -1)
			kill(api_workers[i].pid, SIGTERM);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	deadline = agd_now_ms() + API_STOP_MS;
	for (;;) {
		api_reap();
		if (api_running() == 0)
			break;
		now = agd_now_ms();
		if (now >= deadline) {
			if (killed)
				break;
			for (i = 0; i < api_nworkers; i++) {
				if (api_workers[i].pid != -1)
					kill(api_workers[i].pid, SIGKILL);
			}
			killed = 1;
			deadline = now + API_STOP_MS;
			continue;
		}
		ts.tv_sec = (time_t)((deadline - now) / 1000);
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000;
		sigtimedwait(&set, NULL, &ts);
	}
}

/* Supervise the workers until SIGTERM or SIGINT. */
static void
api_master(int lfd)
{
	struct sigaction	 sa;
	struct timespec		 ts, *tsp;
	sigset_t		 set;
	uint64_t		 now, wait;
	int			 i, sig;

	api_master_pid = getpid();
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* Handlers, not SIG_DFL/SIG_IGN, so that sigtimedwait sees them all. */
	sa.sa_handler = api_noop_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (i = 0; i < api_nworkers; i++)
		api_spawn(&api_workers[i], lfd);
	for (;;) {
		now = agd_now_ms();
		wait = UINT64_MAX;
		for (i = 0; i < api_nworkers; i++) {
			if (api_workers[i].pid != -1)
				continue;
			if (api_workers[i].respawn <= now)
				api_spawn(&api_workers[i], lfd);
			else if (api_workers[i].respawn - now < wait)
				wait = api_workers[i].respawn - now;
		}
		tsp = NULL;
		if (wait != UINT64_MAX) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000;
			tsp = &ts;
		}
		sig = sigtimedwait(&set, NULL, tsp);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGCHLD)
			api_reap();
	}
	log_debug("stopping");
	api_stop();
}

/* agentd-fcgi: bind the socket, prefork the workers, respawn them until told to stop. */
int
main(int argc, char **argv)
{
	char	*conf_path, *cause, *run_dir, *sock_path, *end;
	const char *conf_opt = NULL, *home_opt = NULL;
	long	 n;
	int	 ch, debug = 0, lfd;

	api_nworkers = API_WORKERS_DEFAULT;
	while ((ch = getopt(argc, argv, "df:H:n:")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			conf_opt = optarg;
			break;
		case 'H':
			home_opt = optarg;
			break;
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *optarg == '\0' || *end != '\0' ||
			    n < 1 || n > API_WORKERS_MAX) {
				fprintf(stderr, "agentd-fcgi: -n: 1 to %d\n",
				    API_WORKERS_MAX);
				exit(1);
			}
			api_nworkers = (int)n;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("agentd-fcgi", debug);

	api.home = agd_home(home_opt);
	conf_path = agd_conf_path(conf_opt, api.home);
	if ((api.conf = agd_conf_load(conf_path, &cause)) == NULL)
		fatalx("%s", cause);
	free(conf_path);
	xasprintf(&api.db_path, "%s/agentd.db", api.home);
	api.ctl_path = agd_ctl_path(api.home);
	xasprintf(&api.sessions_dir, "%s/sessions", api.home);
	xasprintf(&run_dir, "%s/run", api.home);
	if (agd_mkdirs(run_dir, 0700) == -1)
		fatal("mkdir %s", run_dir);
	xasprintf(&sock_path, "%s/fcgi.sock", run_dir);
	free(run_dir);

	lfd = api_listen(sock_path);
	api_workers = xcalloc((size_t)api_nworkers, sizeof *api_workers);
	log_debug("listening on %s, %d workers", sock_path, api_nworkers);
	api_master(lfd);

	close(lfd);
	if (unlink(sock_path) == -1)
		log_warn("unlink %s", sock_path);
	free(sock_path);
	free(api_workers);
	agd_conf_free(api.conf);
	free(api.sessions_dir);
	free(api.ctl_path);
	free(api.db_path);
	free(api.home);
	return (0);
}
