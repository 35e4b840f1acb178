/*
 * The daemon's listening sockets - the control socket (server.c) and the
 * WebSocket socket (ws-server.c) - bound one way, with lib/sock.c: mode 0600,
 * and never stolen from a live daemon still answering on the path. A helper, so
 * the server and the subsystems below it may both use it.
 */
#include "agentd.h"
#include "log.h"
#include "sock.h"

int
listen_bind(const char *path, int backlog)
{
	char	*cause;
	int	 fd;

	fd = agd_sock_listen(path, AGD_SOCK_NONBLOCK | AGD_SOCK_LIVE, backlog, &cause);
	if (fd == AGD_EEXISTS)
		fatalx("%s: another agentd is running on it", path);
	if (fd < 0)
		fatalx("%s", cause);
	return (fd);
}
