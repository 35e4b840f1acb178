/*
 * The route table and the dispatcher.
 *
 * A path pattern is a list of '/' separated segments; a segment ":name" matches
 * any one non-empty segment (percent-decoded, then checked with
 * agd_valid_name).
 * When several patterns match a path, those with the most literal segments win,
 * so a literal route such as /api/agents/sessions/x is never shadowed by
 * /api/agents/sessions/:name. No path: 404. A path without the method: 405 with
 * Allow listing the methods the path has. HEAD runs the GET handler (nginx
 * drops the body).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "field.h"
#include "valid.h"
#include "xmalloc.h"

#define ROUTE_ALLOW_MAX	64	/* "GET, POST, DELETE, PUT, PATCH" fits */

/* A request path split into percent-decoded segments. */
struct route_path {
	char	*seg[API_SEGS_MAX];	/* NULL where the escape was bad */
	int	 n;
};

static int	route_split(const char *, struct route_path *);
static void	route_path_free(struct route_path *);
static int	route_match(const char *, const struct route_path *, int *);
static void	route_allow_add(char *, size_t, const char *);

static const struct api_entry *const route_entries[] = {
	&api_session_list_entry,
	&api_session_create_entry,
	&api_session_get_entry,
	&api_session_delete_entry,
	&api_session_output_entry,
	&api_session_message_entry,
	&api_session_reset_entry,
	&api_session_complete_entry,
	&api_session_input_entry,
	&api_session_resize_entry,
	&api_audit_entry,
	&api_session_approval_entry,
	&api_session_limits_entry,
	&api_session_debrief_entry,
	&api_session_debrief_get_entry,
	&api_session_debrief_status_entry,
	&api_world_entry,
	&api_world_totals_entry,
	&api_worker_dispatch_entry,
	&api_worker_list_entry,
	&api_worker_clear_entry,
	&api_session_send_entry,
	&api_session_messages_entry,
	&api_machines_entry,
	&api_directories_entry,
	&api_skills_entry,
	&api_files_entry,
	&api_upload_entry,
	&api_session_diff_entry,
	&api_me_entry,
	&api_metrics_entry,
	NULL
};

/* The route table, NULL-terminated (for unit tests). */
const struct api_entry *const *
route_table(void)
{
	return (route_entries);
}

/* Split uri (up to '?') into rp. -1 if it is not a path we could serve. */
static int
route_split(const char *uri, struct route_path *rp)
{
	const char	*p, *e, *end;

	memset(rp, 0, sizeof *rp);
	if ((end = strchr(uri, '?')) == NULL)
		end = uri + strlen(uri);
	if (*uri != '/' || end - uri > API_PATH_MAX)
		return (-1);
	for (p = uri + 1;; p = e + 1) {
		if ((e = memchr(p, '/', (size_t)(end - p))) == NULL)
			e = end;
		if (rp->n == API_SEGS_MAX) {
			route_path_free(rp);
			return (-1);
		}
		if (request_pct_decode(p, (size_t)(e - p), 0,
		    &rp->seg[rp->n]) == -1)
			rp->seg[rp->n] = NULL;
		rp->n++;
		if (e == end)
			break;
	}
	return (0);
}

static void
route_path_free(struct route_path *rp)
{
	int	i;

	for (i = 0; i < rp->n; i++)
		free(rp->seg[i]);
	rp->n = 0;
}

/*
 * Match rp against pattern. Returns -1 if it does not match, else the number
 * of literal segments; *param is the index of the ":name" segment or -1.
 */
static int
route_match(const char *pattern, const struct route_path *rp, int *param)
{
	const char	*p, *e;
	size_t		 len;
	int		 i = 0, literal = 0;

	*param = -1;
	for (p = pattern + 1;; p = e + 1) {
		if ((e = strchr(p, '/')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (i >= rp->n)
			return (-1);
		if (*p == ':') {
			if (rp->seg[i] != NULL && rp->seg[i][0] == '\0')
				return (-1);
			*param = i;
		} else {
			if (rp->seg[i] == NULL || strlen(rp->seg[i]) != len ||
			    memcmp(rp->seg[i], p, len) != 0)
				return (-1);
			literal++;
		}
		i++;
		if (*e == '\0')
			break;
	}
	return (i == rp->n ? literal : -1);
}

/* Append method to the Allow list unless it is there already. */
static void
route_allow_add(char *allow, size_t size, const char *method)
{
	const char	*p = allow;
	size_t		 len = strlen(method), used = strlen(allow);

	while (*p != '\0') {
		if (strncmp(p, method, len) == 0 &&
		    (p[len] == '\0' || p[len] == ','))
			return;
		if ((p = strchr(p, ',')) == NULL)
			break;
		p += 2;
	}
	snprintf(allow + used, size - used, "%s%s", used > 0 ? ", " : "",
	    method);
}

/*
 * The role a route needs. Reading needs viewer; a change sent to the daemon is
 * decided there (operator, whose session, bypassPermissions...) so that refusals
 * are audited too; a route may ask for a role itself (e.g. admin for the audit).
 * 0, or reply 403 naming the role and return -1.
 */
static int
route_role_check(struct req *req, const struct api_entry *e)
{
	int	need = e->role;

	if (need == 0 && strcmp(e->method, "GET") != 0)
		return (0);
	if (need == 0)
		need = AGD_ROLE_VIEWER;
	if (req->role >= need)
		return (0);
	reply_error(req, AGD_ERR_FORBIDDEN, need == AGD_ROLE_VIEWER ?
	    "forbidden: needs the viewer role" : need == AGD_ROLE_OPERATOR ?
	    "forbidden: needs the operator role" : "forbidden: needs the admin role");
	return (-1);
}

/* Route req to its handler, or reply 404/405/400 itself. */
void
route_dispatch(struct req *req)
{
	const struct api_entry	*const *ep, *found = NULL;
	struct agd_field_error	 ferr;
	struct route_path	 rp;
	const char		*uri;
	char			 allow[ROUTE_ALLOW_MAX];
	int			 score, best = -1, param, name_at = -1;

	if ((uri = request_param(req, "REQUEST_URI")) == NULL &&
	    (uri = request_param(req, "DOCUMENT_URI")) == NULL)
		uri = "";
	if (route_split(uri, &rp) == -1) {
		reply_error(req, AGD_ERR_NOT_FOUND, "no such resource");
		return;
	}
	for (ep = route_entries; *ep != NULL; ep++) {
		score = route_match((*ep)->path, &rp, &param);
		if (score > best)
			best = score;
	}
	allow[0] = '\0';
	for (ep = route_entries; best != -1 && *ep != NULL; ep++) {
		if (route_match((*ep)->path, &rp, &param) != best)
			continue;
		route_allow_add(allow, sizeof allow, (*ep)->method);
		if (strcmp((*ep)->method, "GET") == 0)
			route_allow_add(allow, sizeof allow, "HEAD");
		if (strcmp((*ep)->method, req->method) == 0 ||
		    (strcmp((*ep)->method, "GET") == 0 &&
		    strcmp(req->method, "HEAD") == 0)) {
			found = *ep;
			name_at = param;
			req->route = (int)(ep - route_entries);
		}
	}
	if (found == NULL) {
		if (best == -1)
			reply_error(req, AGD_ERR_NOT_FOUND, "no such resource");
		else
			reply_not_allowed(req, allow);
		goto out;
	}
	if (route_role_check(req, found) == -1)
		goto out;
	if (name_at != -1) {
		if (rp.seg[name_at] == NULL ||
		    !agd_valid_name(rp.seg[name_at])) {
			reply_error(req, AGD_ERR_INVALID_NAME,
			    "invalid session name");
			goto out;
		}
		req->name = xstrdup(rp.seg[name_at]);
	}
	if (request_parse_query(req) == -1)
		goto out;
	if ((found->flags & (API_BODY | API_BODY_OPT)) &&
	    request_read_body(req, (found->flags & API_BODY_OPT) != 0) == -1)
		goto out;
	if (found->fields != NULL &&
	    (req->args = agd_fields_check(found->fields, req->json, &ferr)) == NULL) {
		reply_error(req, ferr.code, "%s", ferr.msg);
		goto out;
	}
	found->exec(req);
out:
	route_path_free(&rp);
}
