/*
 * libFuzzer target: a WebSocket viewer on the live path. The harness connects to
 * the daemon's ws.sock, upgrades to a running session (its holder is the harness,
 * see live.c) and sends the input as frames: wslay, ws.c's message handler and the
 * session behind it (input, resize, message) all run for real, and so does a
 * viewer that hangs up in the middle (the use-after-free of issue 13).
 * Input: records of [op][u16 length LE][payload]; op's low nibble is the opcode,
 * 0x80 FIN; op 0xf0-0xff instead hangs up: 0xf0 close, 0xf1 reset, else shut down
 * our writing side and go on reading.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

/* The upgrade request: what nginx passes on. */
#define LIVE_WS_REQ	"GET /api/agents/sessions/%s%s HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
	"Upgrade: websocket\r\nConnection: Upgrade\r\n" \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

static void
ws_frame(int fd, uint8_t op, const uint8_t *p, size_t n)
{
	uint8_t	hdr[14];
	size_t	h = 0;

	hdr[h++] = op;
	if (n < 126)
		hdr[h++] = 0x80 | (uint8_t)n;
	else {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (uint8_t)(n >> 8);
		hdr[h++] = (uint8_t)n;
	}
	memset(hdr + h, 0, 4);		/* a zero mask: masked, and the bytes as they are */
	h += 4;
	live_write(fd, hdr, h);
	live_write(fd, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linger	 lg = { 1, 0 };
	const char	*name;
	char		 req[512];
	size_t		 i, n;
	int		 hfd, fd, len;

	live_init();
	name = live_session(&hfd);
	if ((fd = live_connect("ws.sock")) == -1)
		return (0);
	len = snprintf(req, sizeof req, LIVE_WS_REQ, name,
	    size > 0 && (data[0] & 1) ? "?format=binary" : "");
	live_write(fd, req, (size_t)len);
	live_pump(fd);
	for (i = 0; i + 3 <= size; i += 3 + n) {
		n = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
		if (n > size - i - 3)
			n = size - i - 3;
		if (data[i] >= 0xf0) {
			if (data[i] == 0xf0)
				break;
			if (data[i] == 0xf1) {
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
				break;
			}
			shutdown(fd, SHUT_WR);
			live_pump(fd);
			break;
		}
		ws_frame(fd, data[i], data + i + 3, n);
	}
	/* Close with the daemon mid-answer, then let it clean up. */
	close(fd);
	live_pump(hfd);
	return (0);
}
