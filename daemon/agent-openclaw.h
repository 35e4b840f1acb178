/*
 * The OpenClaw adapter's two halves: agent-openclaw.c (its TUI in the PTY, read
 * through its session store and the screen) and agent-openclaw-stream.c (the
 * stream transport: `openclaw acp` on a Gateway of the session's own). What
 * they share.
 */
#ifndef AGENTD_AGENT_OPENCLAW_H
#define AGENTD_AGENT_OPENCLAW_H

#include <stdint.h>

struct agent;
struct json_object;
struct session;

/* The adapter's own state (a->priv), of both transports. */
struct openclaw {
	char	*store;		/* where its session store will be */
	char	*session;	/* stream: the ACP session's id */
	char	*text;		/* stream: the agent's text so far (chunks) */
	char	*conf;		/* stream: the session's config file */
	int	 asking;	/* stream: session/new under way */
	char	*first;		/* stream: a message waiting for the session */
	int64_t	 seq;		/* stream: our requests so far */
	struct json_object *options;	/* stream: the pending permission's options */
	struct json_object *req_id;	/* stream: the id of its permission request */
};

/* The user's config file (OPENCLAW_CONFIG_PATH, ...). Caller frees. */
char	*openclaw_user_conf(void);
/* The state (a->priv), made with the session's state directory on first use. */
struct openclaw *openclaw_state(struct session *, struct agent *);
/* Read the store's new rows (a->records); usage_only: only the usage. */
void	 openclaw_store_read(struct session *, struct agent *, int usage_only);

/* agent-openclaw-stream.c: the stream hooks (agent-kind.h says what each does). */
void	openclaw_stream_prepare(struct session *, struct agent *, char ***);
void	openclaw_stream_start(struct session *, struct agent *);
void	openclaw_stream_line(struct session *, struct agent *, struct json_object *);
int	openclaw_stream_send(struct session *, struct agent *, const char *);
int	openclaw_stream_approve(struct session *, struct agent *, int, const char *);
void	openclaw_stream_interrupt(struct session *, struct agent *);
void	openclaw_stream_reset(struct session *, struct agent *);

#endif
