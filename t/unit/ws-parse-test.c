/* Unit tests of the WebSocket upgrade and message parsers. */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ws-parse.h"
#include "tap.h"

#define MSG(s)	(const uint8_t *)(s), strlen(s)

static const char *
req(const char *path, const char *extra)
{
	static char	buf[4096];

	snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s\r\n", path, extra);
	return (buf);
}

int
main(void)
{
	struct agd_conf		*conf;
	struct ws_upgrade	 u;
	struct ws_fail		 f;
	struct ws_msg		 m;
	char			*cause;

	conf = agd_conf_load(NULL, &cause);
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1", ""), conf, &u, &f) == 0 &&
	    strcmp(u.name, "s1") == 0 && !u.has_since && !u.seed, "plain upgrade");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1/terminal?since=42&format=binary",
	    ""), conf, &u, &f) == 0 && u.has_since && u.since == 42 && u.binary && u.seed &&
	    strcmp(u.name, "s1") == 0, "/terminal: the seed protocol, since and binary");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1/ws", "X-Agentd-User: bob\r\n"),
	    conf, &u, &f) == 0 && strcmp(u.user, "bob") == 0 && u.seed,
	    "/ws: the seed protocol, and user header");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1/terminal?access_token=abc", ""),
	    conf, &u, &f) == 0 && strcmp(u.token, "abc") == 0, "/terminal: access_token");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1", "Origin: http://evil.example\r\n"),
	    conf, &u, &f) == -1 && f.status == 403, "foreign origin refused");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1", "Origin: http://localhost:8080\r\n"),
	    conf, &u, &f) == 0, "local origin allowed");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1",
	    "Origin: http://localhost.evil.example\r\n"), conf, &u, &f) == -1,
	    "look-alike origin refused");
	ok(ws_parse_upgrade(req("/api/agents/sessions/..", ""), conf, &u, &f) == -1 &&
	    f.status == 400, "bad name refused");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1/other", ""), conf, &u, &f) == -1 &&
	    f.status == 404, "unknown suffix is 404");
	ok(ws_parse_upgrade(req("/api/agents/sessions/s1?since=-1", ""), conf, &u, &f) == -1,
	    "negative since refused");
	ok(ws_parse_upgrade("GET /api/agents/sessions/s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	    conf, &u, &f) == -1 && f.status == 400, "no upgrade headers");
	ok(ws_parse_upgrade("POST /x HTTP/1.1\r\n\r\n", conf, &u, &f) == -1 &&
	    f.status == 405, "POST refused");

	ok(ws_parse_msg(MSG("{\"type\":\"input\",\"data\":\"ls\\r\"}"), &m,
	    &f) == 0 && m.type == WS_MSG_INPUT && m.len == 3, "input message");
	ws_msg_free(&m);
	ok(ws_parse_msg(MSG("{\"type\":\"resize\",\"cols\":1001,\"rows\":5}"),
	    &m, &f) == -1, "resize out of range refused");
	ws_msg_free(&m);
	ok(ws_parse_msg(MSG("{\"type\":\"bogus\"}"), &m, &f) == -1 &&
	    strcmp(f.code, "invalid_field") == 0, "unknown type refused");
	ws_msg_free(&m);
	ok(ws_parse_msg(MSG("[1,2"), &m, &f) == -1 &&
	    strcmp(f.code, "bad_json") == 0, "malformed JSON refused");
	ws_msg_free(&m);

	ok(ws_parse_seed_msg(MSG("{\"type\":\"resize\",\"cols\":80,\"rows\":24}"), &m,
	    &f) == 0 && m.type == WS_MSG_RESIZE && m.cols == 80 && m.rows == 24,
	    "seed: resize");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"hi\"}"), &m,
	    &f) == 0 && m.type == WS_MSG_MESSAGE && m.len == 2, "seed: input text");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"\",\"images\":"
	    "[{\"data\":\"iVBORw0K\",\"mediaType\":\"image/png\"}]}"), &m, &f) == 0 &&
	    m.type == WS_MSG_MESSAGE, "seed: input of an image only");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"\"}"), &m, &f) == -1,
	    "seed: empty input refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"a b\",\"mediaType\":\"image/png\"}]}"), &m, &f) == -1,
	    "seed: image data that is not base64 refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"AAAAA\",\"mediaType\":\"image/png\"}]}"), &m, &f) == -1,
	    "seed: base64 that is not groups of 4 refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"A=AA\",\"mediaType\":\"image/png\"}]}"), &m, &f) == -1,
	    "seed: '=' inside base64 refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"A===\",\"mediaType\":\"image/png\"}]}"), &m, &f) == -1,
	    "seed: three '=' refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"AA==\",\"mediaType\":\"image/png\"}]}"), &m, &f) == 0,
	    "seed: padded base64 taken");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"text\":\"x\",\"images\":"
	    "[{\"data\":\"AAAA\",\"mediaType\":\"text/html\"}]}"), &m, &f) == -1,
	    "seed: an image that is not an image type refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"tool_answer\",\"toolId\":\"toolu_01\","
	    "\"answers\":{\"Q?\":\"A\"}}"), &m, &f) == 0 && m.type == WS_MSG_TOOL_ANSWER &&
	    m.len == 8, "seed: tool_answer");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"tool_answer\",\"toolId\":\"../x\","
	    "\"answers\":{}}"), &m, &f) == -1, "seed: a tool id of other characters refused");
	ws_msg_free(&m);
	ok(ws_parse_seed_msg(MSG("{\"type\":\"input\",\"data\":\"x\"}"), &m, &f) == -1,
	    "seed: agentd's input shape is not the seed's");
	ws_msg_free(&m);
	agd_conf_free(conf);
	return (tap_done());
}
