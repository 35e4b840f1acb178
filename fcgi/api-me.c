/*
 * GET /api/agents/me: who nginx says is asking and the role agentd gives it, so
 * that a page (the dashboard, web/) shows only the controls that would succeed.
 * Read only, no audit row; like every GET it needs the viewer role (403 otherwise).
 */
#include "api.h"
#include "auth.h"
#include "conf.h"

static int	api_me_exec(struct req *);

const struct api_entry api_me_entry = {
	.method = "GET",
	.path = "/api/agents/me",
	.flags = 0,
	.exec = api_me_exec
};

static int
api_me_exec(struct req *req)
{
	struct json_object	*o;

	o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(req->user));
	json_object_object_add(o, "groups", json_object_new_string(req->groups));
	json_object_object_add(o, "role", json_object_new_string(agd_role_name(req->role)));
	json_object_object_add(o, "auth", json_object_new_string(
	    api.conf->auth == AGD_AUTH_PROXY ? "proxy" :
	    api.conf->auth == AGD_AUTH_LOCAL ? "local" : "none"));
	json_object_object_add(o, "operatorsManageAll",
	    json_object_new_boolean(api.conf->operators_manage_all));
	reply_json_put(req, 200, o);
	return (0);
}
