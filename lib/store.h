/* Rows of the store as the JSON objects of doc/DESIGN.md, for the daemon and fcgi. */
#ifndef AGD_STORE_H
#define AGD_STORE_H

#include <stdint.h>

#include <json-c/json.h>
#include <sqlite3.h>

/*
 * The one SELECT that every session reply is built from; append WHERE/ORDER.
 * agd_session_json() reads its columns in this order, from column 0.
 */
#define AGD_SESSION_SELECT \
	"SELECT id, name, agent_type, working_directory, permission_mode, prompt," \
	" pid, status, created, ended, exit_code, exit_signal, end_reason," \
	" completion_status, completion_comment, completed_at, role," \
	" (SELECT p.name FROM sessions AS p WHERE p.id = sessions.parent_id)," \
	" last_seq, creator, last_activity, cols, rows," \
	" status_source, status_since, phase, pending_approval, last_tool," \
	" input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd," \
	" branch, worktree, machine, issue_url, issue_number, keep_reason," \
	" worktree_state," \
	" transport, status_evidence, max_cost_usd, max_tokens, capped, debriefing," \
	" trust_folder, trust_why" \
	" FROM sessions"

/* Column index of the id in AGD_SESSION_SELECT. */
#define AGD_SESSION_COL_ID	0
/* The first of the worker columns (sql/0004-workers.sql), in the order above. */
#define AGD_SESSION_COL_BRANCH	33
/* The first of the transport columns (sql/0006-transport.sql). */
#define AGD_SESSION_COL_TRANSPORT	40
/* Whether a pre-kill debrief runs (sql/0003), after the transport columns. */
#define AGD_SESSION_COL_DEBRIEFING	45
/* Folder trust (sql/0009): trust_folder, trust_why. */
#define AGD_SESSION_COL_TRUST	46

/*
 * Parts of a row: the completion {status, comment, at} from three columns from i
 * (NULL if not completed), and usage from five (input, output, cache read, cache
 * write, cost). Caller puts.
 */
struct json_object *agd_completion_json(sqlite3_stmt *, int i);
struct json_object *agd_usage_json(sqlite3_stmt *, int i);

/* Token usage and cost, of one agent or summed over many. */
struct agd_usage {
	int64_t		 in;
	int64_t		 out;
	int64_t		 cache_read;
	int64_t		 cache_write;
	double		 cost;		/* USD */
};
/*
 * The usage object of doc/DESIGN.md {inputTokens, outputTokens, cacheReadTokens,
 * cacheWriteTokens, costUsd}; the only place it is written. Caller puts.
 */
struct json_object *agd_usage_new(const struct agd_usage *);
/* Add the five usage columns of st from i to *u. */
void		 agd_usage_add(struct agd_usage *u, sqlite3_stmt *st, int i);

/* The session object of doc/DESIGN.md from the current row. Caller puts. */
struct json_object *agd_session_json(sqlite3_stmt *);

/*
 * The three names of where a session is (README "Status, state and phase"), the
 * same in the list, the detail, the world and the WebSocket hello:
 *  - agd_session_status: the seed's coarse lifecycle, running, completed, failed
 *    or killed, from agentd's state, the exit and whether it was marked complete;
 *  - the state itself (the daemon's: starting, running, idle, working,
 *    waiting_approval, exited, terminated), as stored;
 *  - agd_session_phase: what it does now, finest first: debriefing, completed,
 *    exited, waiting_approval, else the agent's own phase (thinking, tool_use,
 *    idle, ...), else starting or idle.
 * state and phase may be NULL; exit_code is -1 when unknown. Static strings.
 */
const char	*agd_session_status(const char *state, int ended, int exit_code,
		    int completed);
const char	*agd_session_phase(const char *state, const char *phase,
		    int completed, int debriefing);

#endif
