-- agentd schema, version 1. Only agentd writes; agentd-fcgi reads (WAL).
CREATE TABLE sessions (
	id			INTEGER PRIMARY KEY,
	name			TEXT NOT NULL,
	agent_type		TEXT NOT NULL,
	working_directory	TEXT NOT NULL,
	permission_mode		TEXT NOT NULL,
	prompt			TEXT,
	pid			INTEGER,
	pgid			INTEGER,
	status			TEXT NOT NULL,		-- starting|running|exited|terminated
	created			TEXT NOT NULL,		-- ISO-8601 UTC
	ended			TEXT,
	exit_code		INTEGER,
	exit_signal		INTEGER,
	end_reason		TEXT,
	completion_status	TEXT,
	completion_comment	TEXT,
	completed_at		TEXT,
	role			TEXT NOT NULL DEFAULT 'standalone',
	parent_id		INTEGER REFERENCES sessions(id),
	creator			TEXT,
	last_seq		INTEGER NOT NULL DEFAULT 0,
	reset_seq		INTEGER NOT NULL DEFAULT 0,
	last_activity		TEXT,
	cols			INTEGER NOT NULL DEFAULT 120,
	rows			INTEGER NOT NULL DEFAULT 40
);
-- A name belongs to at most one live session; ended sessions keep theirs for history.
CREATE UNIQUE INDEX sessions_live_name ON sessions(name) WHERE ended IS NULL;
CREATE INDEX sessions_name ON sessions(name, id);

CREATE TABLE events (
	session_id	INTEGER NOT NULL REFERENCES sessions(id),
	seq		INTEGER NOT NULL,
	ts		TEXT NOT NULL,
	type		TEXT NOT NULL,
	data		TEXT NOT NULL,		-- the json_event object
	PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
