/*
 * GET /api/agents/files?path=P&offset=N&limit=M: one page of the entries of
 * a directory under the home (home.c confines P), directories first, then by
 * name (bytes).
 *
 * A directory may hold 100 000 entries; stat()ing each would be the cost. So
 * the names and their d_type come from readdir alone (stat only where the
 * filesystem gives DT_UNKNOWN), they are sorted, and only the entries of the
 * requested page are stat()ed (lstat semantics: a symlink is a "symlink").
 * At most FILES_ENTRIES_MAX names are read; past that the reply says
 * "truncated" and the order covers the names read.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "json.h"
#include "util.h"
#include "xmalloc.h"

/* Entries a reply unless ?limit says, and at most: a listing is one JSON reply in memory. */
#define FILES_LIMIT_DEFAULT	200
#define FILES_LIMIT_MAX		5000
#define FILES_ENTRIES_MAX	(1024 * 1024)	/* names read (<= ~40 MiB) */

struct files_entry {
	uint64_t	 key;		/* class bit, then the first bytes */
	char		*name;
	unsigned char	 type;		/* DT_* */
};

static int	api_files_exec(struct req *);
static int	api_files_cmp(const void *, const void *);
static void	api_files_select(struct files_entry *, size_t, size_t);
static uint64_t	api_files_key(const char *, int);
static const char *api_files_type(mode_t);

const struct api_entry api_files_entry = {
	.method = "GET",
	.path = "/api/agents/files",
	.flags = 0,
	.exec = api_files_exec
};

/*
 * The sort key: 0 in the top bit for directories (first), then the first 7
 * bytes of the name, big-endian, so that comparing keys orders as strcmp()
 * would for those bytes; only equal keys need the names.
 */
static uint64_t
api_files_key(const char *name, int dir)
{
	uint64_t	k = dir ? 0 : 1;
	int		i;

	for (i = 0; i < 7; i++) {
		k = k << 8 | (unsigned char)*name;
		if (*name != '\0')
			name++;
	}
	return (k);
}

static int
api_files_cmp(const void *a, const void *b)
{
	const struct files_entry	*ea = a, *eb = b;

	if (ea->key != eb->key)
		return (ea->key < eb->key ? -1 : 1);
	return (strcmp(ea->name, eb->name));
}

/*
 * Move the k smallest of the n entries to the front, in any order
 * (quickselect, median of three); falls back to sorting all of them if the
 * pivots keep being bad. Then only those k need sorting: for the first page
 * of a huge directory that is O(n), not O(n log n).
 */
static void
api_files_select(struct files_entry *e, size_t n, size_t k)
{
	struct files_entry	 pivot, tmp;
	size_t			 lo = 0, hi = n - 1, i, j, mid, budget = 64;

	if (k >= n)
		return;
	while (lo < hi) {
		if (budget-- == 0) {
			qsort(e + lo, hi - lo + 1, sizeof *e, api_files_cmp);
			return;
		}
		mid = lo + (hi - lo) / 2;
		if (api_files_cmp(&e[mid], &e[lo]) < 0) {
			tmp = e[mid]; e[mid] = e[lo]; e[lo] = tmp;
		}
		if (api_files_cmp(&e[hi], &e[lo]) < 0) {
			tmp = e[hi]; e[hi] = e[lo]; e[lo] = tmp;
		}
		if (api_files_cmp(&e[hi], &e[mid]) < 0) {
			tmp = e[hi]; e[hi] = e[mid]; e[mid] = tmp;
		}
		pivot = e[mid];
		i = lo;
		j = hi;
		for (;;) {
			while (api_files_cmp(&e[i], &pivot) < 0)
				i++;
			while (api_files_cmp(&e[j], &pivot) > 0)
				j--;
			if (i >= j)
				break;
			tmp = e[i]; e[i] = e[j]; e[j] = tmp;
			i++;
			j--;
		}
		/* Now e[lo..j] <= pivot <= e[j+1..hi]. */
		if (k <= j)
			hi = j;
		else
			lo = j + 1;
	}
}

static const char *
api_files_type(mode_t mode)
{
	if (S_ISREG(mode))
		return ("file");
	if (S_ISDIR(mode))
		return ("dir");
	if (S_ISLNK(mode))
		return ("symlink");
	return ("other");
}

static int
api_files_exec(struct req *req)
{
	struct home_dir		 hd;
	struct stat		 sb;
	struct files_entry	*ents = NULL;
	struct json_object	*o, *arr, *e;
	struct dirent		*de;
	DIR			*dir = NULL;
	const char		*path, *slash;
	char			*names = NULL, when[32];
	size_t			 n = 0, cap = 0, nlen = 0, ncap = 0, len, i;
	uint64_t		 offset, limit;
	int			 dfd, truncated = 0, err;

	if (request_query_u64(req, "offset", 0, UINT32_MAX, &offset) == -1 ||
	    request_query_u64(req, "limit", FILES_LIMIT_DEFAULT,
	    FILES_LIMIT_MAX, &limit) == -1)
		return (0);
	if ((path = request_query(req, "path")) == NULL || *path == '\0')
		path = "~";
	if (home_open(req, path, &hd) == -1)
		return (0);
	if (fstat(hd.fd, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		reply_error(req, AGD_ERR_NOT_A_DIRECTORY, "%.*s: not a directory",
		    PATH_LEN_MAX, path);
		goto out;
	}
	if ((dfd = openat(hd.fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (dir = fdopendir(dfd)) == NULL) {
		err = errno;
		if (dfd != -1)
			close(dfd);
		home_reply_errno(req, err, path);
		goto out;
	}

	/* Names into one buffer (offsets first: it moves as it grows). */
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (home_forbidden_entry(hd.fd, hd.path, de->d_name))
			continue;	/* the state, credentials, startup files */
		if (n == FILES_ENTRIES_MAX) {
			truncated = 1;
			break;
		}
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			ents = xreallocarray(ents, cap, sizeof *ents);
		}
		len = strlen(de->d_name) + 1;
		if (nlen + len > ncap) {
			ncap = ncap == 0 ? 16384 : ncap * 2;
			names = xrealloc(names, ncap);
		}
		memcpy(names + nlen, de->d_name, len);
		ents[n].name = (char *)(uintptr_t)nlen;
		ents[n].type = de->d_type;
		if (de->d_type == DT_UNKNOWN &&
		    fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			ents[n].type = S_ISDIR(sb.st_mode) ? DT_DIR : DT_REG;
		nlen += len;
		n++;
		errno = 0;
	}
	if (de == NULL && errno != 0) {
		home_reply_errno(req, errno, path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		ents[i].name = names + (uintptr_t)ents[i].name;
		ents[i].key = api_files_key(ents[i].name,
		    ents[i].type == DT_DIR);
	}
	if (offset < n) {
		api_files_select(ents, n, offset + limit);
		qsort(ents, offset + limit < n ? offset + limit : n,
		    sizeof *ents, api_files_cmp);
	}

	arr = json_object_new_array_ext(limit < n ? (int)limit : (int)n);
	for (i = offset; i < n && i < offset + limit; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "name",
		    json_object_new_string(ents[i].name));
		json_object_object_add(e, "isDirectory",
		    json_object_new_boolean(ents[i].type == DT_DIR));
		if (fstatat(dfd, ents[i].name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			json_object_object_add(e, "type",
			    json_object_new_string(api_files_type(sb.st_mode)));
			json_object_object_add(e, "size",
			    json_object_new_int64((int64_t)sb.st_size));
			agd_iso8601(sb.st_mtime, when, sizeof when);
			json_object_object_add(e, "mtime",
			    json_object_new_string(when));
		} else {
			/* Gone since readdir: say what readdir said. */
			json_object_object_add(e, "type",
			    json_object_new_string(ents[i].type == DT_DIR ?
			    "dir" : "other"));
			json_object_object_add(e, "size", NULL);
			json_object_object_add(e, "mtime", NULL);
		}
		json_object_array_add(arr, e);
	}

	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(hd.path));
	if (hd.root || (slash = strrchr(hd.path, '/')) == NULL)
		json_object_object_add(o, "parent", NULL);
	else
		json_object_object_add(o, "parent", json_object_new_string_len(
		    hd.path, slash == hd.path ? 1 : (int)(slash - hd.path)));
	json_object_object_add(o, "files", arr);
	json_object_object_add(o, "total", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "offset",
	    json_object_new_int64((int64_t)offset));
	json_object_object_add(o, "limit",
	    json_object_new_int64((int64_t)limit));
	json_object_object_add(o, "truncated",
	    json_object_new_boolean(truncated));
	reply_json_put(req, 200, o);
out:
	if (dir != NULL)
		closedir(dir);
	free(ents);
	free(names);
	home_dir_close(&hd);
	return (0);
}
