-- The request behind an audit row (issue #18): nginx's $request_id as agentd-fcgi
-- passed it (or the WebSocket upgrade's X-Request-Id), so that a row, the nginx
-- access log and the agentd and agentd-fcgi log lines of one request are found
-- by one id. NULL: no request (a webhook delivery, a session's hook).
ALTER TABLE audit ADD COLUMN request TEXT;
