// t/68-browser-terminal.t's browser side: terminal.html (xterm.js) against a tty
// session's /terminal WebSocket, as the seed source's web UI uses it.
'use strict';

const { run } = require('./lib/harness');

const workdir = process.env.AGENTD_WORKDIR;

run(async (t) => {
	const page = (name, token) => `/t/terminal.html?session=${encodeURIComponent(name)}` +
	    (token ? `&token=${encodeURIComponent(token)}` : '');
	const state = (p) => p.evaluate(() => ({ ...window.agentdTest, text: window.agentdTest.text() }));
	const output = async (name) => (await t.api('GET',
	    `/api/agents/sessions/${name}/output?since=0`)).body;

	let r = await t.api('POST', '/api/agents/sessions', { name: 'web1', agentType: 'web',
	    workingDirectory: workdir });
	t.is(r.status, 201, 'create web1');
	await t.apiUntil('GET', '/api/agents/sessions/web1/output?since=0',
	    (x) => /fake-agent pid=/.test(x.body.toString()), 'web1 to start');

	// Recent output first, written to the terminal byte for byte.
	const p1 = await t.page('web1');
	await p1.goto(t.url(page('web1', t.token)));
	t.ok(await t.waitFor(p1, () => window.agentdTest && window.agentdTest.open, [],
	    'the WebSocket to open'), 'the page connects to /terminal');
	t.ok(await t.waitFor(p1, () => /fake-agent pid=\d+/.test(window.agentdTest.text()), [],
	    'the replay in the terminal'), 'the recent output is in the terminal');
	let s = await state(p1);
	t.ok(s.texts.length === 0, 'no text frame before the output (no hello, no ping)',
	    JSON.stringify(s.texts));
	t.like(s.text, /^RED plain AéB$/m, 'colours removed, the split UTF-8 character joined');
	const color = await p1.evaluate(() => {
		const c = window.term.buffer.active.getLine(0).getCell(0);
		return { ch: c.getChars(), palette: c.isFgPalette(), fg: c.getFgColor() };
	});
	t.is(color, { ch: 'R', palette: true, fg: 1 }, 'the escape sequence made "RED" red');
	t.ok(Buffer.from(s.bytes).equals(await output('web1')),
	    'the bytes received are the output, byte for byte');
	await t.screenshot(p1, 'web1-replay');

	// Keys typed into xterm.js reach the agent as binary frames.
	await p1.click('#term');
	await p1.keyboard.type('hello-browser');
	await p1.keyboard.press('Enter');
	t.ok(await t.waitFor(p1, () => /^got: hello-browser$/m.test(window.agentdTest.text()), [],
	    'the echo of typed keys'), 'typed keys reach the agent; its answer is shown');
	await p1.keyboard.type('say grüße ✓ 日本');
	await p1.keyboard.press('Enter');
	t.ok(await t.waitFor(p1, () => /^grüße ✓ 日本$/m.test(window.agentdTest.text()), [],
	    'the answer to non-ASCII keys'), 'non-ASCII keys round-trip as UTF-8');
	await t.apiUntil('GET', '/api/agents/sessions/web1/output?since=0',
	    (x) => /grüße ✓ 日本\r\n/.test(x.body.toString()), 'the answer in the output');
	await t.waitFor(p1, (n) => window.agentdTest.bytes.length >= n,
	    [(await output('web1')).length], 'every byte');
	s = await state(p1);
	t.ok(Buffer.from(s.bytes).equals(await output('web1')),
	    'live output too: the bytes are the output, byte for byte');
	await t.screenshot(p1, 'web1-typed');

	// A resize of the terminal reaches the session.
	await p1.evaluate(() => window.term.resize(120, 33));
	r = await t.apiUntil('GET', '/api/agents/sessions/web1',
	    (x) => x.json && x.json.cols === 120, 'the resize');
	t.is([r.json.cols, r.json.rows], [120, 33], 'resize: the session is 120x33');

	// The agent exits: the exit frame, close 1000 "Session ended".
	await p1.keyboard.type('exit 3');
	await p1.keyboard.press('Enter');
	t.ok(await t.waitFor(p1, () => window.agentdTest.close, [], 'the close'), 'closed');
	s = await state(p1);
	t.is(s.exit, { type: 'exit', exitCode: 3, signal: null }, 'the exit frame');
	t.is(s.close, { code: 1000, reason: 'Session ended' }, 'close 1000 "Session ended"');
	t.like(s.text, /^exiting 3$/m, 'the last output is in the terminal');
	await t.screenshot(p1, 'web1-exited');

	// DELETE: close 1000 "Session killed".
	r = await t.api('POST', '/api/agents/sessions', { name: 'web2', agentType: 'web',
	    workingDirectory: workdir });
	t.is(r.status, 201, 'create web2');
	const p2 = await t.page('web2');
	await p2.goto(t.url(page('web2', t.token)));
	t.ok(await t.waitFor(p2, () => /fake-agent pid=/.test(window.agentdTest.text()), [],
	    'web2 output'), 'web2 in the terminal');
	r = await t.api('DELETE', '/api/agents/sessions/web2');
	t.is(r.status, 200, 'DELETE web2');
	t.ok(await t.waitFor(p2, () => window.agentdTest.close, [], 'the close'), 'closed');
	s = await state(p2);
	t.is(s.exit && s.exit.signal, 15, 'killed: the exit frame has signal 15');
	t.is(s.close, { code: 1000, reason: 'Session killed' }, 'close 1000 "Session killed"');
	await t.screenshot(p2, 'web2-killed');

	// No such session: 4004 (the UI stops reconnecting).
	const p3 = await t.page('nosuch');
	await p3.goto(t.url(page('nosuch', t.token)));
	t.ok(await t.waitFor(p3, () => window.agentdTest.close, [], 'the close'), 'closed');
	s = await state(p3);
	t.is(s.close && s.close.code, 4004, 'no such session: close 4004');
	t.is(s.bytes.length, 0, 'and no output');
});
