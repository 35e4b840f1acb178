/*
 * GET /api/agents/directories: where a session can be created. Without
 * ?path, every project root (project_roots, default the home) followed by its
 * subdirectories; with ?path=P (a root or a directory below one), the
 * subdirectories of P. Hidden ones (".name") only with ?hidden=1. The reply is
 * the seed's {parent, directories: [absolute paths]} - parent the directory
 * listed (without ?path the first root) - with agentd's "entries" beside: each
 * {path, name, isGitRepo, branch}, a root also "root": true; "path" and "up"
 * (the directory above P, null at a root) with ?path, "roots" without.
 *
 * Subdirectories are real directories only: a symlink is not followed here
 * (a project elsewhere is added to project_roots instead). Each is opened
 * beneath its parent's fd with O_NOFOLLOW and libgit2 is pointed at that fd
 * through /proc/self/fd, so a directory swapped for a symlink between readdir
 * and the look cannot make us read a repository outside the roots. libgit2
 * is initialised once per worker, on first use.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "api.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "xmalloc.h"

#define DIRS_MAX	2000	/* subdirectories listed per directory */

static int	api_directories_exec(struct req *);
static struct json_object *api_directories_one(int, const char *,
		    const char *);
static int	api_directories_list(struct json_object *, int, const char *,
		    int, int *);
static int	api_directories_cmp(const void *, const void *);

const struct api_entry api_directories_entry = {
	.method = "GET",
	.path = "/api/agents/directories",
	.flags = 0,
	.exec = api_directories_exec
};

/* git_libgit2_init() once per process, whichever request thread comes first. */
static pthread_once_t	api_git_once = PTHREAD_ONCE_INIT;

static void
api_git_init_once(void)
{
	git_libgit2_init();
}

/* Set libgit2 up, once per process (any request thread may be first). */
void
api_git_init(void)
{
	pthread_once(&api_git_once, api_git_init_once);
}

static int
api_directories_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* {path, name, isGitRepo, branch} of the directory fd (O_PATH) at path. */
static struct json_object *
api_directories_one(int fd, const char *path, const char *name)
{
	struct json_object	*o;
	git_repository		*repo = NULL;
	git_reference		*head = NULL;
	const char		*target;
	char			 proc[64];
	int			 rc;

	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "name", json_object_new_string(name));
	api_git_init();
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (git_repository_open_ext(&repo, proc,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
		json_object_object_add(o, "isGitRepo",
		    json_object_new_boolean(0));
		json_object_object_add(o, "branch", NULL);
		return (o);
	}
	json_object_object_add(o, "isGitRepo", json_object_new_boolean(1));
	rc = git_repository_head(&head, repo);
	if (rc == 0 && git_reference_is_branch(head)) {
		json_object_object_add(o, "branch", json_object_new_string(
		    git_reference_shorthand(head)));
	} else if (rc == GIT_EUNBORNBRANCH) {
		/* No commit yet: the branch HEAD names. */
		git_reference_free(head);
		head = NULL;
		if (git_reference_lookup(&head, repo, "HEAD") == 0 &&
		    (target = git_reference_symbolic_target(head)) != NULL &&
		    strncmp(target, "refs/heads/", 11) == 0)
			json_object_object_add(o, "branch",
			    json_object_new_string(target + 11));
		else
			json_object_object_add(o, "branch", NULL);
	} else
		json_object_object_add(o, "branch", NULL);	/* detached */
	git_reference_free(head);
	git_repository_free(repo);
	return (o);
}

/*
 * Add the subdirectories of the directory fd (at path) to arr, sorted.
 * 0, or an errno value if it cannot be read.
 */
static int
api_directories_list(struct json_object *arr, int fd, const char *path,
    int hidden, int *truncated)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dir;
	char		**names = NULL, *sub;
	size_t		 n = 0, i;
	int		 dfd, cfd, err;

	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (dir = fdopendir(dfd)) == NULL) {
		err = errno;
		if (dfd != -1)
			close(dfd);
		return (err);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' && (!hidden || de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (de->d_type != DT_DIR && (de->d_type != DT_UNKNOWN ||
		    fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(sb.st_mode)))
			continue;
		if (home_forbidden_entry(fd, path, de->d_name))
			continue;	/* the state, the agents' settings */
		if (n == DIRS_MAX) {
			*truncated = 1;
			break;
		}
		if (n % 64 == 0)
			names = xreallocarray(names, n + 64, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	if (n > 0)	/* names is NULL then: qsort's argument must not be */
		qsort(names, n, sizeof *names, api_directories_cmp);
	for (i = 0; i < n; i++) {
		cfd = openat(dfd, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (cfd != -1) {
			sub = path_join(path, names[i]);
			json_object_array_add(arr,
			    api_directories_one(cfd, sub, names[i]));
			free(sub);
			close(cfd);
		}
		free(names[i]);
	}
	free(names);
	closedir(dir);
	return (0);
}

/* The paths of the entries of arr (borrowed), as the seed's picker reads them. */
static struct json_object *
api_directories_paths(struct json_object *arr)
{
	struct json_object	*paths, *path;
	size_t			 i, n = json_object_array_length(arr);

	paths = json_object_new_array_ext((int)n);
	for (i = 0; i < n; i++) {
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "path",
		    &path))
			json_object_array_add(paths, json_object_get(path));
	}
	return (paths);
}

static int
api_directories_exec(struct req *req)
{
	struct home_dir		 hd;
	struct json_object	*o, *arr, *roots, *r;
	const char		*path, *v, *p, *name;
	char			*list, *root, *canon;
	int			 hidden = 0, truncated = 0, rc = 1, fd, err;

	if ((v = request_query(req, "hidden")) != NULL)
		hidden = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	list = xstrdup(home_project_roots());
	arr = json_object_new_array();
	o = json_object_new_object();

	if ((path = request_query(req, "path")) != NULL && *path != '\0') {
		/* The first root that path is in. */
		for (p = list; rc == 1 && (root = home_next_word(&p)) != NULL;) {
			rc = home_resolve(req, root, path, &hd);
			free(root);
			if (rc == -1)
				goto out;
		}
		if (rc == 1) {
			reply_error(req, AGD_ERR_FORBIDDEN_PATH,
			    "%.*s: not in a project root", PATH_LEN_MAX, path);
			goto out;
		}
		if ((err = api_directories_list(arr, hd.fd, hd.path, hidden,
		    &truncated)) != 0) {
			home_reply_errno(req, err, path);
			home_dir_close(&hd);
			goto out;
		} else {
			json_object_object_add(o, "path",
			    json_object_new_string(hd.path));
			json_object_object_add(o, "parent",
			    json_object_new_string(hd.path));
			name = strrchr(hd.path, '/');
			if (hd.root || name == NULL)
				json_object_object_add(o, "up", NULL);
			else
				json_object_object_add(o, "up",
				    json_object_new_string_len(hd.path,
				    name == hd.path ? 1 :
				    (int)(name - hd.path)));
		}
		home_dir_close(&hd);
	} else {
		roots = json_object_new_array();
		json_object_object_add(o, "roots", roots);
		for (p = list; (root = home_next_word(&p)) != NULL;) {
			if ((fd = path_root_open(root, &canon)) == -1) {
				log_debug("project root %s: %s", root,
				    strerror(errno));
				free(root);
				continue;
			}
			free(root);
			if (json_object_array_length(roots) == 0)
				json_object_object_add(o, "parent",
				    json_object_new_string(canon));
			json_object_array_add(roots,
			    json_object_new_string(canon));
			name = strrchr(canon, '/');
			r = api_directories_one(fd, canon,
			    name != NULL && name[1] != '\0' ? name + 1 : canon);
			json_object_object_add(r, "root",
			    json_object_new_boolean(1));
			json_object_array_add(arr, r);
			if ((err = api_directories_list(arr, fd, canon, hidden,
			    &truncated)) != 0)
				log_debug("project root %s: %s", canon,
				    strerror(err));
			close(fd);
			free(canon);
		}
	}
	json_object_object_add(o, "directories", api_directories_paths(arr));
	json_object_object_add(o, "entries", arr);
	arr = NULL;
	json_object_object_add(o, "truncated",
	    json_object_new_boolean(truncated));
	reply_json(req, 200, o);
out:
	json_object_put(arr);
	json_object_put(o);
	free(list);
	return (0);
}
