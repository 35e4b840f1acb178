-- Workers: sessions dispatched by a parent into their own git worktree, here or
-- on another machine (role = 'worker', parent_id = the parent).
ALTER TABLE sessions ADD COLUMN branch TEXT;		-- the worker's new branch
ALTER TABLE sessions ADD COLUMN worktree TEXT;		-- its worktree (on machine)
ALTER TABLE sessions ADD COLUMN machine TEXT;		-- 'local' or a [machine ID] of the config
ALTER TABLE sessions ADD COLUMN issue_url TEXT;
ALTER TABLE sessions ADD COLUMN issue_number INTEGER;
ALTER TABLE sessions ADD COLUMN base_commit TEXT;	-- the parent's HEAD it started from
ALTER TABLE sessions ADD COLUMN repo TEXT;		-- the repository the worktree belongs to (on machine)
ALTER TABLE sessions ADD COLUMN keep_reason TEXT;	-- why the worktree was kept at the end
ALTER TABLE sessions ADD COLUMN base_branch TEXT;	-- the parent's branch then (NULL: detached)
ALTER TABLE sessions ADD COLUMN worktree_state TEXT;	-- active|removed|kept
CREATE INDEX sessions_parent ON sessions(parent_id);
