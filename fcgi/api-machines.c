/*
 * GET /api/agents/machines: "local" and the machines of the daemon's config, each
 * with whether ssh reaches it now (op machine.list: agentd probes them all at
 * once, through their ControlMaster when there is one, within a few seconds).
 */
#include "api.h"

static int	api_machines_exec(struct req *);

const struct api_entry api_machines_entry = {
	.method = "GET",
	.path = "/api/agents/machines",
	.flags = 0,
	.exec = api_machines_exec
};

static int
api_machines_exec(struct req *req)
{
	ctl_relay(req, "machine.list", NULL);
	return (0);
}
