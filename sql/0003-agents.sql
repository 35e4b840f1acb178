-- What the agents say about themselves (status, approvals, usage).
ALTER TABLE sessions ADD COLUMN status_source TEXT;	-- hook|transcript|screen|daemon
ALTER TABLE sessions ADD COLUMN status_since TEXT;
ALTER TABLE sessions ADD COLUMN phase TEXT;		-- starting|thinking|tool_use|waiting_approval|idle|...
ALTER TABLE sessions ADD COLUMN pending_approval TEXT;	-- JSON {tool, input} while waiting
ALTER TABLE sessions ADD COLUMN agent_session TEXT;	-- the agent's own session/thread id
ALTER TABLE sessions ADD COLUMN last_tool TEXT;		-- JSON of the last tool use
ALTER TABLE sessions ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN transcript_offset INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN transcript_path TEXT;
ALTER TABLE sessions ADD COLUMN debriefing INTEGER NOT NULL DEFAULT 0;

-- Pre-kill debriefs: the agent's own report, or agentd's fallback.
CREATE TABLE debriefs (
	id		INTEGER PRIMARY KEY,
	session_id	INTEGER NOT NULL REFERENCES sessions(id),
	kind		TEXT NOT NULL,		-- hotwash|aar
	source		TEXT NOT NULL,		-- agent|fallback
	report		TEXT NOT NULL,		-- markdown
	created		TEXT NOT NULL,
	path		TEXT			-- the markdown file in the session's directory
);
CREATE INDEX debriefs_session ON debriefs(session_id, id);
