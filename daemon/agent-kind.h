/*
 * The adapter interface: what an agent kind (agent-claude.c, agent-codex.c,
 * agent-openclaw.c) provides to the engine (agent.c), and the engine's helpers
 * an adapter calls to report what its agent does.
 *
 * A kind is one const struct agent_kind. The engine owns struct agent and the
 * session; the adapter owns only a->priv (made by its prepare hook, freed by its
 * free hook). agent-kinds.c holds the table of kinds, the only list of them.
 */
#ifndef AGENTD_AGENT_KIND_H
#define AGENTD_AGENT_KIND_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "conf.h"
#include "err.h"

struct agent;
struct event;
struct waiter;
struct screen;
struct session;

/* Every kind's variables: reaching its model API through a proxy, and not tracked. */
#define AGENT_NET_ENV \
	" HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy ALL_PROXY" \
	" NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR DO_NOT_TRACK"

/* The agent's status, as the events and the session object name it. */
#define AGENT_STARTING		0
#define AGENT_IDLE		1
#define AGENT_WORKING		2
#define AGENT_WAITING		3

/*
 * One agent program. Hooks that may be NULL say so. Every hook gets the session
 * and its adapter state (s->agent); none may keep either past its return.
 */
struct agent_kind {
	/* The program's basename (selects the adapter) and its built-in agentType. */
	const char	*name;
	const char	*rules;		/* the CLI version the screen rules are written for */
	/* How to install the program, for the agent_not_found error. */
	const char	*install_hint;
	/* Built-in command line per AGD_MODE_*, unless an [agent NAME] section replaces it. */
	const char	*argv[AGD_MODE_COUNT];
	const char	*reset_cmd;	/* its "new conversation" command */
	const char	*allow_keys;	/* keys that answer an approval box; NULL: none */
	const char	*deny_keys;
	const char	*approval_box;	/* on screen while an approval waits; NULL: none */
	/*
	 * Its box shows the command below the question (codex), after box_command
	 * on a line of its own and above its choices (box_choices, in their first
	 * line); NULL: in the lines above the question (claude).
	 */
	const char	*box_command;
	const char	*box_choices;
	/*
	 * Its box for a change of files by edits_tool (codex's apply_patch), the
	 * file below it after edits_files; the approval box's keys answer it. NULL:
	 * none.
	 */
	const char	*edits_box;
	const char	*edits_tool;
	const char	*edits_files;
	/*
	 * Its composer's prompt mark (not followed by a choice's number): a box's
	 * question above one is text in the conversation, not a box. NULL: none.
	 */
	const char	*composer;
	const char	*interrupt_keys;	/* keys that stop a turn in its TUI; NULL: none */
	/* What says it started, for the error of agent_start_timeout (per transport). */
	const char	*start_sign;
	const char	*stream_start_sign;
	/*
	 * Where it loads skills from, blank-separated, relative to the home and to a
	 * project's directory (NULL: none); published for GET /api/agents/skills.
	 */
	const char	*skills_user;
	const char	*skills_project;
	/*
	 * Its share of agentd's sandbox and environment (struct spawn_spec, spawn.c):
	 * the variables of ours it gets beyond the base (fnmatch patterns), its own
	 * files it writes, the files of its session directory it reads and writes,
	 * whether its hooks call the daemon, and what tells it it is sandboxed.
	 * NULL / 0: none.
	 */
	const char	*env_keys;
	const char	*home_rw;
	/*
	 * Files under home_rw it only reads that can run commands (its user
	 * settings: hooks, MCP servers, notify): bound read-only over them, so a tool
	 * cannot plant a command that later sessions run.
	 */
	const char	*home_ro;
	/*
	 * Directories under home_rw that are the session's alone (an empty tmpfs
	 * in its sandbox): what other processes of the kind must not touch.
	 */
	const char	*home_tmp;
	const char	*session_ro;
	const char	*session_rw;
	int		 hooks;
	/* NAME=VALUE words it is given when agentd sandboxes it: it is told so. */
	const char	*sandbox_env;

	/* At create: add launch arguments to *argv (may replace the array); make priv. */
	void		(*prepare)(struct session *, struct agent *, char ***argv);
	/* Look for the agent's records; set a->records once found. */
	void		(*find)(struct session *, struct agent *);
	/*
	 * Read new records from a->records after a->roff; NULL: the records are JSONL
	 * and the engine reads them line by line into line.
	 */
	void		(*read)(struct session *, struct agent *);
	/* One record (a JSON object, borrowed). */
	void		(*line)(struct session *, struct agent *, struct json_object *);
	/* The screen rules: the terminal's text (borrowed) changed. */
	void		(*screen)(struct session *, struct agent *, const char *);
	/* 1 if the composer on this screen takes input. NULL: always. */
	int		(*ready)(const char *);
	/*
	 * A hook report of the agent (agentd hook), borrowed. NULL: it has none.
	 * 1 if the hook waits for the answer to the approval it asked for (its
	 * reply is then the decision, agent_hook_decision), else 0.
	 */
	int		(*hook)(struct session *, struct agent *, struct json_object *);
	/*
	 * The reply a waiting hook prints for the decision (allow, or deny with
	 * message, which may be NULL). Caller puts. NULL hook_decision: none waits.
	 */
	struct json_object *(*hook_decision)(int allow, const char *message);

	/*
	 * The stream transport (doc/DESIGN.md "Transports"): the agent's structured
	 * channel on pipes, one JSON value a line each way. NULL stream_prepare: the
	 * kind has none, and a stream session of its type is refused. The engine
	 * queues messages and sends the next when the status is idle; events a
	 * stream_line hook emits say "via": "stream" and are rendered readable into
	 * the session's terminal output (agent-stream.c).
	 *
	 * At create, instead of prepare: make *argv (the configured command of the
	 * mode, whose argv[0] may be a wrapper) the structured command; make priv.
	 */
	void		(*stream_prepare)(struct session *, struct agent *, char ***argv);
	/* The program runs (or was adopted): its hello, if it needs one. NULL: none. */
	void		(*stream_start)(struct session *, struct agent *);
	/* One line of its output, parsed: a JSON value (borrowed). */
	void		(*stream_line)(struct session *, struct agent *, struct json_object *);
	/* Feed it a message (text borrowed): it starts a turn. 0, or -1 if it cannot. */
	int		(*stream_send)(struct session *, struct agent *, const char *text);
	/*
	 * Feed it a message of content blocks (text, image; borrowed), the seed
	 * chat view's message with images. 0; -1 if it cannot take one now (a
	 * turn or a new conversation under way); -2 if the write failed (its
	 * stdin full). NULL: it takes text only.
	 */
	int		(*stream_send_blocks)(struct session *, struct agent *,
			    struct json_object *content);
	/*
	 * Answer the approval it asked for (a->pending, a->pending_id): allow or
	 * deny, with message (may be NULL) as the reason. 0, or -1 if it cannot.
	 */
	int		(*stream_approve)(struct session *, struct agent *, int allow,
			    const char *message);
	/* Interrupt the turn under way. NULL: it cannot be. */
	void		(*stream_interrupt)(struct session *, struct agent *);
	/* Start a new conversation (the next message starts it afresh). */
	void		(*stream_reset)(struct session *, struct agent *);
	/* Free a->priv. NULL: priv is unused. */
	void		(*free)(void *);
};

/* A message or command waiting to be typed into the agent's composer. */
struct qmsg {
	char			*text;
	uint64_t		 seq;		/* its message event; 0 for commands */
	int			 debrief;	/* the pre-kill debrief prompt */
	TAILQ_ENTRY(qmsg)	 entry;
};

/* The adapter state of one session (s->agent), owned by the engine. */
struct agent {
	const struct agent_kind	*kind;
	void			*priv;		/* the kind's own, freed by kind->free */
	struct screen		*screen;	/* a model of the terminal */
	int			 screen_dirty;
	uint64_t		 screen_ms;	/* last run of the screen rules */
	struct event		*poll_ev;
	struct event		*enter_ev;
	time_t			 started;

	int			 status;	/* AGENT_* */
	const char		*source;	/* who said so: daemon, hook, transcript, screen */
	const char		*phase;
	char			 since[32];
	struct json_object	*pending;	/* the approval asked for */
	struct json_object	*last_tool;

	TAILQ_HEAD(, qmsg)	 queue;
	int			 delivering;
	/* agent_watch: told of a watched command's delivery, and of idle. */
	void			(*watch_delivered)(struct session *);
	void			(*watch_idle)(struct session *);
	int			 turn_seen;	/* a turn began since the last delivery */
	/*
	 * A turn of its began once (its model and tools may have printed since), or
	 * it was adopted: no offer on its screen is the agent's own any more.
	 */
	int			 turned;
	char			*last_text;	/* the last text typed, to check it went in */
	int			 enter_retried;
	const char		*approve_keys;	/* an answer waiting for its box */
	int			 approve_allow;
	char			*approve_by;	/* who gave that answer */
	char			*approve_message;	/* and why (a denial's message) */
	unsigned		 wait_gen;	/* counts the entries into waiting_approval */
	unsigned		 approve_gen;	/* the one the answer is for */
	uint64_t		 out_bytes;	/* terminal output read so far */
	uint64_t		 approve_sent_out;	/* as the keys were sent */
	uint64_t		 approve_ms;
	uint64_t		 approve_seen_ms;	/* the box first seen */
	const char		*approve_sent;	/* sent: checked it was taken */
	uint64_t		 approve_sent_ms;
	int			 approve_retries;
	/*
	 * When the approval box on screen was answered (its keys, an interrupt):
	 * the screen rules do not ask for it again until it is gone (a TUI redraws
	 * it away a moment later), or for AGENT_BOX_STALE_MS (agent_box_stale).
	 */
	uint64_t		 box_stale_ms;
	unsigned		 box_seen_gen;	/* the wait whose box was on screen */
	uint64_t		 wait_ms;	/* the last entry into waiting_approval */
	uint64_t		 delivered_ms;
	uint64_t		 idle_ms;	/* the status last became idle */

	char			*pending_id;	/* stream: the id of the request asking it */
	int			 in_stream;	/* a stream line is being read (via stream) */
	struct waiter		*hook_waiter;	/* tty: the hook waiting for the decision */
	int			 tui_answered;	/* the last approval was answered there */
	struct event		*approve_timer;	/* approval_timeout */
	int			 plain;		/* no sign within agent_start_timeout */
	const char		*ev_detail;	/* what the status change comes from */

	char			*uuid;		/* the agent's own session id */
	char			*records;	/* its records: a JSONL file or a store */
	off_t			 roff;		/* read so far: a byte offset or a row id */
	int64_t			 in, out, cread, cwrite;
	double			 cost;
	uint64_t		 answered_ms;	/* last keys sent to a dialog */
	int			 dialogs;	/* AGENT_DIALOG_* answered (once each) */
	int			 dialogs_left;	/* AGENT_DIALOG_* left to a person */
	int			 started_up;	/* left starting once, or adopted: no dialogs */
	struct event		*keys_ev;	/* keys to send a moment later */
	char			*keys_later;
};

/*
 * The next status change's evidence: what in the source said so (a hook's
 * name, a line's type; for the screen, the rule's name). Static or borrowed
 * until that agent_set.
 */
void	agent_evidence(struct session *, const char *detail);

/* agent-stream.c: the stream transport, for the adapters. */
/* Write v (borrowed) to the agent's stdin as one JSON line. 0, or -1 (input full). */
int	agent_stream_write(struct session *, struct json_object *v);
/* Add text (borrowed) to the session's readable rendering (its terminal output). */
void	agent_render(struct session *, const char *text);

/* agent-kinds.c: the table of kinds, ended by NULL. */
extern const struct agent_kind	*const agent_kinds[];
/*
 * The kind that drives sessions of type: its section's adapter (none: NULL),
 * else the kind of the type's name, else NULL (never the program's name).
 */
const struct agent_kind *agent_kind_for(const char *type);
/* The kind called name, or NULL. */
const struct agent_kind *agent_kind_named(const char *name);

/* agent.c, for agent-stream.c: m (borrowed) reached the agent: the event, working. */
void	agent_delivered(struct session *, struct qmsg *m, const char *via);

/* agent.c: deliver what waits in the queue, if the agent may take it now. */
void	agent_deliver_queued(struct session *);

/*
 * agent-approve.c, for the screen rules: 1 if the approval box on screen is the
 * one just answered (shown: it is on screen; not shown clears that).
 */
int	agent_box_stale(struct agent *, int shown);
/*
 * agent-approve.c: the last approval box drawn on screen (text), at its question,
 * or NULL; *edits is 1 if it is the box for a change of files (edits_box).
 */
const char	*agent_box_find(const struct agent_kind *, const char *text, int *edits);
/*
 * agent-approve.c: where in text a composer's prompt mark (mark: "\n" and the
 * mark) is followed by something other than a choice's number ("1."), past
 * the mark; NULL if none.
 */
const char	*agent_composer(const char *text, const char *mark);
/* agent-approve.c, for the poll (agent.c): type the queued approval keys when due. */
void	agent_approve_send(struct session *);
/*
 * agent-approve.c, for the poll: an approval a hook reported that only reports
 * (codex), whose box never showed in AGENT_BOX_UNSEEN_MS, is not waited for.
 */
void	agent_wait_check(struct session *);
/* What an agent's approval keeps (agent_detach). */
void	agent_approve_free(struct agent *);

/* agent-guard.c, for the engine (agent.c). */
/* The evidence of a status change said by source (consumes a->ev_detail); caller puts. */
struct json_object *agent_evidence_json(struct session *, const char *source);
/* The status changed from was: arm or stop the approval timeout. */
void	agent_approve_timer(struct session *, int was);
/* Starting for agent_start_timeout with no sign: an error, then a plain terminal. */
void	agent_start_check(struct session *);
/* The approval event (late: answered after another answer won; no request then). */
void	agent_approval_event(struct session *, int allow, const char *by, const char *via,
	    const char *message, int late);
/* Keep w, the hook that waits for the pending approval's decision. */
void	agent_hook_hold(struct session *, struct waiter *w);
/* Let the waiting hook go without a decision: answered at the terminal (by). */
void	agent_hook_release(struct session *, int allow, const char *by);
/* Answer through the waiting hook: 0, or -1 if none waits. */
int	agent_hook_answer(struct session *, int allow, const char *message, const char *by);

/* agent-stream.c: the stream transport, for the engine (agent.c). */
/* A line of the agent's output (NUL-terminated): 1 if its kind read it. */
int	agent_stream_line(struct session *, const char *line, size_t len);
/* Deliver a queued message m (borrowed) through the kind's stream_send. */
void	agent_stream_deliver(struct session *, struct qmsg *m);
/* agent_approve of a stream session. */
int	agent_stream_approve(struct session *, int allow, const char *message,
	    const char *by, enum agd_err *code, char **cause);
/* The event type with fields (borrowed), rendered readable into the terminal output. */
void	agent_stream_render(struct session *, const char *type, struct json_object *fields);
/*
 * Re-adopted after a restart of the daemon: what the adapter had (its ids, the
 * records' offset, usage) and, on a stream, the approval still open there (its
 * request id: the agent waits for the answer on the same pipes).
 */
void	agent_restore(struct session *);

/* agent.c: the engine, for the adapters. */
/* Set the status (and the pending approval, whose reference it takes; may be NULL). */
void	agent_set(struct session *, int status, const char *source, const char *phase,
	    struct json_object *pending);
/* Store the adapter state in SQLite (the daemon's restart reads it back). */
void	agent_persist(struct session *);
/* Read the records now: new JSONL lines through kind->line, or kind->read. */
void	agent_read_records(struct session *);
/* 1 if another live session already reads the records at path. */
int	agent_records_taken(struct session *, const char *path);

/* agent-event.c: normalized events and record helpers, for the adapters. */
/* Emit event type with fields (taken; NULL: none) and the agent's record raw (borrowed). */
void	agent_event(struct session *, const char *type, struct json_object *fields,
	    struct json_object *raw, const char *via);
/* A text event (user_message, assistant_text, error); text and raw are borrowed. */
void	agent_text_event(struct session *, const char *type, const char *text,
	    struct json_object *raw, const char *via);
/* A tool_use event; it is also the session's last tool. All borrowed. */
void	agent_tool_use(struct session *, const char *tool, struct json_object *input,
	    const char *id, struct json_object *raw, const char *via);
/* A tool_result event; output and raw are borrowed. */
void	agent_tool_result(struct session *, const char *id, struct json_object *output,
	    int is_error, struct json_object *raw);
/* Add one message's usage to the totals and emit a usage event (none if all zero). */
void	agent_usage(struct session *, int64_t in, int64_t out, int64_t cread,
	    int64_t cwrite, double cost, struct json_object *raw);
/*
 * The content blocks of an assistant message: text, and tool calls of type
 * tool_type whose input is under input_key. All borrowed.
 */
void	agent_assistant_blocks(struct session *, struct json_object *content,
	    struct json_object *rec, const char *tool_type, const char *input_key);
/* The text of a message content (a string, or blocks of type want); caller frees. */
char	*agent_content_text(struct json_object *content, const char *want);
/* o[key] if a string, else NULL (borrowed from o). */
const char *agent_str(struct json_object *o, const char *key);
/* o[key] or NULL (borrowed from o). */
struct json_object *agent_obj(struct json_object *o, const char *key);
/* o[key] as an integer, 0 if absent or not a number. */
int64_t	agent_int(struct json_object *o, const char *key);
/*
 * The command line of the agent's hooks: `agentd -H HOME hook NAME KEYFILE`,
 * every word quoted for sh. Caller frees.
 */
char	*agent_hook_cmd(struct session *);
/* $HOME/rel; caller frees. */
char	*agent_home_path(const char *rel);
/* A new random (v4) UUID; caller frees. */
char	*agent_uuid(void);

/*
 * The agent asks to run tool with input (borrowed): the event, and the waiting
 * status. Every transport's request goes through here: it gets its id
 * (pendingApproval.id), which agent_approval_check holds a decision to.
 */
void	agent_approval_asked(struct session *, const char *tool, struct json_object *input,
	    struct json_object *raw, const char *via);
/* Answering the agent's own dialogs, for the screen rules. */
/* The start dialogs agentd answers (bits of a->dialogs). */
#define AGENT_DIALOG_TRUST	0x1	/* folder trust: only of a trusted folder */
#define AGENT_DIALOG_BYPASS	0x2	/* the bypassPermissions confirmation */
#define AGENT_DIALOG_PROMO	0x4	/* an offer of the agent's own (declined) */
/*
 * 1 if the start dialog (AGENT_DIALOG_*) may be answered now: the session is still
 * starting (never past its first ready, never re-adopted), the dialog was not
 * answered yet, no approval is open, and the session implies it (the bypass
 * confirmation only in bypassPermissions, folder trust only of a folder agentd-fcgi
 * found the caller may change: SESSION_TRUSTED).
 */
int	agent_dialog_may(struct session *, int dialog);
/*
 * A start dialog (AGENT_DIALOG_*) on screen that agentd does not answer (folder
 * trust of a folder not trusted) while the session starts: once, the dialog event
 * says it is left to a person, and the phase (trust_dialog) what the session
 * waits for. 1 if it is such a dialog, 0 otherwise.
 */
int	agent_dialog_left(struct session *, int dialog);
/*
 * Type now, then later (may be NULL) a moment after, as a person would. 0 if a
 * recent answer is still being processed, or input the terminal has not read yet
 * is queued (nothing sent: the screen rules run again at the next poll).
 */
int	agent_answer(struct session *, const char *now, const char *later);
/* A start dialog (AGENT_DIALOG_*) agentd answered: mark it, emit the dialog event. */
void	agent_dialog(struct session *, int dialog);
/*
 * A start dialog (AGENT_DIALOG_*) showing both options, and agent_dialog_may:
 * walk the cursor to want and confirm it once. 1 if the dialog is on screen and
 * may be answered (keys sent or not), 0 otherwise.
 */
int	agent_choose(struct session *, const char *text, const char *other,
	    const char *want, int dialog);
/*
 * An offer of the agent's own (AGENT_DIALOG_PROMO) showing both options, once
 * per session, only before its first turn (nothing its model or tools print is
 * on screen yet: a->turned) and not while an approval is open or its box shows:
 * walk the cursor from other to
 * want, the option that declines it, and confirm once the screen shows it
 * selected; no key while the marker is on neither. 1 if the offer is on screen
 * and may be answered (keys sent or not), 0 otherwise.
 */
int	agent_decline_offer(struct session *, const char *text, const char *other,
	    const char *want);

#endif
