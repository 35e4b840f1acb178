/*
 * The parsers of what a WebSocket peer sends: the HTTP upgrade request and the
 * JSON messages. Pure functions, so the fuzzers (fuzz/) can drive them directly.
 */
#ifndef AGD_WS_PARSE_H
#define AGD_WS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "agd.h"
#include "conf.h"

#define WS_KEY_LEN	24
/* A bearer token is 64 hex digits; longer credentials are not ours. */
#define WS_AUTHZ_MAX	256
/* A browser's Cookie header for this host; nginx's large_client_header_buffers cap it too. */
#define WS_COOKIE_MAX	4096
/* Images of one seed input message: what a chat box attaches, not a photo album. */
#define WS_IMAGES_MAX	8
/* A tool id (claude's toolu_... ids are about 30 bytes). */
#define WS_TOOL_ID_MAX	128

struct ws_upgrade {
	char		name[AGD_NAME_MAX + 1];	/* session name */
	char		key[WS_KEY_LEN + 1];	/* Sec-WebSocket-Key */
	char		user[256];		/* X-Agentd-User, "" if none */
	char		groups[1024];		/* X-Agentd-Groups, "" if none */
	/* What may carry the access token (auth = local); "" if absent or too long. */
	char		authz[WS_AUTHZ_MAX];	/* Authorization */
	char		cookie[WS_COOKIE_MAX];	/* Cookie */
	char		token[WS_AUTHZ_MAX];	/* ?access_token=, raw */
	int		world;			/* /api/agents/world */
	int		has_since;
	uint64_t	since;
	int		binary;			/* format=binary */
	int		seed;			/* .../terminal or .../ws: the seed protocol */
};

/*
 * The request id of the upgrade request req (NUL-terminated) into id (of
 * AGD_REQUEST_ID_MAX + 1): its X-Request-Id, which nginx sets to its $request_id,
 * or a new one when it has none or one that is no id (lib/log.h; only the length of
 * a refused one is logged).
 */
void	ws_parse_request_id(const char *req, char *id);

/* The failure of a parse: HTTP status (upgrade only), error word and text. */
struct ws_fail {
	int		 status;
	const char	*code;
	const char	*msg;
};

/*
 * Parse a whole upgrade request (NUL-terminated, ends with an empty line). Host and
 * Origin are checked against conf. 0, or -1 with *f filled.
 */
int	ws_parse_upgrade(const char *req, const struct agd_conf *conf,
	    struct ws_upgrade *u, struct ws_fail *f);

#define WS_MSG_INPUT	1
#define WS_MSG_RESIZE	2
#define WS_MSG_MESSAGE	3
#define WS_MSG_TOOL_ANSWER 4	/* the seed protocol's answer to an AskUserQuestion */

struct ws_msg {
	int		 type;
	const char	*data;		/* input data or message text; borrowed from obj */
	size_t		 len;
	int		 cols;
	int		 rows;
	void		*obj;		/* the parsed JSON, put with ws_msg_free */
};

/* Parse a client text message. 0, or -1 with *f (msg may be *owned: see ws_msg_free). */
int	ws_parse_msg(const uint8_t *p, size_t n, struct ws_msg *m, struct ws_fail *f);
/*
 * Parse a text message of the seed source's protocol (the /terminal path):
 * {"type":"resize","cols","rows"} (WS_MSG_RESIZE), {"type":"input","text","images"?}
 * (WS_MSG_MESSAGE: data is the text, obj's "images" checked: at most WS_IMAGES_MAX
 * objects of base64 "data" and an image "mediaType") and {"type":"tool_answer",
 * "toolId","answers"} (WS_MSG_TOOL_ANSWER: data is the tool id). As ws_parse_msg.
 */
int	ws_parse_seed_msg(const uint8_t *p, size_t n, struct ws_msg *m, struct ws_fail *f);
void	ws_msg_free(struct ws_msg *m);

#endif
