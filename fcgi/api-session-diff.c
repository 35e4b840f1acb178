/*
 * GET /api/agents/sessions/:name/diff: the changes in the git working tree of
 * the newest session of that name against the commit it started from, built
 * with libgit2 (the dashboard's changes view, `agentctl diff`).
 *
 * The base is a worker's recorded base commit (the parent's HEAD it was
 * dispatched from), else the HEAD commit of the working tree at the time of
 * the request (none before the first commit: every file is added). The diff
 * is base tree -> index -> working tree: commits made since, staged and
 * unstaged changes, and untracked files (not ignored ones) as additions, with
 * renames found (also onto untracked files) and type changes.
 *
 * Reply {session, base, head, stats {files, insertions, deletions}, files
 * [{path, oldPath, status, binary, insertions, deletions, hunks [{header,
 * oldStart, oldLines, newStart, newLines, lines [{origin, oldLine, newLine,
 * content}]}]}], truncated}. The bounds below keep the reply and the work
 * small; past them truncated is true.
 *
 * libgit2 only reads here. A file's content is shown only if it is reached
 * beneath the working tree without leaving it (openat2 RESOLVE_BENEATH, the
 * same check as the files endpoint); libgit2 itself never follows a symlink in
 * the working tree (it diffs the link's target text).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "api.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Files listed: a review screen, not an archive; the rest is only counted. */
#define DIFF_FILES_MAX		300
/* Hunk lines in all the reply: a few MB of JSON that a browser still draws. */
#define DIFF_LINES_MAX		20000
/* A bigger file is not read (shown as binary): xdiff's work grows with it. */
#define DIFF_FILE_BYTES_MAX	(1024 * 1024)
/* Rename candidates compared pairwise (libgit2's default, 1000, is O(n*m) reads). */
#define DIFF_RENAME_LIMIT	200
/* Lines of context around a change, as git's default. */
#define DIFF_CONTEXT_LINES	3
/* U+FFFD, what a byte that is not UTF-8 becomes (JSON strings are UTF-8). */
#define DIFF_REPLACEMENT	"\xef\xbf\xbd"

/* One request's diff. */
struct diff_ctx {
	git_repository	*repo;
	git_diff	*diff;
	int		 rootfd;	/* the working tree, O_PATH */
	size_t		 lines;		/* hunk lines left to send */
	int64_t		 insertions;	/* of the files listed */
	int64_t		 deletions;
	int		 truncated;
};

static int	api_session_diff_exec(struct req *);
static int	diff_open(struct req *, const char *, struct diff_ctx *);
static int	diff_base(struct req *, struct diff_ctx *, const char *,
		    git_commit **, git_commit **);
static struct json_object *diff_file(struct diff_ctx *, size_t);
static int	diff_readable(struct diff_ctx *, const git_diff_delta *);
static struct json_object *diff_hunks(struct diff_ctx *, git_patch *);
static struct json_object *diff_line(const git_diff_line *);
static struct json_object *diff_string(const char *, size_t);
static struct json_object *diff_oid(const git_commit *);
static void	diff_git_error(struct req *, const char *);

const struct api_entry api_session_diff_entry = {
	.method = "GET",
	.path = "/api/agents/sessions/:name/diff",
	.flags = 0,
	.exec = api_session_diff_exec
};

/* Log libgit2's last error for what and reply 500. */
static void
diff_git_error(struct req *req, const char *what)
{
	const git_error	*e = git_error_last();

	log_warnx("diff %s: %s: %s", req->name, what,
	    e != NULL ? e->message : "unknown error");
	reply_error(req, AGD_ERR_INTERNAL, "cannot read the repository");
}

/*
 * A JSON string of s[0..len), each byte that does not start a valid UTF-8
 * sequence replaced by U+FFFD. Caller puts.
 */
static struct json_object *
diff_string(const char *s, size_t len)
{
	struct json_object	*o;
	const unsigned char	*p = (const unsigned char *)s;
	char			*out;
	size_t			 i = 0, used = 0, n;

	if (agd_utf8_valid(s, len))
		return (json_object_new_string_len(s, (int)len));
	out = xmalloc(len * 3 + 1);
	while (i < len) {
		if (p[i] < 0x80)
			n = 1;
		else if ((p[i] & 0xe0) == 0xc0)
			n = 2;
		else if ((p[i] & 0xf0) == 0xe0)
			n = 3;
		else if ((p[i] & 0xf8) == 0xf0)
			n = 4;
		else
			n = 0;
		if (n > 0 && i + n <= len && agd_utf8_valid(s + i, n)) {
			memcpy(out + used, s + i, n);
			used += n;
			i += n;
		} else {
			memcpy(out + used, DIFF_REPLACEMENT, 3);
			used += 3;
			i++;
		}
	}
	o = json_object_new_string_len(out, (int)used);
	free(out);
	return (o);
}

/* The commit's id in hex, or JSON null if there is none. */
static struct json_object *
diff_oid(const git_commit *c)
{
	char	hex[GIT_OID_HEXSZ + 1];

	if (c == NULL)
		return (NULL);
	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	return (json_object_new_string(hex));
}

/*
 * Open the repository of the working directory wd into d (d->repo, d->rootfd).
 * 0, or -1 having replied: 422 bad_directory if wd is gone, 422
 * not_a_repository if it is in no working tree, 500 otherwise.
 */
static int
diff_open(struct req *req, const char *wd, struct diff_ctx *d)
{
	struct stat	 sb;
	const char	*top;
	int		 rc;

	if (stat(wd, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		reply_error(req, AGD_ERR_BAD_DIRECTORY,
		    "the working directory of %s is gone: %s", req->name, wd);
		return (-1);
	}
	api_git_init();
	rc = git_repository_open_ext(&d->repo, wd, 0, NULL);
	if (rc == GIT_ENOTFOUND || (rc == 0 && git_repository_is_bare(d->repo))) {
		reply_error(req, AGD_ERR_NOT_A_REPOSITORY,
		    "not in a git working tree: %s", wd);
		return (-1);
	}
	if (rc != 0) {
		diff_git_error(req, "open");
		return (-1);
	}
	top = git_repository_workdir(d->repo);
	if ((d->rootfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		reply_error(req, AGD_ERR_BAD_DIRECTORY,
		    "the working tree of %s is gone: %s", req->name, top);
		return (-1);
	}
	return (0);
}

/*
 * The HEAD commit (NULL before the first one) and the base: the commit of
 * hex if not NULL, else HEAD. 0, or -1 having replied (422 not_a_repository
 * if the base is not in the repository). Caller frees both.
 */
static int
diff_base(struct req *req, struct diff_ctx *d, const char *hex,
    git_commit **head, git_commit **base)
{
	git_object	*obj = NULL;
	git_oid		 oid;
	int		 rc;

	*head = *base = NULL;
	rc = git_revparse_single(&obj, d->repo, "HEAD^{commit}");
	if (rc == 0)
		*head = (git_commit *)obj;
	else if (rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH) {
		diff_git_error(req, "HEAD");
		return (-1);
	}
	if (hex == NULL) {
		if (*head != NULL &&
		    git_commit_dup(base, *head) != 0) {
			diff_git_error(req, "HEAD");
			return (-1);
		}
		return (0);
	}
	if (git_oid_fromstr(&oid, hex) != 0 ||
	    git_commit_lookup(base, d->repo, &oid) != 0) {
		reply_error(req, AGD_ERR_NOT_A_REPOSITORY,
		    "the base commit %s of %s is not in the repository", hex,
		    req->name);
		return (-1);
	}
	return (0);
}

/*
 * 1 if the working tree side of delta may be read: it is reached beneath the
 * working tree (a symlink itself is read as its target text, so only its
 * directory is checked). 1 too for a deleted file (its content is the base's).
 */
static int
diff_readable(struct diff_ctx *d, const git_diff_delta *delta)
{
	const char	*path = delta->new_file.path, *slash;
	char		*dir;
	int		 fd;

	if (delta->status == GIT_DELTA_DELETED)
		return (1);
	if (delta->new_file.mode == GIT_FILEMODE_LINK) {
		if ((slash = strrchr(path, '/')) == NULL)
			return (1);
		dir = xstrndup(path, (size_t)(slash - path));
		fd = path_open(d->rootfd, dir, 0);
		free(dir);
	} else
		fd = path_open(d->rootfd, path, 0);
	if (fd == -1)
		return (0);
	close(fd);
	return (1);
}

/* One line {origin, oldLine, newLine, content}; NULL for a "no newline" mark. */
static struct json_object *
diff_line(const git_diff_line *l)
{
	struct json_object	*o;
	const char		*origin;
	size_t			 len = l->content_len;

	switch (l->origin) {
	case GIT_DIFF_LINE_CONTEXT:
		origin = " ";
		break;
	case GIT_DIFF_LINE_ADDITION:
		origin = "+";
		break;
	case GIT_DIFF_LINE_DELETION:
		origin = "-";
		break;
	default:
		return (NULL);
	}
	if (len > 0 && l->content[len - 1] == '\n')
		len--;
	o = json_object_new_object();
	json_object_object_add(o, "origin", json_object_new_string(origin));
	json_object_object_add(o, "oldLine", l->old_lineno < 0 ? NULL :
	    json_object_new_int64(l->old_lineno));
	json_object_object_add(o, "newLine", l->new_lineno < 0 ? NULL :
	    json_object_new_int64(l->new_lineno));
	json_object_object_add(o, "content", diff_string(l->content, len));
	return (o);
}

/* The hunks of patch, as many lines as d->lines allows. Caller puts. */
static struct json_object *
diff_hunks(struct diff_ctx *d, git_patch *patch)
{
	struct json_object	*arr, *h, *lines, *lo;
	const git_diff_hunk	*hunk;
	const git_diff_line	*line;
	size_t			 i, j, nh, nl, len;

	arr = json_object_new_array();
	nh = git_patch_num_hunks(patch);
	for (i = 0; i < nh; i++) {
		if (d->lines == 0) {
			d->truncated = 1;
			break;
		}
		if (git_patch_get_hunk(&hunk, &nl, patch, i) != 0)
			break;
		len = hunk->header_len;
		while (len > 0 && (hunk->header[len - 1] == '\n' ||
		    hunk->header[len - 1] == '\r'))
			len--;
		h = json_object_new_object();
		json_object_object_add(h, "header", diff_string(hunk->header, len));
		json_object_object_add(h, "oldStart", json_object_new_int(hunk->old_start));
		json_object_object_add(h, "oldLines", json_object_new_int(hunk->old_lines));
		json_object_object_add(h, "newStart", json_object_new_int(hunk->new_start));
		json_object_object_add(h, "newLines", json_object_new_int(hunk->new_lines));
		lines = json_object_new_array();
		for (j = 0; j < nl; j++) {
			if (git_patch_get_line_in_hunk(&line, patch, i, j) != 0)
				break;
			if ((lo = diff_line(line)) == NULL)
				continue;
			if (d->lines == 0) {
				json_object_put(lo);
				d->truncated = 1;
				break;
			}
			json_object_array_add(lines, lo);
			d->lines--;
		}
		json_object_object_add(h, "lines", lines);
		json_object_array_add(arr, h);
	}
	return (arr);
}

/* The file entry of delta i. Caller puts. */
static struct json_object *
diff_file(struct diff_ctx *d, size_t i)
{
	struct json_object	*o;
	const git_diff_delta	*delta = git_diff_get_delta(d->diff, i);
	git_patch		*patch = NULL;
	const char		*status, *path;
	size_t			 ctx, add = 0, del = 0;
	int			 binary;

	switch (delta->status) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_UNTRACKED:
	case GIT_DELTA_COPIED:
		status = "added";
		break;
	case GIT_DELTA_DELETED:
		status = "deleted";
		break;
	case GIT_DELTA_RENAMED:
		status = "renamed";
		break;
	case GIT_DELTA_TYPECHANGE:
		status = "typechange";
		break;
	default:
		status = "modified";
		break;
	}
	path = delta->status == GIT_DELTA_DELETED ? delta->old_file.path :
	    delta->new_file.path;
	o = json_object_new_object();
	json_object_object_add(o, "path", diff_string(path, strlen(path)));
	json_object_object_add(o, "oldPath", delta->status != GIT_DELTA_RENAMED ?
	    NULL : diff_string(delta->old_file.path, strlen(delta->old_file.path)));
	json_object_object_add(o, "status", json_object_new_string(status));

	binary = delta->status == GIT_DELTA_UNREADABLE || !diff_readable(d, delta);
	if (!binary && git_patch_from_diff(&patch, d->diff, i) != 0)
		binary = 1;
	if (patch != NULL)
		binary = (git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY) != 0;
	if (patch != NULL && !binary)
		git_patch_line_stats(&ctx, &add, &del, patch);
	d->insertions += (int64_t)add;
	d->deletions += (int64_t)del;
	json_object_object_add(o, "binary", json_object_new_boolean(binary));
	json_object_object_add(o, "insertions", json_object_new_int64((int64_t)add));
	json_object_object_add(o, "deletions", json_object_new_int64((int64_t)del));
	json_object_object_add(o, "hunks", patch != NULL && !binary ?
	    diff_hunks(d, patch) : json_object_new_array());
	git_patch_free(patch);
	return (o);
}

static int
api_session_diff_exec(struct req *req)
{
	struct diff_ctx		 d;
	struct json_object	*o, *files, *stats;
	git_diff_options	 opts;
	git_diff_find_options	 fopts;
	git_commit		*head = NULL, *base = NULL;
	git_tree		*tree = NULL;
	sqlite3_stmt		*st;
	char			*wd = NULL, *hex = NULL, *machine = NULL;
	size_t			 i, n;

	memset(&d, 0, sizeof d);
	d.rootfd = -1;
	d.lines = DIFF_LINES_MAX;

	if ((st = query_session(req, Q_SESSION_DIFF)) == NULL)
		return (0);
	wd = xstrdup((const char *)sqlite3_column_text(st, 0));
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		hex = xstrdup((const char *)sqlite3_column_text(st, 1));
	machine = xstrdup((const char *)sqlite3_column_text(st, 2));
	query_done(st);
	if (strcmp(machine, "local") != 0) {
		reply_error(req, AGD_ERR_BAD_DIRECTORY,
		    "the worktree of %s is on machine %s, not here", req->name,
		    machine);
		goto out;
	}
	if (diff_open(req, wd, &d) == -1 ||
	    diff_base(req, &d, hex, &head, &base) == -1)
		goto out;
	if (base != NULL && git_commit_tree(&tree, base) != 0) {
		diff_git_error(req, "tree");
		goto out;
	}

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
	    GIT_DIFF_SHOW_UNTRACKED_CONTENT | GIT_DIFF_INCLUDE_TYPECHANGE;
	opts.ignore_submodules = GIT_SUBMODULE_IGNORE_ALL;
	opts.context_lines = DIFF_CONTEXT_LINES;
	opts.max_size = DIFF_FILE_BYTES_MAX;
	if (git_diff_tree_to_workdir_with_index(&d.diff, d.repo, tree, &opts) != 0) {
		diff_git_error(req, "diff");
		goto out;
	}
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_FOR_UNTRACKED;
	fopts.rename_limit = DIFF_RENAME_LIMIT;
	if (git_diff_find_similar(d.diff, &fopts) != 0) {
		diff_git_error(req, "renames");
		goto out;
	}

	n = git_diff_num_deltas(d.diff);
	files = json_object_new_array();
	for (i = 0; i < n && i < DIFF_FILES_MAX; i++)
		json_object_array_add(files, diff_file(&d, i));
	if (n > DIFF_FILES_MAX)
		d.truncated = 1;
	stats = json_object_new_object();
	json_object_object_add(stats, "files", json_object_new_int64((int64_t)n));
	json_object_object_add(stats, "insertions", json_object_new_int64(d.insertions));
	json_object_object_add(stats, "deletions", json_object_new_int64(d.deletions));
	o = json_object_new_object();
	json_object_object_add(o, "session", json_object_new_string(req->name));
	json_object_object_add(o, "base", diff_oid(base));
	json_object_object_add(o, "head", diff_oid(head));
	json_object_object_add(o, "stats", stats);
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "truncated", json_object_new_boolean(d.truncated));
	reply_json_put(req, 200, o);
out:
	git_diff_free(d.diff);
	git_tree_free(tree);
	git_commit_free(base);
	git_commit_free(head);
	git_repository_free(d.repo);
	if (d.rootfd != -1)
		close(d.rootfd);
	free(machine);
	free(hex);
	free(wd);
	return (0);
}
