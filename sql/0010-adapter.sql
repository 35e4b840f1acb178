-- The adapter that drives a session's agent (issue #14): the agent kind chosen at
-- create (claude | codex | openclaw), 'none' for a plain terminal or the daemon's
-- own command (a remote worker's loop). A restarted daemon adopts the session with
-- it, whatever the configuration says by then: its rules must be those of the
-- program that runs. NULL (a row of an older agentd): from its type's section, as
-- before.
ALTER TABLE sessions ADD COLUMN adapter TEXT;
