# WebSocket stream tests (issue: live streams), through the real nginx.
AGD_T_WS_TESTS = t/60-ws-stream.t t/61-ws-replay.t t/62-ws-bad.t t/63-ws-hangup.t \
	t/64-ws-fds.t t/65-ws-terminal.t
TESTS += $(AGD_T_WS_TESTS)
EXTRA_DIST += $(AGD_T_WS_TESTS) t/lib/WSClient.pm
