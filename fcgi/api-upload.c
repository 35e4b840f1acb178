/*
 * POST /api/agents/upload (multipart/form-data): up to UPLOAD_FILES_MAX files
 * of up to UPLOAD_FILE_MAX bytes each into a working directory, all or
 * nothing.
 *
 * The directory is the workingDirectory (or cwd) form field, which must come
 * before the first file, else ?cwd= (older clients); it is in a project root,
 * or exactly the working directory of a live session the caller may change,
 * and never agentd's state, a deny_paths entry or another user's session's
 * directory (home_upload_dir). Each file name is checked against the
 * deny-list too (~/.bashrc is a name in the home). It is resolved
 * once, to a directory fd, when the first file starts: every file is created
 * and renamed relative to that fd, never by path, so swapping a directory on
 * the way for a symlink during the upload changes nothing.
 *
 * The body is streamed (API_BODY_STREAM: nginx does not buffer it either,
 * see conf/): read UPLOAD_CHUNK bytes at a time and fed to the multipart
 * parser, each file written as it comes to a temporary name
 * ".agentd-upload-XXXXXX" (O_CREAT|O_EXCL|O_NOFOLLOW) in the target
 * directory. Only when the whole body has been read and every part was good
 * are the files renamed into place: renameat2(RENAME_NOREPLACE), or with
 * overwrite=1 RENAME_EXCHANGE over an existing file, so that the old file is
 * kept until every rename has worked. If one fails, the renames already done
 * are undone. A reader never sees half a file, and a failed upload leaves
 * nothing behind.
 *
 * After an error the rest of the body (up to UPLOAD_BODY_MAX) is read and
 * dropped, so that nginx, still sending it, gets the reply rather than a
 * broken pipe.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agd.h"
#include "api.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Files in one upload, the size of each, and of a non-file field (a directory path). */
#define UPLOAD_FILES_MAX	5
#define UPLOAD_FILE_MAX		(10 * 1024 * 1024)
#define UPLOAD_FIELD_MAX	4096
/* The files and 1 MiB for the rest; nginx's client_max_body_size is 51m. */
#define UPLOAD_BODY_MAX		((uint64_t)UPLOAD_FILES_MAX * UPLOAD_FILE_MAX \
				    + 1024 * 1024)
#define UPLOAD_CHUNK		(64 * 1024)	/* body bytes read at a time */
#define UPLOAD_TMP_PREFIX	".agentd-upload-"

enum upload_field {
	UPLOAD_NONE,		/* a field we do not use */
	UPLOAD_WORKDIR,
	UPLOAD_OVERWRITE,
	UPLOAD_FILE,
	UPLOAD_SKIP		/* a file input left empty */
};

struct upload_file {
	char		*name;
	char		 tmp[32];
	uint64_t	 size;
	int		 fd;		/* while being written */
	int		 state;
#define UPLOAD_TEMP	0		/* under tmp */
#define UPLOAD_PLACED	1		/* renamed to name */
#define UPLOAD_SWAPPED	2		/* exchanged: the old file is at tmp */
};

struct upload {
	struct req		*req;
	struct home_dir		 dir;
	int			 have_dir;
	int			 failed;	/* replied with an error */
	const char		*cwd;		/* ?cwd= */
	char			*workdir;	/* the form field */
	int			 overwrite;
	enum upload_field	 part;
	char			 value[UPLOAD_FIELD_MAX + 1];
	size_t			 valuelen;
	struct upload_file	 files[UPLOAD_FILES_MAX];
	int			 nfiles;
};

static int	api_upload_exec(struct req *);
static int	api_upload_fail(struct upload *, enum agd_err, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static int	api_upload_target(struct upload *);
static int	api_upload_begin(void *, const struct multipart_part *);
static int	api_upload_data(void *, const char *, size_t);
static int	api_upload_end(void *);
static int	api_upload_commit(struct upload *);
static void	api_upload_cleanup(struct upload *);

const struct api_entry api_upload_entry = {
	.method = "POST",
	.path = "/api/agents/upload",
	.flags = API_BODY_STREAM,
	.exec = api_upload_exec,
	.role = AGD_ROLE_OPERATOR	/* written here, not by the daemon */
};

static const struct multipart_cb api_upload_cb = {
	.part_begin = api_upload_begin,
	.part_data = api_upload_data,
	.part_end = api_upload_end
};

/* Reply with an error (once) and mark the upload failed. Returns -1. */
static int
api_upload_fail(struct upload *up, enum agd_err code, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (!up->failed) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) == -1)
			fatalx("%s: out of memory", __func__);
		va_end(ap);
		reply_error(up->req, code, "%s", msg);
		free(msg);
	}
	up->failed = 1;
	return (-1);
}

/* Resolve the target directory, at the first file. 0 or -1 (replied). */
static int
api_upload_target(struct upload *up)
{
	struct stat	 sb;
	const char	*path;

	if (up->have_dir)
		return (0);
	if ((path = up->workdir) == NULL && (path = up->cwd) == NULL)
		return (api_upload_fail(up, AGD_ERR_INVALID_FIELD, "workingDirectory "
		    "(or ?cwd=) must come before the files"));
	if (home_upload_dir(up->req, path, &up->dir) == -1) {
		up->failed = 1;
		return (-1);
	}
	up->have_dir = 1;
	if (fstat(up->dir.fd, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return (api_upload_fail(up, AGD_ERR_NOT_A_DIRECTORY,
		    "%.*s: not a directory", PATH_LEN_MAX, path));
	return (0);
}

static int
api_upload_begin(void *arg, const struct multipart_part *p)
{
	static const char	 alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789";
	struct upload		*up = arg;
	struct upload_file	*f;
	unsigned char		 rnd[6];
	size_t			 len, i;
	int			 try, j;

	up->valuelen = 0;
	if (p->filename == NULL) {
		if (strcmp(p->name, "workingDirectory") == 0 ||
		    strcmp(p->name, "cwd") == 0) {
			if (up->nfiles > 0 || up->workdir != NULL)
				return (api_upload_fail(up, AGD_ERR_INVALID_FIELD,
				    "workingDirectory must be given once, "
				    "before the files"));
			up->part = UPLOAD_WORKDIR;
		} else if (strcmp(p->name, "overwrite") == 0)
			up->part = UPLOAD_OVERWRITE;
		else
			up->part = UPLOAD_NONE;
		return (0);
	}
	if (*p->filename == '\0') {
		up->part = UPLOAD_SKIP;	/* a file input left empty */
		return (0);
	}
	len = strlen(p->filename);
	if (!path_valid_filename(p->filename, len) ||
	    !agd_utf8_valid(p->filename, len) ||
	    strncmp(p->filename, UPLOAD_TMP_PREFIX,
	    strlen(UPLOAD_TMP_PREFIX)) == 0)
		return (api_upload_fail(up, AGD_ERR_BAD_FILENAME,
		    "bad file name (one UTF-8 name of at most 255 bytes, "
		    "without / \\ or control characters)"));
	if (up->nfiles == UPLOAD_FILES_MAX)
		return (api_upload_fail(up, AGD_ERR_TOO_LARGE,
		    "more than %d files", UPLOAD_FILES_MAX));
	for (j = 0; j < up->nfiles; j++) {
		if (strcmp(up->files[j].name, p->filename) == 0)
			return (api_upload_fail(up, AGD_ERR_BAD_FILENAME,
			    "%s: sent twice", p->filename));
	}
	if (api_upload_target(up) == -1)
		return (-1);
	if (home_forbidden_entry(up->dir.fd, up->dir.path,
	    p->filename))
		return (api_upload_fail(up, AGD_ERR_FORBIDDEN_PATH, "%s: agentd's "
		    "state, its configuration or a denied path (deny_paths)",
		    p->filename));

	f = &up->files[up->nfiles];
	memset(f, 0, sizeof *f);
	f->fd = -1;
	for (try = 0; try < 16 && f->fd == -1; try++) {
		if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
			fatal("getrandom");
		memcpy(f->tmp, UPLOAD_TMP_PREFIX, strlen(UPLOAD_TMP_PREFIX));
		for (i = 0; i < sizeof rnd; i++)
			f->tmp[strlen(UPLOAD_TMP_PREFIX) + i] =
			    alnum[rnd[i] % (sizeof alnum - 1)];
		f->tmp[strlen(UPLOAD_TMP_PREFIX) + sizeof rnd] = '\0';
		f->fd = openat(up->dir.fd, f->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f->fd == -1 && errno != EEXIST)
			break;
	}
	if (f->fd == -1) {
		home_reply_errno(up->req, errno, up->dir.path);
		up->failed = 1;
		return (-1);
	}
	f->name = xstrdup(p->filename);
	up->nfiles++;
	up->part = UPLOAD_FILE;
	return (0);
}

static int
api_upload_data(void *arg, const char *buf, size_t len)
{
	struct upload		*up = arg;
	struct upload_file	*f;

	switch (up->part) {
	case UPLOAD_FILE:
		f = &up->files[up->nfiles - 1];
		if (f->size + len > UPLOAD_FILE_MAX)
			return (api_upload_fail(up, AGD_ERR_TOO_LARGE,
			    "%s: larger than %d bytes", f->name,
			    UPLOAD_FILE_MAX));
		if (agd_write_all(f->fd, buf, len) == -1) {
			log_warn("upload %s/%s", up->dir.path, f->tmp);
			return (api_upload_fail(up, AGD_ERR_INTERNAL,
			    "%s: write failed: %s", f->name, strerror(errno)));
		}
		f->size += len;
		return (0);
	case UPLOAD_SKIP:
		return (0);
	default:
		if (up->valuelen + len > UPLOAD_FIELD_MAX &&
		    up->part == UPLOAD_WORKDIR)
			return (api_upload_fail(up, AGD_ERR_BAD_PATH,
			    "workingDirectory: longer than %d bytes",
			    PATH_LEN_MAX));
		if (up->valuelen + len > UPLOAD_FIELD_MAX)
			return (api_upload_fail(up, AGD_ERR_TOO_LARGE,
			    "a form field is longer than %d bytes",
			    UPLOAD_FIELD_MAX));
		memcpy(up->value + up->valuelen, buf, len);
		up->valuelen += len;
		return (0);
	}
}

static int
api_upload_end(void *arg)
{
	struct upload		*up = arg;
	struct upload_file	*f;

	up->value[up->valuelen] = '\0';
	switch (up->part) {
	case UPLOAD_FILE:
		f = &up->files[up->nfiles - 1];
		if (close(f->fd) == -1) {
			f->fd = -1;
			return (api_upload_fail(up, AGD_ERR_INTERNAL,
			    "%s: write failed: %s", f->name, strerror(errno)));
		}
		f->fd = -1;
		break;
	case UPLOAD_WORKDIR:
		if (memchr(up->value, '\0', up->valuelen) != NULL ||
		    up->valuelen == 0)
			return (api_upload_fail(up, AGD_ERR_INVALID_FIELD,
			    "workingDirectory: not a path"));
		up->workdir = xstrdup(up->value);
		break;
	case UPLOAD_OVERWRITE:
		if (strcmp(up->value, "1") == 0 ||
		    strcmp(up->value, "true") == 0)
			up->overwrite = 1;
		else if (strcmp(up->value, "0") == 0 ||
		    strcmp(up->value, "false") == 0 || up->valuelen == 0)
			up->overwrite = 0;
		else
			return (api_upload_fail(up, AGD_ERR_INVALID_FIELD,
			    "overwrite: must be 1 or 0"));
		break;
	default:
		break;
	}
	up->part = UPLOAD_NONE;
	return (0);
}

/*
 * Every part was good: put the files in place, all or none. 0, or -1
 * (replied, and whatever was renamed is back as it was).
 */
static int
api_upload_commit(struct upload *up)
{
	struct upload_file	*f;
	struct stat		 sb;
	int			 i, j, err = 0, rc;

	for (i = 0; i < up->nfiles; i++) {
		f = &up->files[i];
		if (fstatat(up->dir.fd, f->name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 &&
		    (!up->overwrite || S_ISDIR(sb.st_mode)))
			return (api_upload_fail(up, AGD_ERR_EXISTS, "%s: exists%s",
			    f->name, S_ISDIR(sb.st_mode) ? " (a directory)" :
			    " (overwrite=1 replaces it)"));
	}
	for (i = 0; i < up->nfiles; i++) {
		f = &up->files[i];
		rc = renameat2(up->dir.fd, f->tmp, up->dir.fd, f->name,
		    RENAME_NOREPLACE);
		if (rc == 0) {
			f->state = UPLOAD_PLACED;
			continue;
		}
		err = errno;
		if (err == EEXIST && up->overwrite &&
		    fstatat(up->dir.fd, f->name, &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(sb.st_mode) && renameat2(up->dir.fd, f->tmp,
		    up->dir.fd, f->name, RENAME_EXCHANGE) == 0) {
			f->state = UPLOAD_SWAPPED;
			continue;
		}
		break;
	}
	if (i == up->nfiles) {
		/* Done: drop the old files that were replaced. */
		for (j = 0; j < up->nfiles; j++) {
			f = &up->files[j];
			if (f->state == UPLOAD_SWAPPED &&
			    unlinkat(up->dir.fd, f->tmp, 0) == -1)
				log_warn("unlink %s/%s", up->dir.path, f->tmp);
			f->state = UPLOAD_PLACED;
		}
		return (0);
	}
	/* Undo, newest first. */
	for (j = i - 1; j >= 0; j--) {
		f = &up->files[j];
		if (f->state == UPLOAD_SWAPPED)
			rc = renameat2(up->dir.fd, f->tmp, up->dir.fd, f->name,
			    RENAME_EXCHANGE);
		else
			rc = renameat2(up->dir.fd, f->name, up->dir.fd, f->tmp,
			    RENAME_NOREPLACE);
		if (rc == -1)
			log_warn("upload: undo %s/%s", up->dir.path, f->name);
		else
			f->state = UPLOAD_TEMP;
	}
	if (err == EEXIST)
		return (api_upload_fail(up, AGD_ERR_EXISTS, "%s: exists",
		    up->files[i].name));
	home_reply_errno(up->req, err, up->files[i].name);
	up->failed = 1;
	return (-1);
}

/* Close and remove whatever temporary file is left. */
static void
api_upload_cleanup(struct upload *up)
{
	struct upload_file	*f;
	int			 i;

	for (i = 0; i < up->nfiles; i++) {
		f = &up->files[i];
		if (f->fd != -1)
			close(f->fd);
		if (f->state != UPLOAD_PLACED &&
		    unlinkat(up->dir.fd, f->tmp, 0) == -1 && errno != ENOENT)
			log_warn("unlink %s/%s", up->dir.path, f->tmp);
		free(f->name);
	}
	up->nfiles = 0;
	free(up->workdir);
	home_dir_close(&up->dir);
}

static int
api_upload_exec(struct req *req)
{
	struct upload		 up;
	struct multipart	*mp = NULL;
	struct json_object	*o, *arr, *e, *paths;
	const char		*ctype, *cl, *cause;
	char			*err, *buf, *path;
	uint64_t		 total = 0;
	int			 n, i;

	memset(&up, 0, sizeof up);
	up.req = req;
	up.dir.fd = -1;
	up.cwd = request_query(req, "cwd");
	if (up.cwd != NULL && *up.cwd == '\0')
		up.cwd = NULL;
	buf = xmalloc(UPLOAD_CHUNK);

	cl = request_param(req, "CONTENT_LENGTH");
	if (cl != NULL && strtoull(cl, NULL, 10) > UPLOAD_BODY_MAX) {
		api_upload_fail(&up, AGD_ERR_TOO_LARGE,
		    "request body larger than %llu bytes",
		    (unsigned long long)UPLOAD_BODY_MAX);
		goto out;	/* nginx refuses these before we see them */
	}
	if ((ctype = request_param(req, "CONTENT_TYPE")) == NULL)
		ctype = "";
	if ((mp = multipart_create(ctype, &api_upload_cb, &up, &err)) ==
	    NULL) {
		if (strncasecmp(ctype, "multipart/form-data", 19) == 0)
			api_upload_fail(&up, AGD_ERR_BAD_MULTIPART, "%s", err);
		else
			api_upload_fail(&up, AGD_ERR_UNSUPPORTED_MEDIA_TYPE,
			    "content type must be multipart/form-data");
		free(err);
		goto drain;
	}
	for (;;) {
		n = FCGX_GetStr(buf, UPLOAD_CHUNK, req->fr->in);
		if (n <= 0)
			break;
		if ((total += (uint64_t)n) > UPLOAD_BODY_MAX) {
			api_upload_fail(&up, AGD_ERR_TOO_LARGE,
			    "request body larger than %llu bytes",
			    (unsigned long long)UPLOAD_BODY_MAX);
			goto out;
		}
		if (multipart_feed(mp, buf, (size_t)n, &cause) == -1) {
			api_upload_fail(&up, AGD_ERR_BAD_MULTIPART, "%s", cause);
			goto drain;
		}
	}
	if (multipart_finish(mp, &cause) == -1) {
		api_upload_fail(&up, AGD_ERR_BAD_MULTIPART, "%s", cause);
		goto out;
	}
	if (up.nfiles == 0) {
		api_upload_fail(&up, AGD_ERR_INVALID_FIELD, "no file in the upload");
		goto out;
	}
	if (api_upload_commit(&up) == -1)
		goto out;

	arr = json_object_new_array();
	paths = json_object_new_array();
	for (i = 0; i < up.nfiles; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "name",
		    json_object_new_string(up.files[i].name));
		json_object_object_add(e, "size",
		    json_object_new_int64((int64_t)up.files[i].size));
		path = path_join(up.dir.path, up.files[i].name);
		json_object_object_add(e, "path", json_object_new_string(path));
		json_object_array_add(paths, json_object_new_string(path));
		free(path);
		json_object_array_add(arr, e);
	}
	o = json_object_new_object();
	/* The seed's clients read the paths written; agentd's objects beside. */
	json_object_object_add(o, "uploaded", paths);
	json_object_object_add(o, "directory",
	    json_object_new_string(up.dir.path));
	json_object_object_add(o, "files", arr);
	reply_json_put(req, 200, o);
	goto out;

drain:
	/* The reply is small and still buffered: nginx sees it after this. */
	request_drain_body(req, total < UPLOAD_BODY_MAX ?
	    UPLOAD_BODY_MAX - total : 0);
out:
	/* Only the daemon writes SQLite: it records the upload in the audit. */
	ctl_audit(req, "files.upload", up.dir.path != NULL ? up.dir.path : up.cwd,
	    up.nfiles);
	multipart_free(mp);
	api_upload_cleanup(&up);
	free(buf);
	return (0);
}
