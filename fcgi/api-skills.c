/*
 * GET /api/agents/skills[?cwd=DIR]: the installed agent skills, one per
 * SKILL.md under ~/.claude/skills (agent "claude"), ~/.codex/skills ("codex"),
 * ~/.openclaw/skills ("openclaw") and, with ?cwd, DIR/.claude/skills (scope
 * "project"; DIR as for upload: under the home or a session's working
 * directory).
 *
 * The directories are the ones each agent kind loads skills from, as the daemon
 * publishes them (agent_kinds, sql/0005), under the home (home.c: $HOME of the
 * stack) and the project. The reply is a bare array, as the seed's clients read
 * it (X-Agentd-Truncated: true when a bound below cut it short).
 * Each: {name, description, agent, scope, path, userInvocable}, from the YAML
 * front matter (the lines between a first line "---" and the next "---" or
 * "..."), parsed by libyaml's document loader (aliases are references there,
 * not copies, so a small document cannot grow). name defaults to the
 * directory's name, userInvocable (user-invocable or userInvocable) to true.
 * A SKILL.md that cannot be read or parsed is listed with "error" instead of
 * failing the request.
 *
 * Bounded: the front matter to SKILLS_FRONT_MAX bytes, the search to
 * SKILLS_DEPTH levels below a skills directory, SKILLS_DIRS_MAX directories
 * and SKILLS_MAX skills. Everything is opened beneath the home (or DIR) fd,
 * so a symlinked skill is followed only while it stays inside.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "api.h"
#include "json.h"
#include "log.h"
#include "xmalloc.h"

/* Bytes of a SKILL.md read for its front matter; a skill's header is far smaller. */
#define SKILLS_FRONT_MAX	(64 * 1024)
#define SKILLS_DEPTH		4
#define SKILLS_DIRS_MAX		4096
#define SKILLS_MAX		1000

struct skills_scan {
	struct json_object	*arr;
	int			 rootfd;	/* the home, or ?cwd */
	const char		*rootpath;	/* its canonical path */
	const char		*agent;
	const char		*scope;
	int			 dirs;		/* directories opened */
	int			 count;		/* skills listed */
};

/* An agent kind's row of agent_kinds: name, user and project skill directories. */
#define SKILLS_KIND_NAME	0
#define SKILLS_KIND_USER	1
#define SKILLS_KIND_PROJECT	2
#define SKILLS_KINDS_MAX	32	/* the daemon knows a handful; more is not ours */
struct skills_kind {
	char	*col[3];
};

static int	api_skills_exec(struct req *);
static int	api_skills_kinds(struct req *, struct skills_kind *);
static void	api_skills_kinds_free(struct skills_kind *, int);
static void	api_skills_dirs(struct skills_scan *, const char *);
static void	api_skills_dir(struct skills_scan *, const char *, int);
static void	api_skills_one(struct skills_scan *, const char *,
		    const char *);
static char	*api_skills_read(int, const char *, size_t *, char **);
static int	api_skills_front(const char *, size_t, const char **,
		    size_t *, char **);
static int	api_skills_parse(const char *, size_t, struct json_object *,
		    char **);
static int	api_skills_bool(const char *, int *);
static int	api_skills_namecmp(const void *, const void *);

const struct api_entry api_skills_entry = {
	.method = "GET",
	.path = "/api/agents/skills",
	.flags = 0,
	.exec = api_skills_exec
};

static int
api_skills_namecmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Read up to SKILLS_FRONT_MAX + 1 bytes of the regular file rel. */
static char *
api_skills_read(int rootfd, const char *rel, size_t *len, char **cause)
{
	struct stat	 sb;
	char		 proc[64], *buf;
	ssize_t		 n;
	size_t		 used = 0;
	int		 pfd, fd;

	if ((pfd = path_open(rootfd, rel, 0)) == -1) {
		xasprintf(cause, "cannot open: %s", strerror(errno));
		return (NULL);
	}
	if (fstat(pfd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(pfd);
		*cause = xstrdup("not a regular file");
		return (NULL);
	}
	/* Reopen the very file path_open found, for reading. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	close(pfd);
	if (fd == -1) {
		xasprintf(cause, "cannot read: %s", strerror(errno));
		return (NULL);
	}
	buf = xmalloc(SKILLS_FRONT_MAX + 2);
	while (used < SKILLS_FRONT_MAX + 1) {
		n = read(fd, buf + used, SKILLS_FRONT_MAX + 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "cannot read: %s", strerror(errno));
			close(fd);
			free(buf);
			return (NULL);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return (buf);
}

/*
 * Find the front matter in buf: the lines after a first line "---" up to a
 * line "---" or "...". 0 with *front, *flen; -1 with *cause.
 */
static int
api_skills_front(const char *buf, size_t len, const char **front,
    size_t *flen, char **cause)
{
	const char	*p = buf, *end = buf + len, *line, *eol, *le;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	*front = p;
	for (line = p; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			if (len > SKILLS_FRONT_MAX)
				break;
			eol = end;
		}
		le = eol;
		if (le > line && le[-1] == '\r')
			le--;
		while (le > line && (le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if (line == p) {
			if (le - line != 3 || memcmp(line, "---", 3) != 0) {
				*cause = xstrdup("no front matter (the first "
				    "line is not ---)");
				return (-1);
			}
			*front = eol < end ? eol + 1 : end;
			continue;
		}
		if (le - line == 3 && (memcmp(line, "---", 3) == 0 ||
		    memcmp(line, "...", 3) == 0)) {
			*flen = (size_t)(line - *front);
			return (0);
		}
		if (eol == end)
			break;
	}
	if (line == p) {
		*cause = xstrdup("empty file");
		return (-1);
	}
	xasprintf(cause, "front matter not closed (within %d bytes)",
	    SKILLS_FRONT_MAX);
	return (-1);
}

/* YAML 1.1 and 1.2 booleans. 0 with *out, -1 if s is not one. */
static int
api_skills_bool(const char *s, int *out)
{
	static const char *yes[] = { "true", "yes", "on", "y" };
	static const char *no[] = { "false", "no", "off", "n" };
	size_t	i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

/*
 * Parse the front matter (len bytes) into o: name, description,
 * userInvocable. 0, or -1 with *cause.
 */
static int
api_skills_parse(const char *text, size_t len, struct json_object *o,
    char **cause)
{
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root, *k, *v;
	yaml_node_pair_t	*pair;
	const char		*key, *val;
	int			 rc = -1, b;

	if (!yaml_parser_initialize(&parser)) {
		*cause = xstrdup("yaml: out of memory");
		return (-1);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		xasprintf(cause, "yaml: %s at line %lu, column %lu",
		    parser.problem != NULL ? parser.problem : "error",
		    (unsigned long)parser.problem_mark.line + 2,
		    (unsigned long)parser.problem_mark.column + 1);
		yaml_parser_delete(&parser);
		return (-1);
	}
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		*cause = xstrdup("empty front matter");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		*cause = xstrdup("front matter is not a mapping");
		goto out;
	}
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&doc, pair->key);
		v = yaml_document_get_node(&doc, pair->value);
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		key = (const char *)k->data.scalar.value;
		if (strcmp(key, "name") != 0 &&
		    strcmp(key, "description") != 0 &&
		    strcmp(key, "user-invocable") != 0 &&
		    strcmp(key, "userInvocable") != 0)
			continue;
		if (v->type != YAML_SCALAR_NODE) {
			xasprintf(cause, "%s: not a scalar", key);
			goto out;
		}
		val = (const char *)v->data.scalar.value;
		if (memchr(val, '\0', v->data.scalar.length) != NULL) {
			xasprintf(cause, "%s: NUL byte", key);
			goto out;
		}
		if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0)
			json_object_object_add(o, key,
			    json_object_new_string_len(val,
			    (int)v->data.scalar.length));
		else if (api_skills_bool(val, &b) == -1) {
			xasprintf(cause, "%s: not a boolean", key);
			goto out;
		} else
			json_object_object_add(o, "userInvocable",
			    json_object_new_boolean(b));
	}
	rc = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return (rc);
}

/* The skill whose SKILL.md is dirrel/SKILL.md; name is the directory's. */
static void
api_skills_one(struct skills_scan *sc, const char *dirrel, const char *name)
{
	struct json_object	*o, *v;
	const char		*front;
	char			*rel, *buf, *cause = NULL, *path;
	size_t			 len, flen;

	xasprintf(&rel, "%s/SKILL.md", dirrel);
	path = path_join(sc->rootpath, rel);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "description", NULL);
	json_object_object_add(o, "agent", json_object_new_string(sc->agent));
	json_object_object_add(o, "scope", json_object_new_string(sc->scope));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "userInvocable", json_object_new_boolean(1));
	if ((buf = api_skills_read(sc->rootfd, rel, &len, &cause)) != NULL) {
		if (api_skills_front(buf, len, &front, &flen, &cause) == 0)
			api_skills_parse(front, flen, o, &cause);
		free(buf);
	}
	if (cause != NULL) {
		json_object_object_add(o, "error",
		    json_object_new_string(cause));
		free(cause);
	}
	/* An empty or non-UTF-8 name is no name. */
	if (!json_object_object_get_ex(o, "name", &v) ||
	    json_object_get_string_len(v) == 0)
		json_object_object_add(o, "name", json_object_new_string(name));
	json_object_array_add(sc->arr, o);
	sc->count++;
	free(path);
	free(rel);
}

/*
 * Look for SKILL.md in rel (beneath sc->rootfd) and depth more levels below.
 * Errors only make the search skip a directory.
 */
static void
api_skills_dir(struct skills_scan *sc, const char *rel, int depth)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dir;
	char		**names = NULL, *sub;
	size_t		 n = 0, i;
	int		 pfd, dfd;

	if (sc->dirs++ >= SKILLS_DIRS_MAX || sc->count >= SKILLS_MAX)
		return;
	if ((pfd = path_open(sc->rootfd, rel, 0)) == -1)
		return;
	dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (dfd == -1)
		return;
	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(dir)) != NULL && n < SKILLS_DIRS_MAX) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_LNK &&
		    de->d_type != DT_UNKNOWN)
			continue;
		if (n % 64 == 0)
			names = xreallocarray(names, n + 64, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof *names, api_skills_namecmp);
	for (i = 0; i < n; i++) {
		xasprintf(&sub, "%s/%s", rel, names[i]);
		/* A directory (or a link to one) with a SKILL.md is a skill. */
		pfd = path_open(sc->rootfd, sub, 0);
		if (pfd != -1 && fstat(pfd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (fstatat(pfd, "SKILL.md", &sb,
			    AT_SYMLINK_NOFOLLOW) == 0) {
				if (sc->count < SKILLS_MAX)
					api_skills_one(sc, sub, names[i]);
			} else if (depth > 0)
				api_skills_dir(sc, sub, depth - 1);
		}
		if (pfd != -1)
			close(pfd);
		free(sub);
		free(names[i]);
	}
	free(names);
}

/*
 * Scan the blank-separated directories of dirs (relative to sc->rootfd) for the
 * agent named sc->agent.
 */
static void
api_skills_dirs(struct skills_scan *sc, const char *dirs)
{
	char	*copy, *p, *w;

	copy = xstrdup(dirs);
	for (p = copy; (w = strsep(&p, " \t")) != NULL;) {
		if (*w != '\0')
			api_skills_dir(sc, w, SKILLS_DEPTH - 1);
	}
	free(copy);
}

/*
 * The agent kinds the daemon published (sql/0005-agent-kinds.sql): name and skill
 * directories, at most SKILLS_KINDS_MAX. Returns the count, or -1 (error replied).
 */
static int
api_skills_kinds(struct req *req, struct skills_kind *kinds)
{
	sqlite3_stmt	*st;
	char		*cause;
	int		 n = 0, rc, i;

	if ((st = query_stmt(Q_AGENT_KINDS, &cause)) == NULL) {
		query_reply_error(req, cause);
		return (-1);
	}
	while ((rc = query_step(st, &cause)) == 1 && n < SKILLS_KINDS_MAX) {
		for (i = 0; i < 3; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			kinds[n].col[i] = xstrdup(t != NULL ? (const char *)t : "");
		}
		n++;
	}
	query_done(st);
	if (rc == -1) {
		api_skills_kinds_free(kinds, n);
		query_reply_error(req, cause);
		return (-1);
	}
	return (n);
}

static void
api_skills_kinds_free(struct skills_kind *kinds, int n)
{
	int	i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 3; j++)
			free(kinds[i].col[j]);
	}
}

static int
api_skills_exec(struct req *req)
{
	struct skills_kind	 kinds[SKILLS_KINDS_MAX];
	struct skills_scan	 sc;
	struct home_dir		 hd;
	const char		*cwd;
	char			*canon;
	int			 homefd, nkinds, i;

	memset(&sc, 0, sizeof sc);
	hd.fd = -1;
	hd.path = NULL;
	if ((cwd = request_query(req, "cwd")) != NULL && *cwd != '\0' &&
	    home_session_dir(req, cwd, &hd) == -1)
		return (0);
	if ((nkinds = api_skills_kinds(req, kinds)) == -1) {
		home_dir_close(&hd);
		return (0);
	}
	sc.arr = json_object_new_array();
	if ((homefd = path_root_open(home_root(), &canon)) != -1) {
		sc.rootfd = homefd;
		sc.rootpath = canon;
		sc.scope = "user";
		for (i = 0; i < nkinds; i++) {
			sc.agent = kinds[i].col[SKILLS_KIND_NAME];
			api_skills_dirs(&sc, kinds[i].col[SKILLS_KIND_USER]);
		}
		close(homefd);
		free(canon);
	} else
		log_debug("home %s: %s", home_root(), strerror(errno));
	if (hd.fd != -1) {
		sc.rootfd = hd.fd;
		sc.rootpath = hd.path;
		sc.scope = "project";
		for (i = 0; i < nkinds; i++) {
			sc.agent = kinds[i].col[SKILLS_KIND_NAME];
			api_skills_dirs(&sc, kinds[i].col[SKILLS_KIND_PROJECT]);
		}
		home_dir_close(&hd);
	}
	api_skills_kinds_free(kinds, nkinds);
	/* A bare array, as the seed's clients read it; the truncation in a header. */
	reply_json_headers(req, 200, sc.count >= SKILLS_MAX || sc.dirs > SKILLS_DIRS_MAX ?
	    "X-Agentd-Truncated: true\r\n" : "X-Agentd-Truncated: false\r\n", sc.arr);
	json_object_put(sc.arr);
	return (0);
}
