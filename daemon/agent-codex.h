/*
 * The Codex adapter's two halves: agent-codex.c (its TUI in the PTY, read
 * through its rollout and the screen) and agent-codex-stream.c (the stream
 * transport: `codex app-server`, JSON-RPC on the pipes). What they share.
 */
#ifndef AGENTD_AGENT_CODEX_H
#define AGENTD_AGENT_CODEX_H

struct agent;
struct codex_stream;
struct json_object;
struct session;

/* The adapter's state (a->priv, of both transports), made on first use. */
struct codex_stream *codex_state(struct agent *);
/* Where the tty keeps the rollout of its thread before a /new (it is not read again). */
char	**codex_old_rollout(struct agent *);

/*
 * The -c value that trusts the folder cwd for this run only, or NULL if it
 * cannot be said (a '=' in the name, not UTF-8). Caller frees.
 */
char	*codex_trust_arg(const char *cwd);

/* agent-codex-stream.c: the stream hooks (agent-kind.h says what each does). */
void	codex_stream_prepare(struct session *, struct agent *, char ***);
void	codex_stream_start(struct session *, struct agent *);
void	codex_stream_line(struct session *, struct agent *, struct json_object *);
int	codex_stream_send(struct session *, struct agent *, const char *);
int	codex_stream_send_blocks(struct session *, struct agent *, struct json_object *);
int	codex_stream_approve(struct session *, struct agent *, int, const char *);
void	codex_stream_interrupt(struct session *, struct agent *);
void	codex_stream_reset(struct session *, struct agent *);
void	codex_stream_free(void *);

#endif
