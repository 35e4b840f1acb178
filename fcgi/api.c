/*
 * agentd-fcgi: the REST half of agentd (DESIGN.md "REST").
 *
 * The master binds HOME/run/fcgi.sock (0600), preforks WORKERS processes that
 * accept on it, respawns any that die (no faster than once a second per slot
 * when they die young) and on SIGTERM/SIGINT stops them and exits. Each
 * worker runs THREADS threads, and each thread handles one request at a time
 * with libfcgi's FCGX_*_r API: a request that waits on the daemon (a
 * synchronous debrief up to 280 s, a create, a delete) holds one thread, and
 * the others go on serving. A thread reads SQLite through its own read-only
 * connection (query.c, thread-local like the reply caches) and sends every
 * change to agentd (ctl.c). WORKERS follows the CPUs (one process per CPU:
 * rendering JSON is the CPU work); THREADS bounds the requests a worker can
 * have waiting on the daemon at once.
 *
 * Signals in a worker: SIGTERM/SIGINT are taken by its main thread alone
 * (sigwait); the request threads finish the request they are handling and
 * stop (api_threads_stop). SIGUSR2 wakes a thread out of accept. Our handlers
 * are installed before FCGX_Init(), so libfcgi keeps its hands off them (it
 * only installs its own over SIG_DFL, C-STACK.md 3).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
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

/*
 * -n: worker processes when not given: one per online CPU, at least
 * API_WORKERS_MIN (one can be respawning while another serves).
 */
#define API_WORKERS_MIN		2
#define API_WORKERS_MAX		64	/* a process each */
/*
 * -t: threads per worker. Each request waiting on the daemon holds one (a
 * synchronous debrief, up to 280 s): 8 per worker lets 2 x 8 = 16 such waits
 * on a 2-CPU machine with GETs still answered; each thread costs a stack and
 * a SQLite connection with its statements (~1 MiB mapped, little resident).
 */
#define API_THREADS_DEFAULT	8
#define API_THREADS_MAX		256
#define API_BACKLOG		1024	/* nginx connects once per request */
#define API_RESPAWN_MS		1000	/* a worker dying younger waits this */
/*
 * Out of descriptors this long without an accept that worked: the worker ends and
 * a fresh one replaces it (a descriptor leak in it would never heal otherwise).
 */
#define API_EMFILE_GIVEUP_MS	30000
#define API_STOP_MS		10000	/* for workers to finish a request */
#define API_WAKE_MS		50	/* SIGUSR2 again to a thread still in accept */

struct api_worker {
	pid_t		pid;		/* -1 when not running */
	uint64_t	started;	/* agd_now_ms() at fork */
	uint64_t	respawn;	/* when to start it again */
};

/* A request thread of a worker; idle and done are under api_lock. */
struct api_thread {
	pthread_t	 tid;
	FCGX_Request	 fr;
	int		 idle;		/* in FCGX_Accept_r: SIGUSR2 may wake it */
	int		 done;		/* returned */
};

struct api_global	 api;

static struct api_worker *api_workers;
static int		 api_nworkers;
static int		 api_nthreads = API_THREADS_DEFAULT;
static pid_t		 api_master_pid;
static int		 api_quit;	/* in a worker: under api_lock */

static struct api_thread *api_threads;
static pthread_mutex_t	 api_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t	 api_main_thread;
static int		 api_lfd;
static int		 api_failed;	/* a thread's accept failed: exit 1 */
static uint64_t		 api_emfile_ms;	/* out of descriptors since; 0: not */
static uint64_t		 api_emfile_said_ms;	/* last logged so */

static void	usage(void) __attribute__((noreturn));
static int	api_listen(const char *);
static int	api_workers_default(void);
static void	api_noop_signal(int);
static int	api_accept_pause(int, int);
static void	*api_thread_main(void *);
static void	api_threads_stop(void);
static void	api_worker_main(int) __attribute__((noreturn));
static void	api_spawn(struct api_worker *, int);
static void	api_reap(void);
static int	api_running(void);
static void	api_stop(void);
static void	api_master(int);
static int	api_number(const char *, const char *, int, int);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: agentd-fcgi [-d] [-f conf] [-H home] [-l level] [-n workers]"
	    " [-t threads]\n");
	exit(1);
}

/* Handle one accepted request: safety checks, routing, exactly one reply. */
void
api_handle(FCGX_Request *fr)
{
	struct req	req;
	uint64_t	t0 = agd_now_us();

	request_init(&req, fr);
	if (request_check_host(&req) == 0 && request_check_origin(&req) == 0 &&
	    request_identify(&req) == 0)
		route_dispatch(&req);
	if (req.status == 0) {
		log_warnx("%s: %.16s: handler sent no reply", __func__,
		    req.method);
		reply_error(&req, AGD_ERR_INTERNAL, "no reply");
	}
	metrics_observe(req.route, req.status, agd_now_us() - t0);
	refusal_note(&req);
	refusal_flush(0);
	request_log(&req, agd_now_us() - t0);
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
	int	 fd, flags = AGD_SOCK_LIVE | AGD_SOCK_ONLYSOCK;

	if (api.conf->group_sockets)
		flags |= AGD_SOCK_GROUP;	/* nginx connects as the group of HOME/run */
	fd = agd_sock_listen(path, flags, API_BACKLOG, &cause);
	if (fd == AGD_EEXISTS)
		fatalx("%s: another agentd-fcgi is listening", path);
	if (fd < 0)
		fatalx("%s", cause);
	return (fd);
}

/* One worker per online CPU, within API_WORKERS_MIN and API_WORKERS_MAX. */
static int
api_workers_default(void)
{
	long	n;

	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < API_WORKERS_MIN)
		n = API_WORKERS_MIN;
	if (n > API_WORKERS_MAX)
		n = API_WORKERS_MAX;
	return ((int)n);
}

static void
api_noop_signal(int sig)
{
	(void)sig;
}

/*
 * Out of descriptors (lib/sock.h): the thread stops accepting for pause_ms, still
 * idle (a stop's SIGUSR2 ends the pause), and the connection waits on the
 * listener; ending the worker at once would only have its successor fail the same
 * way (unless it lasts API_EMFILE_GIVEUP_MS: then 0, the worker ends). Said once
 * per pause of the worker, not by each thread. 1 to accept again.
 */
static int
api_accept_pause(int err, int pause_ms)
{
	struct timespec	 ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
	uint64_t	 now;
	int		 say, give_up;

	pthread_mutex_lock(&api_lock);
	now = agd_now_ms();
	if (api_emfile_ms == 0)
		api_emfile_ms = now;
	give_up = now - api_emfile_ms >= API_EMFILE_GIVEUP_MS;
	say = api_emfile_said_ms == 0 || now - api_emfile_said_ms >= (uint64_t)pause_ms;
	if (say)
		api_emfile_said_ms = now;
	pthread_mutex_unlock(&api_lock);
	if (give_up) {
		if (say)
			log_warnx("fcgi.sock: accept: %s for %d s: the worker ends, a "
			    "fresh one replaces it", strerror(err), API_EMFILE_GIVEUP_MS / 1000);
		return (0);
	}
	if (say)
		log_warnx("fcgi.sock: accept: %s; paused %d ms", strerror(err), pause_ms);
	nanosleep(&ts, NULL);
	return (1);
}

/*
 * One request thread: accept and handle requests until the worker stops. Its
 * first failing accept other than at a stop or out of descriptors ends the whole
 * worker (the master starts a fresh one), so a worker never runs on with fewer
 * threads.
 */
static void *
api_thread_main(void *arg)
{
	struct api_thread	*t = arg;
	int			 rc, pause_ms;

	if (FCGX_InitRequest(&t->fr, api_lfd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		fatalx("FCGX_InitRequest failed");
	for (;;) {
		pthread_mutex_lock(&api_lock);
		if (api_quit) {
			pthread_mutex_unlock(&api_lock);
			break;
		}
		t->idle = 1;
		pthread_mutex_unlock(&api_lock);
		rc = FCGX_Accept_r(&t->fr);
		/* libfcgi's accept() failed: -errno. */
		if (rc < 0 && (pause_ms = agd_sock_backoff(-rc)) != 0 &&
		    api_accept_pause(-rc, pause_ms))
			continue;
		pthread_mutex_lock(&api_lock);
		t->idle = 0;
		if (rc >= 0)
			api_emfile_ms = 0;
		pthread_mutex_unlock(&api_lock);
		if (rc < 0) {
			if (api_quit)
				break;
			if (agd_sock_backoff(-rc) == 0)		/* else said above */
				log_warnx("FCGX_Accept_r failed: %d", rc);
			pthread_mutex_lock(&api_lock);
			api_failed = 1;
			pthread_mutex_unlock(&api_lock);
			pthread_kill(api_main_thread, SIGTERM);
			break;
		}
		api_handle(&t->fr);
		FCGX_Finish_r(&t->fr);
	}
	FCGX_Free(&t->fr, 0);
	query_thread_end();
	pthread_mutex_lock(&api_lock);
	t->done = 1;
	pthread_mutex_unlock(&api_lock);
	return (NULL);
}

/*
 * Stop the threads: each finishes the request it is handling; one waiting in
 * accept is woken by SIGUSR2 (no SA_RESTART, FCGI_FAIL_ACCEPT_ON_INTR), sent
 * again every API_WAKE_MS in case it came just before accept() blocked. Never
 * sent to a thread inside a request: libfcgi's reads do not retry EINTR. The
 * master's SIGKILL after API_STOP_MS bounds a request that does not finish.
 */
static void
api_threads_stop(void)
{
	struct timespec	ts = { 0, API_WAKE_MS * 1000000L };
	int		i, left;

	pthread_mutex_lock(&api_lock);
	api_quit = 1;
	pthread_mutex_unlock(&api_lock);
	for (;;) {
		left = 0;
		pthread_mutex_lock(&api_lock);
		for (i = 0; i < api_nthreads; i++) {
			if (api_threads[i].done)
				continue;
			left++;
			if (api_threads[i].idle)
				pthread_kill(api_threads[i].tid, SIGUSR2);
		}
		pthread_mutex_unlock(&api_lock);
		if (left == 0)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < api_nthreads; i++)
		pthread_join(api_threads[i].tid, NULL);
}

/*
 * The worker: api_nthreads threads accept and handle requests, so that a
 * request waiting on the daemon (a debrief, a create, a delete) holds one
 * thread, not the process. This thread only waits for SIGTERM or SIGINT
 * (blocked in the others) and then stops them.
 */
static void
api_worker_main(int lfd)
{
	struct sigaction	sa;
	sigset_t		set;
	int			i, sig;

	free(api_workers);
	api_workers = NULL;
	api_lfd = lfd;
	/* Do not outlive the master (a SIGKILLed master leaves no workers). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl");
	if (getppid() != api_master_pid)
		_exit(0);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Installed before FCGX_Init(), which then leaves it alone. */
	sa.sa_handler = api_noop_signal;
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);

	if (FCGX_Init() != 0)
		fatalx("FCGX_Init failed");
	api_main_thread = pthread_self();
	api_threads = xcalloc((size_t)api_nthreads, sizeof *api_threads);
	for (i = 0; i < api_nthreads; i++) {
		if ((errno = pthread_create(&api_threads[i].tid, NULL,
		    api_thread_main, &api_threads[i])) != 0)
			fatal("pthread_create");
	}
	do {
		if (sigwait(&set, &sig) != 0)
			sig = 0;
	} while (sig != SIGTERM && sig != SIGINT);
	api_threads_stop();
	refusal_flush(1);	/* what was refused since the last rows */
	free(api_threads);
	agd_conf_free(api.conf);
	free(api.sessions_dir);
	free(api.ctl_path);
	free(api.db_path);
	free(api.home);
	exit(api_failed ? 1 : 0);
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

/* The number of option opt: arg, from min to max, else exit. */
static int
api_number(const char *opt, const char *arg, int min, int max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || *arg == '\0' || *end != '\0' || n < min || n > max) {
		fprintf(stderr, "agentd-fcgi: %s: %d to %d\n", opt, min, max);
		exit(1);
	}
	return ((int)n);
}

/* agentd-fcgi: bind the socket, prefork the workers, respawn them until told to stop. */
int
main(int argc, char **argv)
{
	char	*conf_path, *cause, *run_dir, *sock_path;
	const char *conf_opt = NULL, *home_opt = NULL, *level_opt = NULL;
	int	 ch, debug = 0, lfd, level;

	api_nworkers = api_workers_default();
	while ((ch = getopt(argc, argv, "df:H:l:n:t:")) != -1) {
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
		case 'l':
			if (log_level_parse(optarg) == -1)
				usage();
			level_opt = optarg;
			break;
		case 'n':
			api_nworkers = api_number("-n", optarg, 1, API_WORKERS_MAX);
			break;
		case 't':
			api_nthreads = api_number("-t", optarg, 1, API_THREADS_MAX);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("agentd-fcgi", debug);

	if ((api.home = agd_home(home_opt)) == NULL) {
		fprintf(stderr, "agentd-fcgi: no home directory: give -H or "
		    "AGENTD_HOME\n");
		exit(1);
	}
	if (agd_home_check(api.home, &cause) == -1) {
		fprintf(stderr, "agentd-fcgi: %s\n", cause);
		exit(1);
	}
	conf_path = agd_conf_path(conf_opt, api.home);
	if ((api.conf = agd_conf_load(conf_path, &cause)) == NULL)
		fatalx("%s", cause);
	if ((level = log_level_choose(debug, level_opt, api.conf->log_level)) == -1)
		fatalx("AGENTD_LOG_LEVEL: not error, warn, info or debug");
	log_set_level(level);
	agd_sock_nofile_raise();
	api.conf_path = conf_path;
	xasprintf(&api.db_path, "%s/agentd.db", api.home);
	api.ctl_path = agd_ctl_path(api.home);
	xasprintf(&api.sessions_dir, "%s/sessions", api.home);
	xasprintf(&run_dir, "%s/run", api.home);
	if (agd_mkdirs(run_dir, 0700) == -1)
		fatal("mkdir %s", run_dir);
	xasprintf(&sock_path, "%s/fcgi.sock", run_dir);
	free(run_dir);

	lfd = api_listen(sock_path);
	metrics_init();
	api_workers = xcalloc((size_t)api_nworkers, sizeof *api_workers);
	log_debug("listening on %s, %d workers of %d threads", sock_path,
	    api_nworkers, api_nthreads);
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
	free(api.conf_path);
	return (0);
}
