/* WebSocket viewers: placeholder until the streams land. */
#include "agentd.h"

void
ws_init(const char *path)
{
	(void)path;
}

void
ws_close_all(void)
{
}

void
ws_session_output(struct session *s, uint64_t seq, const void *p, size_t n)
{
	(void)s; (void)seq; (void)p; (void)n;
}

void
ws_session_event(struct session *s, uint64_t seq, const char *json, size_t n)
{
	(void)s; (void)seq; (void)json; (void)n;
}

void
ws_session_ended(struct session *s)
{
	(void)s;
}

void
ws_session_reset(struct session *s)
{
	(void)s;
}
