# WebSocket stream tests (issue: live streams), through the real nginx.
# t/65, t/68, t/69: the seed source's protocol on /terminal (t/69: its chat view
# of stream sessions); t/68 in a browser
# (t/lib/Browser.pm, the npm packages of t/browser/package.json).
AGD_T_WS_TESTS = t/60-ws-stream.t t/61-ws-replay.t t/62-ws-bad.t t/63-ws-hangup.t \
	t/64-ws-fds.t t/65-ws-terminal.t t/66-storm.t t/68-browser-terminal.t t/69-ws-chat.t
TESTS += $(AGD_T_WS_TESTS)
EXTRA_DIST += $(AGD_T_WS_TESTS) t/lib/WSClient.pm t/lib/Browser.pm t/lib/SeedChat.pm \
	t/browser/install t/browser/package.json t/browser/package-lock.json \
	t/browser/lib/harness.js t/browser/terminal.html t/browser/terminal-page.js \
	t/browser/terminal.js
