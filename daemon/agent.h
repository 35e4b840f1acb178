/*
 * Agent adapters, as the session sees them: what agentd knows about the real agent
 * programs beyond their terminal - how to launch them, when they are ready, their
 * own records (hooks, transcripts), their status, approvals and usage. The
 * programs it knows are the kinds of agent-kinds.c (agent-kind.h).
 *
 * An adapter is attached as the session's type says ([agent TYPE] adapter =;
 * by default the kind of the type's name, else of argv[0]'s basename); any other
 * program is a plain terminal session. A session is driven through its agent's
 * TUI (transport tty) or its structured channel (stream, agent-stream.c).
 * Every function takes the session (borrowed) and does nothing without an adapter.
 */
#ifndef AGENTD_AGENT_H
#define AGENTD_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct session;
struct waiter;

struct agd_conf;

/*
 * Add to conf the built-in command lines of every kind no [agent NAME] section
 * defines, and check every section's adapter names a kind (or none): 0, or -1
 * with *cause (the caller frees it).
 */
int	agent_kinds_configure(struct agd_conf *, char **cause);
/*
 * 0 if sessions of type can use transport (SESSION_*: a stream needs its kind's
 * stream hooks, or no kind), else -1 with *cause (the caller frees it).
 */
int	agent_transport_check(const char *type, int transport, char **cause);
/* Every kind's home_ro, blank separated (agent-kind.h): read-only in every sandbox. */
const char	*agent_home_ro_all(void);
/* 1 if the agent type's adapter has a stream transport (claude, codex, openclaw). */
int	agent_has_stream(const char *type);
/* How to install the program prog (by its basename), or NULL if no kind runs it. */
const char *agent_install_hint(const char *prog);
/*
 * Subscribe the adapters to every session and give session.c the install hints
 * (before the first session is made or adopted).
 */
void	agent_init(void);
/* At create (adopted = 0) or re-adoption: attach an adapter; may append to *argv. */
void	agent_attach(struct session *, char ***argv, int adopted);
/* Free the adapter (the session's own is set to NULL). */
void	agent_detach(struct session *);
/* The holder says the agent runs. */
void	agent_running(struct session *);
/* Every chunk of terminal output, as recorded. */
void	agent_output(struct session *, const void *, size_t);
/*
 * 1 if s's agent has message_queue_max messages waiting to be typed (a message
 * then is refused, queue_full: each is an event and memory until delivered).
 */
int	agent_queue_full(struct session *);
/* The messages waiting for s's agent to be ready (the daemon's own commands not counted). */
int	agent_queue_length(struct session *);
/*
 * 0 if text would type nothing into the session's agent TUI: only control
 * characters, which agent_type_text drops (a plain terminal or a stream: 1).
 */
int	agent_text_typeable(struct session *, const char *text);
/*
 * A message for the agent (recorded as event seq). 1 if the adapter took it (it is
 * delivered when the agent is ready), 0 if the caller should type it directly.
 */
int	agent_submit(struct session *, const char *text, uint64_t seq);
/* Queue a command (not a message); watched: tell the watcher when it is delivered. */
void	agent_submit_command(struct session *, const char *text, int watched);
/*
 * The watcher of the session's agent (a running debrief, debrief.c): delivered(s)
 * when a watched command reaches the agent, idle(s) each time the agent is idle
 * with nothing left to deliver. NULL, NULL: none. Nothing if s has no agent.
 */
void	agent_watch(struct session *, void (*delivered)(struct session *),
	    void (*idle)(struct session *));
/* Reset: the agent's own "new conversation" command. */
void	agent_reset(struct session *);
/*
 * Answer a pending approval, from user by (message: the reason the agent is told,
 * NULL: none; both borrowed). 0, or -1 with *code (nothing_pending or busy) and
 * *cause (the caller frees it).
 */
int	agent_approve(struct session *, int allow, const char *message, const char *by,
	    enum agd_err *code, char **cause);
/*
 * May a decision that names approval id (pendingApproval.id; NULL: none named,
 * the seed API's body) answer what waits now? 0 (then agent_approve), or -1 with
 * *code stale_approval and *cause (the caller frees it): another request waits.
 */
int	agent_approval_check(struct session *, const char *id, enum agd_err *code,
	    char **cause);
/*
 * A stream session's message with images (image content blocks, borrowed) from
 * user from, written at once and recorded as a message event that counts them.
 * 0, or -1 with *code and *cause (the caller frees it): the agent takes text only.
 */
int	agent_submit_images(struct session *, const char *text, struct json_object *images,
	    const char *from, enum agd_err *code, char **cause);
/*
 * Answer the AskUserQuestion that waits (tool_id: its tool call) with answers
 * (borrowed), from user by: its approval allowed with the answers in its input.
 * 0, or -1 with *code (nothing_pending) and *cause (the caller frees it).
 */
int	agent_answer_tool(struct session *, const char *tool_id, struct json_object *answers,
	    const char *by, enum agd_err *code, char **cause);
/*
 * A hook report from the agent (agentd hook; borrowed). w is answered, now or,
 * for a hook that waits for an approval's decision, once it is decided (the
 * decision the hook prints), answered at the terminal, or given up. w NULL:
 * nobody waits for an answer.
 */
void	agent_hook(struct session *, struct json_object *, struct waiter *w);
/* Interrupt the agent's turn (its stream's request, or its TUI's keys). */
void	agent_interrupt(struct session *);
/*
 * New caps for s (has_*: that one is given; 0 removes it): stored, and a cap
 * reached that is no more lifts the refusal of messages.
 */
void	agent_limits(struct session *, int has_cost, double cost, int has_tokens,
	    int64_t tokens);
/* After usage: a cap reached interrupts the turn and refuses messages (capped). */
void	agent_caps_check(struct session *);
/* The terminal's new size, for the screen model. */
void	agent_resize(struct session *, int cols, int rows);
/* The session ended: read the last of its records. */
void	agent_ended(struct session *);

#endif
