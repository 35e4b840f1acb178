/*
 * libFuzzer target: the holder protocol on the live path. The harness is the
 * holder of a session the daemon adopted (live.c); the input goes to the daemon
 * over that socket and through session-holder.c's reader into the log, the ring
 * and the viewers. Input: byte 0 even - the rest as raw bytes (any framing at all); odd -
 * records of [type][u16 length LE][payload], each sent as one well-formed frame
 * (a DATA payload is led by its u64 offset, which the fuzzer picks too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	i, n;
	int	hfd;

	live_init();
	live_session(&hfd);
	if (size == 0)
		return (0);
	if ((data[0] & 1) == 0)
		live_write(hfd, data + 1, size - 1);
	else {
		for (i = 1; i + 3 <= size; i += 3 + n) {
			n = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
			if (n > size - i - 3)
				n = size - i - 3;
			live_holder_frame(hfd, data[i], data + i + 3, n);
		}
	}
	live_pump(hfd);
	return (0);
}
