/* Control socket framing and the blocking client side. */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agd.h"
#include "json.h"
#include "log.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

void
agd_proto_header(uint8_t hdr[AGD_PROTO_HDR], uint32_t len)
{
	hdr[0] = 'A';
	hdr[1] = 'G';
	hdr[2] = 'D';
	hdr[3] = AGD_PROTO_VERSION;
	hdr[4] = (uint8_t)(len >> 24);
	hdr[5] = (uint8_t)(len >> 16);
	hdr[6] = (uint8_t)(len >> 8);
	hdr[7] = (uint8_t)len;
}

int
agd_proto_parse_header(const uint8_t hdr[AGD_PROTO_HDR], uint32_t *len, char **cause)
{
	uint32_t	n;

	if (hdr[0] != 'A' || hdr[1] != 'G' || hdr[2] != 'D') {
		xasprintf(cause, "bad frame magic");
		return (-1);
	}
	if (hdr[3] != AGD_PROTO_VERSION) {
		xasprintf(cause, "unsupported protocol version %u", hdr[3]);
		return (-1);
	}
	n = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 |
	    (uint32_t)hdr[6] << 8 | hdr[7];
	if (n == 0 || n > AGD_PROTO_MAX) {
		xasprintf(cause, "bad frame length %u", n);
		return (-1);
	}
	*len = n;
	return (0);
}

int
agd_proto_connect(const char *path, char **cause)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "socket path too long: %s", path);
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		xasprintf(cause, "connect %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Read exactly len bytes before the deadline. */
static int
proto_read_full(int fd, void *buf, size_t len, uint64_t deadline, char **cause)
{
	struct pollfd	 pfd;
	char		*p = buf;
	ssize_t		 n;
	uint64_t	 now;

	while (len > 0) {
		now = agd_now_ms();
		if (now >= deadline) {
			xasprintf(cause, "daemon did not answer in time");
			return (-1);
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, p, len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			xasprintf(cause, "daemon closed the connection");
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

int
agd_proto_call(int fd, const char *op, struct json_object *args,
    struct json_object *actor, int timeout_ms, int *status,
    struct json_object **body, char **cause)
{
	struct json_object	*req, *reply, *v;
	const char		*text;
	uint8_t			 hdr[AGD_PROTO_HDR];
	uint32_t		 len;
	size_t			 tlen;
	char			*buf, *msg;
	uint64_t		 deadline;
	int			 rc = -1;

	req = json_object_new_object();
	json_object_object_add(req, "op", json_object_new_string(op));
	if (args != NULL)
		json_object_object_add(req, "args", json_object_get(args));
	if (actor != NULL)
		json_object_object_add(req, "actor", json_object_get(actor));
	/* The request this thread handles (nginx's id), for the daemon's logs and audit. */
	if (log_request() != NULL)
		json_object_object_add(req, "request", json_object_new_string(log_request()));
	text = agd_json_text(req, &tlen);
	if (tlen > AGD_PROTO_MAX) {
		xasprintf(cause, "request too large");
		json_object_put(req);
		return (-1);
	}
	agd_proto_header(hdr, (uint32_t)tlen);
	if (agd_write_all(fd, hdr, sizeof hdr) == -1 ||
	    agd_write_all(fd, text, tlen) == -1) {
		xasprintf(cause, "write to daemon: %s", strerror(errno));
		json_object_put(req);
		return (-1);
	}
	json_object_put(req);

	deadline = agd_now_ms() + (uint64_t)timeout_ms;
	if (proto_read_full(fd, hdr, sizeof hdr, deadline, cause) == -1)
		return (-1);
	if (agd_proto_parse_header(hdr, &len, cause) == -1)
		return (-1);
	buf = xmalloc(len);
	if (proto_read_full(fd, buf, len, deadline, cause) == -1)
		goto out;
	if ((reply = agd_json_parse(buf, len, &msg)) == NULL) {
		xasprintf(cause, "bad reply from daemon: %s", msg);
		free(msg);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "status", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(reply, "body", body)) {
		xasprintf(cause, "bad reply from daemon: no status or body");
		json_object_put(reply);
		goto out;
	}
	*status = json_object_get_int(v);
	json_object_get(*body);
	json_object_put(reply);
	rc = 0;
out:
	free(buf);
	return (rc);
}

char *
agd_ctl_path(const char *home)
{
	char	*path;

	xasprintf(&path, "%s/run/ctl.sock", home);
	return (path);
}

char *
agd_hook_path(const char *home)
{
	char	*path;

	xasprintf(&path, "%s/run/hook.sock", home);
	return (path);
}

int
agd_ctl_call(const char *path, const char *op, struct json_object *args,
    struct json_object *actor, int timeout_ms, int *status,
    struct json_object **body, char **cause)
{
	struct timeval	tv;
	int		fd, rc;

	if ((fd = agd_proto_connect(path, cause)) == -1)
		return (AGD_EUNAVAIL);
	/* Bound the blocking writes too (a large prompt fills the socket). */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	rc = agd_proto_call(fd, op, args, actor, timeout_ms, status, body, cause);
	close(fd);
	return (rc == 0 ? 0 : AGD_ERROR);
}
