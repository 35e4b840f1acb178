/*
 * Machines: the [machine ID] sections of the config, reached with the system's
 * OpenSSH. Every connection to a machine shares one ControlMaster (socket
 * HOME/run/ssh-%C, kept 60 s after its last use), never asks anything (BatchMode)
 * and notices a dead link within 15 s (ServerAliveInterval 5, 3 misses). The
 * master forks itself away from whoever started it (its own session, stdio on
 * /dev/null), so neither a job nor a worker's process group waits for it.
 *
 * Nothing here blocks the loop: ssh runs as a job (job.c). The one exception is
 * the exit, which asks the masters to go if no session needs them any more.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agentd.h"
#include "auth.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "waiter.h"
#include "worker.h"
#include "xmalloc.h"

#define MACHINE_CHECK_TIMEOUT	5	/* s: reachability probe of machine.list */
#define MACHINE_CHECK_SLACK	5	/* s: the probe's job may take past that */
#define MACHINE_EXIT_WAIT_MS	3000	/* at exit, per master */
#define MACHINE_EXIT_CONNECT_S	2	/* at exit: only a master that is there */
#define MACHINE_EXIT_POLL_MS	20	/* at exit: how often to look for its end */
#define MACHINE_MESSAGE_MAX	600	/* what ssh or git said, in a reply */

/*
 * How long a probe's answer (reachable or not, and ssh's message) is the answer
 * of machine.list: a page that polls GET /api/agents/machines starts at most one
 * ssh per machine per MACHINE_REACH_TTL_MS, whatever its rate. Short enough that
 * a machine that went down shows within seconds; a link in use by a worker is
 * watched by its own ControlMaster meanwhile (ServerAliveInterval).
 */
#define MACHINE_REACH_TTL_MS	10000

/*
 * The reachability of one machine, by id (a restart with another config starts
 * afresh): the last probe's result, and the probe in flight, at most one.
 */
struct machine_reach {
	char			*id;
	struct job		*job;		/* the probe in flight, or NULL */
	uint64_t		 started;	/* of the probe in flight */
	uint64_t		 checked;	/* agd_now_ms() of the last result; 0: none */
	int64_t			 took_ms;	/* how long it took */
	int			 reachable;
	char			*error;		/* why not, or NULL */
	LIST_ENTRY(machine_reach) entry;
};
static LIST_HEAD(, machine_reach) machine_reaches = LIST_HEAD_INITIALIZER(machine_reaches);

/* One machine.list request: an entry per machine, one reply when all are known. */
struct machine_slot {
	struct machine_reach	*reach;
	struct json_object	*entry;		/* in req->arr */
	int			 done;
};
struct machine_list_req {
	struct waiter		*waiter;	/* NULL once the client is gone */
	struct json_object	*arr;
	struct machine_slot	*slots;
	int			 n;
	int			 pending;
	LIST_ENTRY(machine_list_req) entry;
};
static LIST_HEAD(, machine_list_req) machine_reqs = LIST_HEAD_INITIALIZER(machine_reqs);

/* The configured machine called id (the config's), or NULL. */
const struct agd_machine *
machine_find(const char *id)
{
	return (agd_conf_machine(agentd_conf, id));
}

/*
 * ssh and the options of every connection to m, without the host. The user's
 * ssh_options come first: for ssh the first value of an option wins.
 */
void
machine_ssh_argv(struct argv_buf *a, const struct agd_machine *m, int connect_timeout)
{
	char	*opts, *w, *save = NULL;

	argv_add(a, "ssh");
	if (m->ssh_options != NULL) {
		opts = xstrdup(m->ssh_options);
		for (w = strtok_r(opts, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			argv_add(a, "-o");
			argv_add(a, "%s", w);
		}
		free(opts);
	}
	argv_add(a, "-o");
	argv_add(a, "BatchMode=yes");
	argv_add(a, "-o");
	argv_add(a, "ControlMaster=auto");
	argv_add(a, "-o");
	argv_add(a, "ControlPath=%s/run/ssh-%%C", agentd_home);
	argv_add(a, "-o");
	argv_add(a, "ControlPersist=60");
	argv_add(a, "-o");
	argv_add(a, "ServerAliveInterval=5");
	argv_add(a, "-o");
	argv_add(a, "ServerAliveCountMax=3");
	argv_add(a, "-o");
	argv_add(a, "ConnectTimeout=%d", connect_timeout);
	if (m->port != 0) {
		argv_add(a, "-p");
		argv_add(a, "%d", m->port);
	}
	if (m->user != NULL) {
		argv_add(a, "-l");
		argv_add(a, "%s", m->user);
	}
	if (m->identity != NULL) {
		argv_add(a, "-i");
		argv_add(a, "%s", m->identity);
	}
}

/* The same as one shell command (GIT_SSH_COMMAND). Caller frees. */
char *
machine_ssh_command(const struct agd_machine *m)
{
	struct argv_buf	 a = { NULL, 0 };
	char		*s;

	machine_ssh_argv(&a, m, MACHINE_CONNECT_S);
	s = sh_join(a.v);
	argv_clear(&a);
	return (s);
}

/*
 * Run script with sh on m, with args as $1...: ssh gives the remote login shell
 * one command line, so every word is quoted for it.
 */
struct job *
machine_run(const struct agd_machine *m, const char *script, char *const *args,
    int timeout_ms, job_cb cb, void *arg, char **cause)
{
	return (machine_run_input(m, script, args, NULL, timeout_ms, cb, arg, cause));
}

/* machine_run with input (NULL: none) on the script's stdin, never on a command line. */
struct job *
machine_run_input(const struct agd_machine *m, const char *script, char *const *args,
    const char *input, int timeout_ms, job_cb cb, void *arg, char **cause)
{
	struct argv_buf	 a = { NULL, 0 }, r = { NULL, 0 };
	struct job	*j;
	char		*cmd;

	argv_add(&r, "sh");
	argv_add(&r, "-c");
	argv_add(&r, "%s", script);
	argv_add(&r, "agentd");
	argv_addv(&r, args);
	cmd = sh_join(r.v);
	argv_clear(&r);

	machine_ssh_argv(&a, m, MACHINE_CONNECT_S);
	argv_add(&a, "-T");
	argv_add(&a, "%s", m->host);
	argv_add(&a, "%s", cmd);
	free(cmd);
	j = job_run_input(a.v, NULL, input, timeout_ms, cb, arg, cause);
	argv_clear(&a);
	return (j);
}

/* What ssh or git said, on one line, for an error reply. Caller frees. */
char *
machine_message(const char *out)
{
	char	*msg, *p;
	size_t	 n;

	while (*out == ' ' || *out == '\n' || *out == '\r' || *out == '\t')
		out++;
	msg = xstrndup(out, MACHINE_MESSAGE_MAX);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' ||
	    msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n')
			*p = ';';
		else if ((unsigned char)*p < 0x20)
			*p = ' ';
	}
	if (*msg == '\0') {
		free(msg);
		msg = xstrdup("no message");
	}
	return (msg);
}

static void
machine_list_reply(struct machine_list_req *r)
{
	struct json_object	*o;

	LIST_REMOVE(r, entry);
	if (r->waiter != NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "machines", r->arr);
		waiter_reply(r->waiter, 200, o);
	} else
		json_object_put(r->arr);
	free(r->slots);
	free(r);
}

/* The reachability of machine id, made if new. */
static struct machine_reach *
machine_reach_get(const char *id)
{
	struct machine_reach	*mr;

	LIST_FOREACH(mr, &machine_reaches, entry) {
		if (strcmp(mr->id, id) == 0)
			return (mr);
	}
	mr = xcalloc(1, sizeof *mr);
	mr->id = xstrdup(id);
	LIST_INSERT_HEAD(&machine_reaches, mr, entry);
	return (mr);
}

/* Fill the slot from its machine's last result. */
static void
machine_slot_fill(struct machine_slot *sl)
{
	struct machine_reach	*mr = sl->reach;

	json_object_object_add(sl->entry, "checkedMs", json_object_new_int64(mr->took_ms));
	json_object_object_add(sl->entry, "reachable", json_object_new_boolean(mr->reachable));
	json_object_object_add(sl->entry, "error", mr->error != NULL ?
	    json_object_new_string(mr->error) : NULL);
	sl->done = 1;
}

/* mr has a new result: answer every request that waited for it. */
static void
machine_reach_done(struct machine_reach *mr)
{
	struct machine_list_req	*r, *next;
	int			 i;

	for (r = LIST_FIRST(&machine_reqs); r != NULL; r = next) {
		next = LIST_NEXT(r, entry);
		for (i = 0; i < r->n; i++) {
			if (r->slots[i].reach != mr || r->slots[i].done)
				continue;
			machine_slot_fill(&r->slots[i]);
			if (--r->pending == 0)
				machine_list_reply(r);
			break;
		}
	}
}

/* Record a result of machine mr (error: NULL if reachable, else taken). */
static void
machine_reach_set(struct machine_reach *mr, char *error)
{
	uint64_t	now = agd_now_ms();

	free(mr->error);
	mr->error = error;
	mr->reachable = error == NULL;
	mr->took_ms = (int64_t)(now - mr->started);
	mr->checked = now;
	machine_reach_done(mr);
}

static void
machine_probe_cb(struct job *j, int status, const char *out, size_t len, void *arg)
{
	struct machine_reach	*mr = arg;

	(void)j;
	(void)len;
	mr->job = NULL;
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		machine_reach_set(mr, NULL);
	else
		machine_reach_set(mr, status == -1 ? xstrdup("timed out") :
		    machine_message(out));
}

/* Start the probe of m ("ssh HOST true"), unless one is in flight. */
static void
machine_probe(struct machine_reach *mr, const struct agd_machine *m)
{
	struct argv_buf	 a;
	char		*cause;

	if (mr->job != NULL)
		return;
	mr->started = agd_now_ms();
	memset(&a, 0, sizeof a);
	machine_ssh_argv(&a, m, MACHINE_CHECK_TIMEOUT);
	argv_add(&a, "-T");
	argv_add(&a, "%s", m->host);
	argv_add(&a, "true");
	mr->job = job_run(a.v, NULL, (MACHINE_CHECK_TIMEOUT + MACHINE_CHECK_SLACK) * 1000,
	    machine_probe_cb, mr, &cause);
	argv_clear(&a);
	if (mr->job == NULL)
		machine_reach_set(mr, cause);
}

/* The client of machine.list went away: the probes finish, unanswered. */
static void
machine_list_cancel(struct waiter *w, void *arg)
{
	struct machine_list_req	*r = arg;

	(void)w;
	r->waiter = NULL;
}

static struct json_object *
machine_entry(const char *id, const struct agd_machine *m)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "host", m != NULL ?
	    json_object_new_string(m->host) : NULL);
	json_object_object_add(o, "user", m != NULL && m->user != NULL ?
	    json_object_new_string(m->user) : NULL);
	json_object_object_add(o, "port", m != NULL && m->port != 0 ?
	    json_object_new_int(m->port) : NULL);
	json_object_object_add(o, "workRoot", m != NULL ?
	    json_object_new_string(m->work_root) : NULL);
	return (o);
}

/*
 * machine.list: "local" and every configured machine, each with its last probe
 * ("ssh HOST true", through the master if there is one) if younger than
 * MACHINE_REACH_TTL_MS, else with the next: one probe per machine at a time,
 * shared by every request that waits for it.
 */
void
machine_list(struct waiter *w)
{
	struct machine_list_req		*r;
	struct machine_slot		*sl;
	const struct agd_machine	*m;
	struct json_object		*o;
	uint64_t			 now = agd_now_ms();
	int				 n = 0;

	for (m = agentd_conf->machines; m != NULL; m = m->next)
		n++;
	r = xcalloc(1, sizeof *r);
	r->arr = json_object_new_array();
	o = machine_entry("local", NULL);
	json_object_object_add(o, "reachable", json_object_new_boolean(1));
	json_object_object_add(o, "error", NULL);
	json_object_array_add(r->arr, o);
	r->slots = xcalloc((size_t)n + 1, sizeof *r->slots);
	LIST_INSERT_HEAD(&machine_reqs, r, entry);
	r->waiter = w;
	waiter_hold(w, machine_list_cancel, r);
	r->pending = 1;		/* until every slot is set up */
	for (m = agentd_conf->machines; m != NULL; m = m->next) {
		sl = &r->slots[r->n++];
		sl->reach = machine_reach_get(m->id);
		sl->entry = machine_entry(m->id, m);
		json_object_array_add(r->arr, sl->entry);
		if (sl->reach->checked != 0 &&
		    now - sl->reach->checked < MACHINE_REACH_TTL_MS) {
			machine_slot_fill(sl);
			continue;
		}
		r->pending++;
		machine_probe(sl->reach, m);	/* may answer at once */
	}
	if (--r->pending == 0)
		machine_list_reply(r);
}

/* Run argv and wait for it, at most ms; for the exit only (the loop is gone). */
static void
machine_run_sync(char **argv, int ms)
{
	struct agd_exec	 x = { .argv = argv, .nfd = 3, .flags = AGD_EXEC_SETSID,
	    .fd = { AGD_EXEC_NULL, AGD_EXEC_NULL, AGD_EXEC_NULL } };
	char		*cause;
	pid_t		 pid;
	int		 status, waited = 0;

	if ((pid = agd_fork_exec(&x, &cause)) == -1) {
		free(cause);
		return;
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (waited >= ms) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(MACHINE_EXIT_POLL_MS * 1000);
		waited += MACHINE_EXIT_POLL_MS;
	}
}

/*
 * At exit: drop every pending probe, and ask the masters to go if no session is
 * left that needs them (a restart with workers running keeps their links).
 */
void
machine_shutdown(void)
{
	struct machine_list_req		*r;
	struct machine_reach		*mr;
	const struct agd_machine	*m;
	struct argv_buf			 a;

	while ((mr = LIST_FIRST(&machine_reaches)) != NULL) {
		if (mr->job != NULL)
			job_cancel(mr->job);
		LIST_REMOVE(mr, entry);
		free(mr->error);
		free(mr->id);
		free(mr);
	}
	while ((r = LIST_FIRST(&machine_reqs)) != NULL) {
		if (r->waiter != NULL)
			waiter_hold(r->waiter, NULL, NULL);	/* nobody to tell */
		r->waiter = NULL;
		machine_list_reply(r);
	}
	if (session_count() > 0)
		return;
	for (m = agentd_conf->machines; m != NULL; m = m->next) {
		memset(&a, 0, sizeof a);
		machine_ssh_argv(&a, m, MACHINE_EXIT_CONNECT_S);
		argv_add(&a, "-O");
		argv_add(&a, "exit");
		argv_add(&a, "%s", m->host);
		machine_run_sync(a.v, MACHINE_EXIT_WAIT_MS);
		argv_clear(&a);
	}
}
