-- Who did what: one row per change request, whatever its result.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	ts		TEXT NOT NULL,
	user		TEXT NOT NULL,
	role		TEXT NOT NULL,
	action		TEXT NOT NULL,		-- the control operation, e.g. session.create
	session		TEXT,			-- the session name, if any
	addr		TEXT,			-- the client address nginx saw
	status		INTEGER NOT NULL,	-- the HTTP status of the answer
	detail		TEXT			-- the error text, or a short note
);
CREATE INDEX audit_ts ON audit(ts);
