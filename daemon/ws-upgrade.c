/*
 * The HTTP upgrade of a WebSocket viewer: read the request, parse it (ws-parse.c),
 * find the session (live, or ended and in the store), take the identity nginx
 * established, check the role and whether this viewer may type, choose where it
 * starts reading, and answer 101 Switching Protocols (or an HTTP error; an
 * unknown session of the seed protocol is a 101 and a close 4004, ws-seed.c).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "agentd.h"
#include "auth.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "ws-parse.h"
#include "ws.h"
#include "xmalloc.h"

/* RFC 6455 4.2.2: appended to the client's key for Sec-WebSocket-Accept. */
#define WS_GUID			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* The head of an HTTP reply: a status line and four short headers. */
#define WS_HTTP_HEAD_MAX	256

static void
ws_http_error(struct ws_client *v, int status, const char *code, const char *msg)
{
	struct json_object	*o = agd_json_error(code, msg);
	const char		*body;
	char			 head[WS_HTTP_HEAD_MAX];
	size_t			 len;
	int			 n;

	ws_audit_upgrade(v, status, msg);
	log_fields(AGD_LOG_INFO, "ws upgrade refused", "session", v->name, "code", code,
	    (const char *)NULL);
	body = agd_json_text(o, &len);
	n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/json"
	    "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
	    agd_err_reason(status), len);
	if (send(v->fd, head, (size_t)n, MSG_NOSIGNAL) == n)
		send(v->fd, body, len, MSG_NOSIGNAL);
	json_object_put(o);
	ws_client_drop(v);
}

/* 1 if the stored session id ran on the stream transport. */
static int
ws_upgrade_stream(int64_t id)
{
	struct json_object	*o = persist_session_json(id);
	const char		*t = NULL;
	int			 stream;

	if (o != NULL)
		agd_json_get_string(o, "transport", &t);
	stream = t != NULL && strcmp(t, "stream") == 0;
	json_object_put(o);
	return (stream);
}

/* Which session v is for: live (v->s), or ended and read from its log only. 0 or -1. */
static int
ws_upgrade_session(struct ws_client *v, const struct ws_upgrade *u, int64_t *id)
{
	int	ended = 0;

	v->binary = u->binary;
	v->seed = u->seed;
	v->name = xstrdup(u->name);
	v->s = session_find(u->name);
	if (v->s == NULL || v->s->state == SESSION_ENDED) {
		v->s = NULL;
		if ((*id = persist_lookup(u->name, &ended)) == 0) {
			/* The seed protocol's clients stop reconnecting on a 4004 close. */
			if (v->seed) {
				v->unknown = 1;
				return (0);
			}
			ws_http_error(v, 404, "not_found", "no such session");
			return (-1);
		}
		xasprintf(&v->dir, "%s/sessions/%lld", agentd_home, (long long)*id);
		v->ended = 1;
		v->end_seq = UINT64_MAX;
		v->chat = v->seed && ws_upgrade_stream(*id);
	} else {
		v->dir = xstrdup(v->s->dir);
		v->chat = v->seed && v->s->transport == SESSION_STREAM;
	}
	return (0);
}

/*
 * auth = local: the owner's access token (Bearer, cookie or ?access_token=) before
 * anything else is said about the stream. 0, or -1 when v is refused (401).
 */
static int
ws_upgrade_token(struct ws_client *v, const struct ws_upgrade *u)
{
	if (agentd_conf->auth != AGD_AUTH_LOCAL)
		return (0);
	if (agd_token_check(agentd_token, u->authz, u->cookie, u->token))
		return (0);
	log_info("ws: refused an upgrade without the access token");
	ws_http_error(v, 401, "unauthenticated", "authentication required");
	return (-1);
}

/*
 * Identity: in auth = local the owner (the token was checked); else as nginx
 * established it: it sets these headers itself, and only nginx can reach this
 * socket. 0, or -1 when v is refused.
 */
static int
ws_upgrade_authorize(struct ws_client *v, const struct ws_upgrade *u, int64_t id)
{
	char	*creator;
	int	 role;

	if (agentd_conf->auth == AGD_AUTH_LOCAL) {
		v->user = xstrdup(agd_owner_name());
		v->role = AGD_ROLE_ADMIN;
		v->can_write = 1;
		return (0);
	}
	if (agentd_conf->auth == AGD_AUTH_PROXY && u->user[0] == '\0') {
		ws_http_error(v, 401, "unauthenticated", "authentication required");
		return (-1);
	}
	if (u->user[0] != '\0' && !agd_auth_valid_user(u->user)) {
		ws_http_error(v, 400, "bad_request", "malformed user");
		return (-1);
	}
	v->user = xstrdup(u->user[0] != '\0' ? u->user : "local");
	v->role = role = agd_auth_role(agentd_conf, v->user, u->groups);
	if (role < AGD_ROLE_VIEWER) {
		ws_http_error(v, 403, "forbidden", "forbidden: needs the viewer role");
		return (-1);
	}
	creator = persist_creator(v->s != NULL ? v->s->id : id);
	v->can_write = agd_auth_may_manage(agentd_conf, role, v->user, creator);
	free(creator);
	return (0);
}

/* The upgrade request in v->req is whole: answer it. */
static void
ws_upgrade_answer(struct ws_client *v)
{
	struct ws_upgrade	 u;
	struct ws_fail		 f;
	unsigned char		 sha[SHA_DIGEST_LENGTH];
	char			 accept[64], hdr[WS_HTTP_HEAD_MAX], keyguid[128];
	int64_t			 id = 0;
	int			 n;

	if (ws_parse_upgrade(v->req, agentd_conf, &u, &f) == -1) {
		ws_http_error(v, f.status, f.code, f.msg);
		return;
	}
	if (ws_upgrade_token(v, &u) == -1)
		return;
	if (u.world) {
		ws_http_error(v, 404, "not_found", "no such stream");
		return;
	}
	if (ws_upgrade_session(v, &u, &id) == -1 ||
	    ws_upgrade_authorize(v, &u, id) == -1)
		return;
	if (ws_user_full(v)) {
		ws_http_error(v, 429, "too_many_connections", "too many connections of"
		    " this user (ws_max_per_user)");
		return;
	}

	/* Where this viewer starts (one of no session reads nothing). */
	if (v->unknown)
		;
	else if (u.has_since)
		v->cursor = u.since;
	else if (v->chat)
		v->cursor = v->s != NULL ? v->s->reset_seq : 0;	/* the whole conversation */
	else
		v->cursor = ws_replay_start(v);

	snprintf(keyguid, sizeof keyguid, "%s%s", u.key, WS_GUID);
	SHA1((unsigned char *)keyguid, strlen(keyguid), sha);
	EVP_EncodeBlock((unsigned char *)accept, sha, sizeof sha);
	n = snprintf(hdr, sizeof hdr, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (send(v->fd, hdr, (size_t)n, MSG_NOSIGNAL) != n) {
		ws_client_drop(v);
		return;
	}
	log_fields(AGD_LOG_INFO, "ws upgrade", "session", v->name, "user", v->user,
	    "protocol", v->seed ? "seed" : "agentd", (const char *)NULL);
	ws_open(v);
}

/* Answer the upgrade with its request id (nginx's X-Request-Id) on each line and row. */
static void
ws_upgrade(struct ws_client *v)
{
	ws_parse_request_id(v->req, v->request);
	log_request_set(v->request);
	ws_upgrade_answer(v);
	log_request_set(NULL);
}

void
ws_handshake_read(struct ws_client *v)
{
	ssize_t	n;

	n = read(v->fd, v->req + v->req_len, WS_REQUEST_MAX - v->req_len);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		ws_client_drop(v);
		return;
	}
	v->req_len += (size_t)n;
	v->req[v->req_len] = '\0';
	if (strstr(v->req, "\r\n\r\n") != NULL) {
		if (memchr(v->req, '\0', v->req_len) != NULL) {
			ws_http_error(v, 400, "bad_request", "NUL in request");
			return;
		}
		ws_upgrade(v);
		return;
	}
	if (v->req_len == WS_REQUEST_MAX)
		ws_http_error(v, 431, "too_large", "request headers too large");
}
