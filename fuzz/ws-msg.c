/* libFuzzer target: WebSocket client messages (JSON). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws-parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_msg	m;
	struct ws_fail	f;

	if (ws_parse_msg(data, size, &m, &f) == 0) {
		if (m.type == WS_MSG_RESIZE &&
		    (m.cols < 1 || m.cols > 1000 || m.rows < 1 || m.rows > 1000))
			abort();
		if (m.type != WS_MSG_RESIZE && (m.data == NULL ||
		    memchr(m.data, '\0', m.len) != NULL))
			abort();
	} else if (f.code == NULL)
		abort();
	ws_msg_free(&m);
	return (0);
}
