-- The id of the agent's own request a pending approval answers (a stream's
-- control_request / JSON-RPC request id; NULL: none, or asked through a hook or
-- the screen), so that an approval asked before a restart of the daemon can still
-- be answered after it (issue #14).
ALTER TABLE sessions ADD COLUMN pending_id TEXT;
