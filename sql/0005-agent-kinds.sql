-- The agent kinds the daemon knows (daemon/agent-*.c), published at every start so
-- that agentd-fcgi, which reads only SQLite, needs no list of agents of its own.
-- skills_user / skills_project: blank-separated directories, relative to the home
-- and to a project's directory, where that agent loads its skills from.
CREATE TABLE agent_kinds (
	name		TEXT PRIMARY KEY,
	skills_user	TEXT NOT NULL DEFAULT '',
	skills_project	TEXT NOT NULL DEFAULT ''
);
