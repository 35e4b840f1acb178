/*
 * `agentd shutdown`: end every agent, then the daemon. Not a control request:
 * a signal (AGENTD_SHUTDOWN_SIGNAL, agentd.c sends it to the pid that listens on
 * ctl.sock), which only our own uid or root can send, and only from outside
 * every sandbox (an agent's PID namespace has no daemon in it). A same-uid
 * process that can signal us can kill us anyway; nothing reachable from an agent
 * or a browser can ask for it (issue #12: the control plane is the daemon's).
 */
#include <stdlib.h>

#include "agentd.h"
#include "json.h"
#include "log.h"
#include "waiter.h"
#include "xmalloc.h"

/* Every agent has ended: session_end_check stops the loop; nobody to answer. */
static void
cmd_daemon_shutdown_done(struct waiter *w, int status, struct json_object *body)
{
	(void)status;
	json_object_put(body);
	free(w);
}

void
cmd_daemon_shutdown(void)
{
	struct waiter	*w;

	if (agentd_exiting)
		return;
	log_info("shutdown requested: terminating every agent");
	agentd_exiting = 1;
	w = xcalloc(1, sizeof *w);
	w->done = cmd_daemon_shutdown_done;
	session_end_all(w);
}
