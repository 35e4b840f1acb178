/*
 * The OpenClaw adapter's two halves: agent-openclaw.c (its TUI in the PTY, read
 * through its session store and the screen) and agent-openclaw-stream.c (the
 * stream transport: `openclaw acp` on a Gateway of the session's own). What
 * they share.
 */
#ifndef AGENTD_AGENT_OPENCLAW_H
#define AGENTD_AGENT_OPENCLAW_H

struct agent;
struct json_object;
struct session;

/* The adapter's own state (a->priv), of both transports. */
struct openclaw {
	char	*store;		/* where its session store will be */
};

/* What openclaw_store_read reads of each row. */
#define OPENCLAW_READ_ALL	0
#define OPENCLAW_READ_USAGE	1	/* only the usage of assistant messages */
#define OPENCLAW_READ_NO_USER	2	/* all but the user's messages */

/* The user's config file (OPENCLAW_CONFIG_PATH, ...). Caller frees. */
char	*openclaw_user_conf(void);
/* The state (a->priv), made with the session's state directory on first use. */
struct openclaw *openclaw_state(struct session *, struct agent *);
/* Read the store's new rows (a->records), what (OPENCLAW_READ_*) of each. */
void	 openclaw_store_read(struct session *, struct agent *, int what);

/* agent-openclaw-stream.c: the stream hooks (agent-kind.h says what each does). */
void	openclaw_stream_prepare(struct session *, struct agent *, char ***);
void	openclaw_stream_start(struct session *, struct agent *);
void	openclaw_stream_line(struct session *, struct agent *, struct json_object *);
int	openclaw_stream_send(struct session *, struct agent *, const char *);
int	openclaw_stream_approve(struct session *, struct agent *, int, const char *);
void	openclaw_stream_reset(struct session *, struct agent *);

#endif
