/*
 * The Claude Code adapter's two halves: agent-claude.c (its TUI in the PTY: hooks,
 * transcript, screen) and agent-claude-stream.c (the stream transport: `claude -p`
 * with stream-json both ways). What they share.
 */
#ifndef AGENTD_AGENT_CLAUDE_H
#define AGENTD_AGENT_CLAUDE_H

#include <stdint.h>

struct agent;
struct json_object;
struct session;

/* The stream's requests of ours: the hello, and a counter for the others. */
#define CLAUDE_INIT_ID		"agentd-init"

/* The adapter's own state (a->priv). */
struct claude {
	char	*settings;	/* the --settings file written at create */
	char	*last_msg_id;	/* usage is counted once per message */
	int	 hooks;		/* the hooks report */
	double	 cost_seen;	/* its total cost so far: the stream's conversation's, or
				   (tty) its status line's */
	int	 line_seen;	/* tty: its status line reported since our start */
	int	 requests;	/* stream: control requests of ours sent */
	int64_t	 turn[4];	/* stream: the turn's tokens counted from its messages */
};

/* The state, made on first use (an adopted session was never prepared). */
struct claude	*claude_of(struct agent *);
/* Claude's own Bash sandbox off in settings set, if agentd sandboxes the agent. */
void		 claude_sandbox_off(struct json_object *set);
/*
 * A session's claude arguments after its configured command: extra (NULL
 * terminated, or NULL), its --session-id (a new one), --settings with set
 * (taken) and its setting sources: all of them in a trusted folder
 * (SESSION_TRUSTED), else the user's only.
 */
void		 claude_args(struct session *, struct agent *, char ***argvp,
		    const char **extra, struct json_object *set);
/* A user record of its transcript or stream: the prompt, or tool results. */
void		 claude_user(struct session *, struct json_object *content,
		    struct json_object *rec);

/* agent-claude-stream.c: the stream hooks (agent-kind.h says what each does). */
void	claude_stream_prepare(struct session *, struct agent *, char ***);
void	claude_stream_start(struct session *, struct agent *);
void	claude_stream_line(struct session *, struct agent *, struct json_object *);
int	claude_stream_send(struct session *, struct agent *, const char *);
int	claude_stream_approve(struct session *, struct agent *, int, const char *);
int	claude_stream_send_blocks(struct session *, struct agent *, struct json_object *);
void	claude_stream_interrupt(struct session *, struct agent *);
void	claude_stream_reset(struct session *, struct agent *);

#endif
