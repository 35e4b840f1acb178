-- How a session's agent is driven (issue #14): its transport, the evidence of its
-- status, and its cost and token caps.
-- transport: tty (the TUI in a PTY) | stream (the agent's structured channel on pipes)
ALTER TABLE sessions ADD COLUMN transport TEXT NOT NULL DEFAULT 'tty';
-- JSON {source, rule, version, detail, at}: what said the current status
ALTER TABLE sessions ADD COLUMN status_evidence TEXT;
-- The caps (NULL: none) and the cap reached (JSON {what, limit, used, at}; NULL: none)
ALTER TABLE sessions ADD COLUMN max_cost_usd REAL;
ALTER TABLE sessions ADD COLUMN max_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN capped TEXT;
