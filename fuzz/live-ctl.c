/*
 * libFuzzer target: the control protocol on the live path. The harness connects
 * to the daemon's ctl.sock and sends the input; server.c, server-client.c and
 * cmd.c's dispatch run for real, with a running session (see live.c) for the
 * commands to find. Input: byte 0 even - the rest as raw bytes; odd - the rest
 * split at NUL bytes, each piece sent as one well-formed frame (its header added).
 * Inputs that would stop the daemon (daemon.shutdown) are skipped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"
#include "proto.h"

static void
ctl_frame(int fd, const uint8_t *p, size_t n)
{
	uint8_t	hdr[AGD_PROTO_HDR] = { 'A', 'G', 'D', AGD_PROTO_VERSION };

	hdr[4] = (uint8_t)(n >> 24);
	hdr[5] = (uint8_t)(n >> 16);
	hdr[6] = (uint8_t)(n >> 8);
	hdr[7] = (uint8_t)n;
	live_write(fd, hdr, sizeof hdr);
	live_write(fd, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p, *end, *z;
	int		 hfd, fd;

	if (size == 0 || memmem(data, size, "shutdown", 8) != NULL)
		return (0);
	live_init();
	live_session(&hfd);
	if ((fd = live_connect("ctl.sock")) == -1)
		return (0);
	if ((data[0] & 1) == 0)
		live_write(fd, data + 1, size - 1);
	else {
		for (p = data + 1, end = data + size; p < end; p = z + 1) {
			if ((z = memchr(p, '\0', (size_t)(end - p))) == NULL)
				z = end;
			ctl_frame(fd, p, (size_t)(z - p));
		}
	}
	live_pump(fd);
	close(fd);
	live_pump(hfd);
	return (0);
}
