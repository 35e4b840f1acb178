/*
 * The push of a remote dispatch (worker.c, step 2), out of reach of any git
 * config that can run a command. git push run in the parent's repository reads
 * its .git/config, the user's ~/.gitconfig and /etc/gitconfig: there
 * url.<x>.insteadOf (or pushInsteadOf) turns agentd's ssh:// URL into
 * ext::<command>, and a protocol.ext.allow = always there wins over any
 * -c protocol.allow=never (a protocol's own key beats the default), so the
 * command runs as the daemon. Hence git runs in a scratch bare repository made
 * for the push (HOME/run/push-XXXXXX): no config but the one written here, no
 * hooks, no refs, the parent's objects borrowed through objects/info/alternates
 * (a list of directories git reads objects from: nothing is copied, nothing of
 * the parent's is run); with GIT_CONFIG_NOSYSTEM=1, GIT_CONFIG_GLOBAL=/dev/null,
 * no config from the environment, and -c protocol.allow=never
 * -c protocol.ssh.allow=always, ssh:// with agentd's own ssh command
 * (GIT_SSH_COMMAND, which core.sshCommand cannot override) is the only way out.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "agentd.h"
#include "log.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

/* The scratch repository's whole config: format 0, bare, nothing else. */
static const char push_config[] =
    "[core]\n\trepositoryformatversion = 0\n\tbare = true\n";

/* The objects directory of the repository whose working directory is repo. */
static char *
push_objects_dir(const char *repo, char **cause)
{
	git_repository	*r = NULL;
	git_buf		 buf = { NULL, 0, 0 };
	char		*dir = NULL;

	/* libgit2 reads the repository's config but runs nothing it names. */
	if (git_repository_open(&r, repo) != 0 ||
	    git_repository_item_path(&buf, r, GIT_REPOSITORY_ITEM_OBJECTS) != 0) {
		xasprintf(cause, "repository %s: %s", repo, git_error_last() != NULL ?
		    git_error_last()->message : "cannot be opened");
		goto out;
	}
	if (buf.ptr[0] != '/' || strchr(buf.ptr, '\n') != NULL) {
		xasprintf(cause, "repository %s: objects in %s", repo, buf.ptr);
		goto out;
	}
	dir = xstrdup(buf.ptr);
out:
	git_buf_dispose(&buf);
	git_repository_free(r);
	return (dir);
}

/* Write the file dir/name (new) holding text. -1 with *cause. */
static int
push_write(const char *dir, const char *name, const char *text, char **cause)
{
	char	*path;
	int	 fd, rc = 0;

	xasprintf(&path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || agd_write_all(fd, text, strlen(text)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	free(path);
	return (rc);
}

/* A new bare repository borrowing objects; its path, or NULL with *cause. */
static char *
push_scratch(const char *objects, char **cause)
{
	static const char	*dirs[] = { "objects", "objects/info", "refs" };
	char			*dir, *path, *line;
	size_t			 i;

	xasprintf(&dir, "%s/run/push-XXXXXX", agentd_home);
	if (mkdtemp(dir) == NULL) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return (NULL);
	}
	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		xasprintf(&path, "%s/%s", dir, dirs[i]);
		if (mkdir(path, 0700) == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			free(path);
			goto fail;
		}
		free(path);
	}
	xasprintf(&line, "%s\n", objects);
	if (push_write(dir, "HEAD", "ref: refs/heads/agentd-push\n", cause) == -1 ||
	    push_write(dir, "config", push_config, cause) == -1 ||
	    push_write(dir, "objects/info/alternates", line, cause) == -1) {
		free(line);
		goto fail;
	}
	free(line);
	return (dir);
fail:
	worktree_rm(dir);
	free(dir);
	return (NULL);
}

/* ssh://[user@]host[:port]/path for git. Caller frees. */
static char *
push_url(const struct agd_machine *m, const char *path)
{
	char	*url, port[16] = "";

	if (m->port != 0)
		snprintf(port, sizeof port, ":%d", m->port);
	xasprintf(&url, "ssh://%s%s%s%s%s%s%s", m->user != NULL ? m->user : "",
	    m->user != NULL ? "@" : "", strchr(m->host, ':') != NULL ? "[" : "",
	    m->host, strchr(m->host, ':') != NULL ? "]" : "", port, path);
	return (url);
}

struct job *
worker_push(const struct agd_machine *m, const char *repo, const char *commit,
    const char *remote_repo, const char *branch, int timeout_ms, job_cb cb,
    void *arg, char **scratch, char **cause)
{
	struct argv_buf	 a = { NULL, 0 }, env = { NULL, 0 };
	struct job	*j;
	char		*objects, *dir, *url, *ssh;

	if ((objects = push_objects_dir(repo, cause)) == NULL)
		return (NULL);
	dir = push_scratch(objects, cause);
	free(objects);
	if (dir == NULL)
		return (NULL);

	ssh = machine_ssh_command(m);
	argv_add(&env, "GIT_SSH_COMMAND=%s", ssh);
	free(ssh);
	argv_add(&env, "GIT_TERMINAL_PROMPT=0");
	argv_add(&env, "GIT_CONFIG_NOSYSTEM=1");
	argv_add(&env, "GIT_CONFIG_GLOBAL=/dev/null");
	argv_add(&env, "GIT_CONFIG_COUNT=0");		/* no GIT_CONFIG_KEY_<n> */
	argv_add(&env, "GIT_CONFIG_PARAMETERS=");	/* no inherited -c */

	url = push_url(m, remote_repo);
	argv_add(&a, "git");
	argv_add(&a, "--git-dir=%s", dir);
	argv_add(&a, "-c");
	argv_add(&a, "protocol.allow=never");
	argv_add(&a, "-c");
	argv_add(&a, "protocol.ssh.allow=always");
	argv_add(&a, "push");
	argv_add(&a, "--quiet");
	argv_add(&a, "--no-verify");
	argv_add(&a, "%s", url);
	argv_add(&a, "%s:refs/heads/%s", commit, branch);
	free(url);
	j = job_run(a.v, env.v, timeout_ms, cb, arg, cause);
	argv_clear(&a);
	argv_clear(&env);
	if (j == NULL) {
		worktree_rm(dir);
		free(dir);
		return (NULL);
	}
	*scratch = dir;
	return (j);
}

void
worker_push_remove(char *scratch)
{
	if (scratch == NULL)
		return;
	worktree_rm(scratch);
	free(scratch);
}
