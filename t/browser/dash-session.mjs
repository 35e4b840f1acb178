// t/76-dash.t's browser half: the dashboard against a stack with the fake
// agent (it answers every line with "got: LINE").
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { BASE, TOKEN, action, clickText, deleteFromPage, go, newPage, output, slowdown, noErrors, note, ok, rest, run, shot, termText, until, untilTerm, waitFor } from './dash-harness.mjs';

const WORK = process.env.DASH_UPDIR;	// the form's session: outside the state directory
const REPO = process.env.DASH_REPO;
const FIRST_LOAD_MAX = 300 * 1024;	// the goal: JS + CSS, compressed
const STALL_MAX_MS = 500;		// longest the page may stop answering while output floods in (idle machine)

async function setValue(page, sel, v) {
	await page.$eval(sel, (e) => { e.value = ''; });
	await page.type(sel, v);
}

// The columns of name's terminal, as the hello of a new WebSocket says them.
const helloCols = (page, name) => page.evaluate((n) => new Promise((res) => {
	const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/agents/sessions/${n}`);
	ws.onmessage = (m) => {
		try {
			const j = JSON.parse(m.data);
			if (j.type === 'hello') {
				ws.close();
				res(j.cols);
			}
		} catch { /* a binary frame */ }
	};
	ws.onerror = () => res(-1);
}), name);

run(async (browser) => {
	const page = await newPage(browser);

	// auth = local without the cookie: the page says 401 and how to sign in.
	page.expectErrors.push(/401/);
	await page.goto(`${BASE}/`, { waitUntil: 'load' });
	const banner = await until(page, () => { const b = document.querySelector('.banner'); return b && !b.hidden && b.textContent; }, 'the 401 banner');
	ok(/401 Unauthenticated/.test(banner) && /login/.test(banner), `without the token the page shows the 401 (${banner.slice(0, 60)}…)`);
	await shot(page, 'unauthenticated');
	page.expectErrors = [];
	page.errors = [];
	// The local mode's own mechanism: /api/agents/login sets the cookie, back to /.
	await page.goto(`${BASE}/api/agents/login?token=${TOKEN}&next=/`, { waitUntil: 'load' });
	ok(page.url() === `${BASE}/`, `the login leads back to the dashboard (${page.url()})`);

	// First load: what the network carried for the page, its JS and its CSS.
	const cdp = await page.createCDPSession();
	await cdp.send('Network.enable');
	const reqs = new Map();
	cdp.on('Network.responseReceived', (e) => reqs.set(e.requestId, { url: e.response.url, type: e.type,
		enc: e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '' }));
	cdp.on('Network.loadingFinished', (e) => {
		const r = reqs.get(e.requestId);
		if (r)
			r.bytes = e.encodedDataLength;
	});
	await page.setCacheEnabled(false);	// a first visit's load, not the cache's
	const t0 = Date.now();
	await page.goto(`${BASE}/`, { waitUntil: 'load' });
	await until(page, () => document.querySelector('div.fleet') && window.__agentdFleet, 'the fleet view');
	const loadMs = Date.now() - t0;
	let assets = 0;
	for (const r of reqs.values()) {
		if (['Document', 'Script', 'Stylesheet'].includes(r.type)) {
			note(`first load: ${r.type} ${r.url.replace(BASE, '')} ${r.bytes} B on the wire (${r.enc || 'identity'})`);
			assets += r.bytes || 0;
		}
	}
	note(`first load: ${assets} B of HTML+JS+CSS on the wire (goal ${FIRST_LOAD_MAX}), fleet shown in ${loadMs} ms`);
	ok(assets > 0 && assets <= FIRST_LOAD_MAX, `first load ${assets} B <= 300 KB compressed`);
	ok([...reqs.values()].every((r) => r.url.startsWith(BASE) || r.url.startsWith('data:')), 'nothing loaded from another origin');
	await shot(page, 'fleet-empty');
	noErrors(page, 'fleet (empty)');
	await page.setCacheEnabled(true);

	// Create through the form; the prompt shows in the terminal.
	await go(page, '#/new');
	await page.waitForSelector('#new-name');
	await page.type('#new-name', 'dash1');
	await setValue(page, '#new-agent', 'fake');
	await page.type('#new-dir', WORK);
	await page.type('#new-prompt', 'hello from the form');
	const up = `${mkdtempSync('/tmp/dash-up-')}/uploaded-note.txt`;
	writeFileSync(up, 'uploaded from the page\n');
	await (await page.$('#new-files')).uploadFile(up);
	const modes = await page.$$eval('#new-mode option', (os) => os.map((o) => o.value));
	ok(modes.includes('bypassPermissions'), 'an admin (the local owner) is offered bypassPermissions');
	await shot(page, 'new-session');
	await page.click('form.new-form button[type=submit]');
	await until(page, () => location.hash === '#/s/dash1', 'the new session to open');
	ok(true, 'create through the form opens the session');
	await untilTerm(page, /got: hello from the form/, 'the prompt in the terminal');
	ok(true, 'the prompt shows in the terminal');
	await waitFor(async () => existsSync(`${WORK}/uploaded-note.txt`), 'the uploaded file');
	ok(readFileSync(`${WORK}/uploaded-note.txt`, 'utf8') === 'uploaded from the page\n', 'the form uploads its file into the directory');

	// Keys typed into the terminal reach the agent and echo.
	await page.click('.term');
	await page.keyboard.type('typed-keys-42');
	await page.keyboard.press('Enter');
	await untilTerm(page, /got: typed-keys-42/, 'the typed line echoed');
	ok(true, 'typing into the terminal: the agent echoes it');

	// Resize: a narrower window refits the terminal, and the agent's terminal
	// follows (the size a new connection's hello reports).
	const cols0 = await page.evaluate(() => window.__agentdTerm.term.cols);
	await page.setViewport({ width: 900, height: 700 });
	const cols1 = await until(page, (c) => { const n = window.__agentdTerm.term.cols; return n !== c && n; },
		'the terminal refitted', cols0);
	const agentCols = await waitFor(async () => {
		const c = await helloCols(page, 'dash1');
		return c === cols1 ? c : null;
	}, 'the agent\'s terminal resized');
	ok(cols1 < cols0 && agentCols === cols1, `resize: the terminal refits (${cols0} -> ${cols1} columns) and the agent's follows (${agentCols})`);
	await page.setViewport({ width: 1280, height: 800 });
	await until(page, (c) => window.__agentdTerm.term.cols === c, 'the terminal back to its width', cols0);

	// The message box.
	await page.type('#msg', 'via the box');
	await page.keyboard.press('Enter');
	await untilTerm(page, /got: via the box/, 'the message answered');
	await until(page, () => [...document.querySelectorAll('.ev-message')].some((e) => e.textContent.includes('via the box')),
		'the message in the timeline');
	ok(true, 'the message box sends a message; the timeline shows it');
	await shot(page, 'session');

	// Output at full speed: xterm's queue stops the reading (the socket closes and
	// resumes with since=), the page stays responsive, every byte arrives.
	const BIG = 3 * 1024 * 1024;	// > FC_HIGH x FC_CHUNK queued: reading must stop
	await page.evaluate(() => {
		window.__gap = 0;
		let last = performance.now();
		window.__beat = setInterval(() => {
			const now = performance.now();
			window.__gap = Math.max(window.__gap, now - last);
			last = now;
		}, 50);
	});
	const b0 = await page.evaluate(() => window.__agentdTerm.bytes);
	const t1 = Date.now();
	await rest('POST', '/api/agents/sessions/dash1/message', { message: `print ${BIG}` });
	// (a cheap check while it runs: the byte count, then the screen's last lines)
	await until(page, (n) => window.__agentdTerm.bytes >= n, 'every byte', b0 + BIG, 180000);
	await untilTerm(page, new RegExp(`printed ${BIG}`), 'the end of the output drawn');
	const fc = await page.evaluate(() => {
		clearInterval(window.__beat);
		const m = performance.memory;
		return { gap: window.__gap, bytes: window.__agentdTerm.bytes, pauses: window.__agentdTerm.pauses || 0,
			heap: m ? m.usedJSHeapSize : 0 };
	});
	note(`flow control: ${BIG} B in ${Date.now() - t1} ms, ${fc.pauses} pauses, longest stall of the page ${fc.gap.toFixed(0)} ms, JS heap ${(fc.heap / 1048576).toFixed(1)} MiB`);
	ok(fc.bytes - b0 >= BIG, `every byte reached the terminal (${fc.bytes - b0} B)`);
	const slow = await slowdown(page);
	if (process.env.DASH_ASAN === '1')
		ok(true, `stall # SKIP under ASan (longest ${fc.gap.toFixed(0)} ms): the sanitizer pass measures no pace`);
	else
		ok(fc.gap / slow < STALL_MAX_MS, `the page stays responsive under full-speed output (longest stall ${fc.gap.toFixed(0)} ms; machine ${slow.toFixed(1)}x slower than idle; goal ${STALL_MAX_MS} ms)`);
	ok(fc.heap < 200 * 1048576, `memory stays bounded (JS heap ${(fc.heap / 1048576).toFixed(1)} MiB)`);

	// Memory over a long run of output and events (an hour's worth and more of an
	// agent's output, here at full speed): after each round of output and messages
	// the heap, once collected, stays where it was after the first; the timeline
	// and xterm's buffer keep their caps.  DASH_SOAK_S runs rounds for that long.
	const SOAK_MS = (Number(process.env.DASH_SOAK_S) || 0) * 1000;
	const MSGS = 100;	// six rounds pass the timeline's cap (500)
	const heapNow = async () => {
		// The heap as V8 has it (performance.memory is rounded and cached).
		await cdp.send('HeapProfiler.collectGarbage');
		const { usedSize } = await cdp.send('Runtime.getHeapUsage');
		return { heap: usedSize, ...(await page.evaluate(() => ({
			events: document.querySelectorAll('ol.timeline > li').length,
			lines: window.__agentdTerm.term.buffer.normal.length }))) };
	};
	let first = null, last = null, rounds = 0;
	const soakStart = Date.now();
	for (let r = 0; r < 6 || Date.now() - soakStart < SOAK_MS; r++) {
		const b1 = await page.evaluate(() => window.__agentdTerm.bytes);
		await rest('POST', '/api/agents/sessions/dash1/message', { message: `print ${BIG}` });
		await until(page, (n) => window.__agentdTerm.bytes >= n, 'the round\'s bytes', b1 + BIG, 180000);
		for (let i = 0; i < MSGS; i++) {
			const m = await rest('POST', '/api/agents/sessions/dash1/message', { message: `round ${r} line ${i}` });
			if (m.status !== 200)
				throw new Error(`message ${i} of round ${r}: ${m.status} ${JSON.stringify(m.json)}`);
		}
		await untilTerm(page, new RegExp(`got: round ${r} line ${MSGS - 1}`), 'the round\'s last line');
		last = await heapNow();
		if (r === 0)
			first = last;
		rounds = r + 1;
	}
	const mib = (x) => (x / 1048576).toFixed(1);
	note(`memory: ${rounds} rounds of ${BIG} B and ${MSGS} messages in ${((Date.now() - soakStart) / 1000).toFixed(0)} s: heap ${mib(first.heap)} -> ${mib(last.heap)} MiB, ${last.events} timeline entries, ${last.lines} buffer lines`);
	ok(last.heap <= first.heap + 8 * 1048576, `memory stays bounded over ${rounds} rounds (heap ${mib(first.heap)} -> ${mib(last.heap)} MiB, at most +8)`);
	ok(last.events <= 500, `the timeline keeps its cap of 500 (${last.events} entries)`);
	ok(last.lines <= 5000 + 200, `xterm's buffer keeps its cap of 5000 lines and a screen (${last.lines} lines)`);

	// A dropped connection: the stream reconnects with since=, no gap and no duplicate.
	await rest('POST', '/api/agents/sessions/dash1/message', { message: 'before-the-drop' });
	await untilTerm(page, /got: before-the-drop/, 'the line before the drop');
	await page.evaluate(() => window.__agentdTerm.ws.close(4000, 'test: dropped'));
	await rest('POST', '/api/agents/sessions/dash1/message', { message: 'after-the-drop' });
	await untilTerm(page, /got: after-the-drop/, 'the line sent while reconnecting');
	const text = await termText(page);
	ok((text.match(/got: after-the-drop/g) || []).length === 1 && (text.match(/got: before-the-drop/g) || []).length === 1,
		'reconnect with since: what was missed arrives once, nothing is drawn twice');

	noErrors(page, 'session view, before the restart');

	// A daemon restart (kill -9, started again): the page reconnects by itself,
	// what the agent printed meanwhile arrives once, typing works again.
	page.expectErrors.push(/WebSocket|502|503|Failed to load resource/);
	await rest('POST', '/api/agents/sessions/dash1/message', { message: 'before-the-restart' });
	await untilTerm(page, /got: before-the-restart/, 'the line before the restart');
	await action('restart_daemon');
	await rest('POST', '/api/agents/sessions/dash1/message', { message: 'after-the-restart' });
	await untilTerm(page, /got: after-the-restart/, 'the line sent after the restart');
	await page.click('.term');
	await page.keyboard.type('typed-after-restart');
	await page.keyboard.press('Enter');
	await untilTerm(page, /got: typed-after-restart/, 'a line typed after the restart');
	const rtext = await termText(page);
	ok((rtext.match(/got: before-the-restart/g) || []).length === 1 && (rtext.match(/got: after-the-restart/g) || []).length === 1,
		'after a daemon restart the page reconnects: nothing missed, nothing drawn twice, typing works');
	page.expectErrors = [];
	page.errors = [];

	// Reset: the timeline says so, the terminal starts again, the agent still answers.
	await clickText(page, 'Reset');
	await until(page, () => document.querySelector('.ev-reset'), 'the reset in the timeline');
	await until(page, () => !/before-the-restart/.test(window.__agentdTerm.text()), 'the terminal cleared');
	await rest('POST', '/api/agents/sessions/dash1/message', { message: 'after-the-reset' });
	await untilTerm(page, /got: after-the-reset/, 'a line after the reset');
	ok(true, 'reset: in the timeline, the terminal cleared, the agent answers after it');

	// Complete with status and comment.
	await clickText(page, 'Complete…');
	await page.waitForSelector('dialog #complete-status');
	await page.select('dialog #complete-status', 'success');
	await page.type('dialog #complete-comment', 'done from the page');
	await page.click('dialog button.primary');
	await until(page, () => document.querySelector('.facts .done')?.textContent.includes('done from the page'), 'completion shown');
	const d1 = await rest('GET', '/api/agents/sessions/dash1?limit=1');
	ok(d1.json && d1.json.completion && d1.json.completion.status === 'success', 'complete: stored as success');
	await until(page, () => [...document.querySelectorAll('.ev-completed')].some((e) => /success/.test(e.textContent) && /done from the page/.test(e.textContent)),
		'the completion in the timeline');
	ok(true, 'the timeline shows the completion with its status and comment');

	// Pre-kill debrief: the report shows.
	await clickText(page, 'Debrief');
	const report = await until(page, () => document.querySelector('dialog pre.report')?.textContent, 'the debrief report', undefined, 60000);
	ok(report.length > 20, `debrief: the report shows (${report.length} chars)`);
	await shot(page, 'debrief');
	await page.click('dialog button:not(.danger)');
	await until(page, () => document.querySelector('.ev-debrief pre')?.textContent.length > 20, 'the debrief in the timeline');
	ok(true, 'the timeline keeps the debrief report');
	noErrors(page, 'session view');

	// The fleet lists it with status, in place.
	await go(page, '#/');
	await until(page, () => [...document.querySelectorAll('div.fleet .fbody .c-name a')].some((a) => a.textContent === 'dash1'), 'dash1 in the fleet');
	ok(true, 'the fleet lists the session');

	// The machines workers can run on, with their reachability.
	await go(page, '#/machines');
	const local = await until(page, () => {
		const r = [...document.querySelectorAll('table[aria-label="Machines"] tbody tr')].find((tr) => tr.cells[0].textContent === 'local');
		return r && [...r.cells].map((c) => c.textContent);
	}, 'the local machine listed');
	ok(local[2] === 'yes', `the machines page: local, reachable (${local.join(' | ')})`);
	await shot(page, 'machines');
	noErrors(page, 'machines');

	// A worker dispatched from the page; its diff; a review comment reaches it.
	const p = await rest('POST', '/api/agents/sessions', { name: 'par', agentType: 'fake', workingDirectory: REPO });
	ok(p.status === 201, 'a parent session in a repository') || note(JSON.stringify(p));
	await shot(page, 'fleet');
	await go(page, '#/s/par/workers');
	await page.waitForSelector('#w-task');
	await page.type('#w-task', 'improve the notes');
	await page.type('#w-branch', 'w1');
	await page.click('form button.primary');
	await until(page, () => [...document.querySelectorAll('table.list a')].some((a) => a.textContent === 'par.w1'), 'the worker listed');
	ok(true, 'dispatch from the page: the worker is listed');
	await shot(page, 'workers');
	const w = await rest('GET', '/api/agents/sessions/par.w1?limit=1');
	ok(w.status === 200 && w.json.worktree, `the worker has a worktree (${w.json && w.json.worktree})`);
	const wt = w.json.workingDirectory || w.json.worktree;
	writeFileSync(`${wt}/notes.txt`, 'line one\nline 2 changed\nline three\n');
	writeFileSync(`${wt}/new.txt`, 'a new file\n');
	await go(page, '#/s/par.w1/changes');
	await until(page, () => document.querySelectorAll('tr.ln.oadd').length >= 2, 'the diff lines');
	const files = await page.$$eval('.diff details.file summary code', (cs) => cs.map((c) => c.textContent));
	ok(files.includes('notes.txt') && files.includes('new.txt'), `the diff lists the changed files (${files.join(', ')})`);
	await page.evaluate(() => [...document.querySelectorAll('.diff details.file')]
		.find((d) => d.querySelector('summary code').textContent === 'notes.txt').querySelector('tr.ln.oadd').click());
	await page.waitForSelector('tr.comment textarea');
	await page.type('tr.comment textarea', 'please spell it two');
	await shot(page, 'changes');
	await clickText(page, 'Send review');
	await until(page, () => document.querySelector('.changes-view .count')?.textContent === 'review sent', 'review sent');
	await waitFor(async () => /got: +please spell it two/.test(await output('par.w1')), 'the review in the worker\'s terminal');
	const out = await output('par.w1');
	ok(/got: Review of your changes:/.test(out) && /notes\.txt:2/.test(out), 'the review reaches the agent as one message, with file and line');
	noErrors(page, 'changes view');

	// A stream session takes no keys (the daemon refuses them): its terminal
	// has no keyboard, typing shows no error, the message box is its input.
	const st = await rest('POST', '/api/agents/sessions', { name: 'dash-stream', agentType: 'fcs',
		transport: 'stream', workingDirectory: WORK });
	ok(st.status === 201, 'a stream session') || note(JSON.stringify(st));
	await go(page, '#/s/dash-stream');
	await until(page, () => window.__agentdTerm && window.__agentdTerm.name === 'dash-stream', 'its terminal');
	const stdin = await page.evaluate(() => window.__agentdTerm.term.options.disableStdin);
	ok(stdin === true, `a stream session's terminal takes no keys (disableStdin ${stdin})`);
	// It still fits the page: narrower window, fewer columns, nothing sent.
	const sc0 = await page.evaluate(() => window.__agentdTerm.term.cols);
	await page.setViewport({ width: 900, height: 700 });
	const sc1 = await until(page, (c) => { const n = window.__agentdTerm.term.cols; return n < c && n; },
		'the stream terminal refitted', sc0);
	await page.setViewport({ width: 1280, height: 800 });
	ok(sc1 < sc0, `a stream session's terminal fits the page (${sc0} -> ${sc1} columns)`);
	await page.click('.term');
	await page.keyboard.type('no-keys');
	await page.type('#msg', 'stream via the box');
	await page.keyboard.press('Enter');
	await until(page, () => [...document.querySelectorAll('.ev-message')].some((e) => e.textContent.includes('stream via the box')),
		'the stream message in the timeline');
	const err = await page.evaluate(() => { const b = document.querySelector('.banner'); return b && !b.hidden ? b.textContent : ''; });
	ok(err === '', `typing into a stream session's terminal shows no error (${err})`);
	noErrors(page, 'stream session');
	await rest('DELETE', '/api/agents/sessions/dash-stream');

	// Delete with confirmation.
	const gone = await deleteFromPage(page, 'dash1');
	ok(gone.ended, `delete from the page ends the session (${gone.status})`);
	noErrors(page, 'after delete');
	await page.close();
});
