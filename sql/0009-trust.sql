-- Folder trust (issue #12): 1 when agentd-fcgi found the session's working
-- directory in a project root the caller may change (fcgi/home.c), so agentd
-- answers the agent's folder-trust dialog and lets it read the folder's own
-- settings; 0 (and every older row): the dialog stays for a person to answer
-- on the terminal, claude reads its user settings only, codex is not told.
ALTER TABLE sessions ADD COLUMN trust_folder INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN trust_why TEXT;
