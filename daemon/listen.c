/*
 * The daemon's listening sockets - the control socket (server.c) and the
 * WebSocket socket (ws-server.c) - bound one way, with lib/sock.c: mode 0600
 * (ws.sock 0660 with group_sockets: nginx connects to it), and never stolen from a
 * live daemon still answering on the path. A helper, so the server and the
 * subsystems below it may both use it.
 */
#include "agentd.h"
#include "log.h"
#include "sock.h"

int
listen_bind(const char *path, int backlog, int nginx)
{
	char	*cause;
	int	 fd, flags = AGD_SOCK_NONBLOCK | AGD_SOCK_LIVE;

	if (nginx && agentd_conf->group_sockets)
		flags |= AGD_SOCK_GROUP;
	fd = agd_sock_listen(path, flags, backlog, &cause);
	if (fd == AGD_EEXISTS)
		fatalx("%s: another agentd is running on it", path);
	if (fd < 0)
		fatalx("%s", cause);
	return (fd);
}
