/* libFuzzer target: WebSocket client messages (JSON), of both protocols. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws-parse.h"

/* What every parsed message must be, whichever protocol parsed it. */
static void
check(int rc, const struct ws_msg *m, const struct ws_fail *f)
{
	if (rc == 0) {
		if (m->type == WS_MSG_RESIZE &&
		    (m->cols < 1 || m->cols > 1000 || m->rows < 1 || m->rows > 1000))
			abort();
		if (m->type != WS_MSG_RESIZE && (m->data == NULL ||
		    memchr(m->data, '\0', m->len) != NULL))
			abort();
		if (m->type == WS_MSG_TOOL_ANSWER && (m->len == 0 || m->len > WS_TOOL_ID_MAX))
			abort();
	} else if (f->code == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_msg	m;
	struct ws_fail	f;

	check(ws_parse_msg(data, size, &m, &f), &m, &f);
	ws_msg_free(&m);
	/* The seed protocol's messages (/terminal). */
	check(ws_parse_seed_msg(data, size, &m, &f), &m, &f);
	ws_msg_free(&m);
	return (0);
}
