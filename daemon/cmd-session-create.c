/*
 * session.create {name, agentType, workingDirectory, permissionMode, prompt}:
 * 201 and the session object once the agent runs (the holder's hello).
 */
#include <stdlib.h>
#include <string.h>

#include "agentd.h"
#include "auth.h"
#include "cmd.h"
#include "valid.h"
#include "waiter.h"

static void
cmd_session_create_exec(struct ctl_client *c, struct json_object *args)
{
	struct session	*s;
	const char	*name, *type, *cwd, *mode = NULL, *prompt = NULL;
	enum agd_err	 code;
	char		*cause;
	int		 m = AGD_MODE_DEFAULT;

	if (cmd_string(c, args, "name", 1, &name) == -1 ||
	    cmd_string(c, args, "agentType", 1, &type) == -1 ||
	    cmd_string(c, args, "workingDirectory", 1, &cwd) == -1 ||
	    cmd_string(c, args, "permissionMode", 0, &mode) == -1 ||
	    cmd_string(c, args, "prompt", 0, &prompt) == -1)
		return;
	if (cmd_valid_name(c, name, "invalid session name: must match"
	    " ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$") == -1)
		return;
	if (mode != NULL && (m = agd_mode_parse(mode)) == -1) {
		ctl_error(c, AGD_ERR_INVALID_PERMISSION_MODE, "unknown permission mode");
		return;
	}
	if (m == AGD_MODE_BYPASS && c->role < AGD_ROLE_ADMIN) {
		ctl_error(c, AGD_ERR_FORBIDDEN, "forbidden: permissionMode bypassPermissions"
		    " needs the admin role");
		return;
	}
	if (cwd[0] != '/') {
		ctl_error(c, AGD_ERR_RELATIVE_PATH, "working directory not absolute");
		return;
	}
	if (prompt != NULL && strlen(prompt) > AGD_MESSAGE_MAX) {
		ctl_error(c, AGD_ERR_TOO_LARGE, "prompt longer than %d bytes", AGD_MESSAGE_MAX);
		return;
	}
	s = session_create(name, type, cwd, m, prompt, c->user, NULL, &code, &cause);
	if (s == NULL) {
		ctl_error(c, code, "%s", cause);
		free(cause);
		return;
	}
	session_wait_running(s, cmd_wait(c));
}

const struct cmd_entry cmd_session_create_entry = {
	"session.create", cmd_session_create_exec, AGD_ROLE_OPERATOR, CMD_AUDIT
};
