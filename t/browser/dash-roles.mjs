// t/77-dash-roles.t's browser half: roles behind auth_basic, the page under
// a prefix, 500 sessions against the render goal, phone-sized pages.
import { BASE, newPage, slowdown, noErrors, note, ok, run, shot, until, untilTerm, waitFor } from './dash-harness.mjs';

const PREFIX = process.env.DASH_PREFIX || '/';
const PAGE = `${BASE}${PREFIX}`;
const RENDER_MAX_MS = 200;	// the issue's goal for 500 sessions, on an unloaded machine
const N = 500;
const cred = (u) => ({ username: u, password: `${u}-pw` });
const basic = (u) => ({ Authorization: `Basic ${Buffer.from(`${u}:${u}-pw`).toString('base64')}` });

async function output(name) {
	const r = await fetch(`${BASE}/api/agents/sessions/${name}/output?since=0&limit=1048576`, { headers: basic('carol') });
	return r.ok ? r.text() : '';
}

// A world of n sessions: parents with workers, some waiting for approval.
function fakeWorld(n, tick) {
	const list = [];
	const statuses = ['working', 'idle', 'waiting_approval', 'starting'];
	for (let i = 0; i < n; i++) {
		const parent = i % 10 === 0 ? null : `s${i - (i % 10)}`;
		list.push({
			name: `s${i}`, agentType: ['claude', 'codex', 'openclaw'][i % 3],
			role: parent ? 'worker' : 'parent', parent, machine: 'local',
			status: 'active', state: statuses[(i + tick) % 4], statusSource: 'hook',
			statusSince: new Date(Date.now() - i * 1000).toISOString(),
			phase: 'thinking', usage: { inputTokens: i * 100 + tick, outputTokens: i * 10, costUsd: i / 1000 },
			task: `task number ${i}: fix the thing`, lastToolUse: { tool: 'Bash' },
			lastActivity: new Date().toISOString(), completion: null, pid: 1000 + i,
		});
	}
	return { sessions: list, totals: { agents: n } };
}

run(async (browser) => {
	// A viewer: watches, no control, no input through.
	const v = await newPage(browser, { auth: cred('alice') });
	await v.goto(PAGE, { waitUntil: 'load' });
	await until(v, () => [...document.querySelectorAll('div.fleet .fbody .c-name a')].some((a) => a.textContent === 'b1'), 'b1 in the fleet');
	ok(true, `the fleet under ${PREFIX} behind auth_basic`);
	const nav = await v.$$eval('nav.top a:not([hidden])', (as) => as.map((a) => a.textContent));
	ok(!nav.includes('New session') && !nav.includes('Audit'), `a viewer's navigation has no New session, no Audit (${nav.join(', ')})`);
	await v.evaluate(() => { location.hash = '#/s/b1'; });
	await untilTerm(v, /fake-agent pid=/, 'the terminal as a viewer');
	ok(true, 'a viewer sees the terminal (WebSocket behind auth_basic)');
	// (xterm's own hidden textarea aside: the terminal takes no keys, disableStdin.)
	const controls = await v.$$eval('.session-view button, .session-view textarea, .session-view input',
		(es) => es.filter((e) => e.offsetParent !== null && !e.closest('.xterm')).map((e) => e.textContent || e.id || e.tagName));
	ok(controls.length === 0, `a viewer sees no button and no input box (${controls.join(', ') || 'none'})`);
	await v.click('.term');
	await v.keyboard.type('viewer-typed');
	await v.keyboard.press('Enter');
	// Then a line bob may send; once it is answered, the viewer's would have been too.
	await fetch(`${BASE}/api/agents/sessions/b1/message`, { method: 'POST',
		headers: { 'Content-Type': 'application/json', ...basic('bob') }, body: JSON.stringify({ message: 'after-viewer' }) });
	await waitFor(async () => /got: after-viewer/.test(await output('b1')), 'bob\'s line answered');
	ok(!/viewer-typed/.test(await output('b1')), 'nothing the viewer typed reached the agent');
	await shot(v, 'session-viewer');
	noErrors(v, 'viewer');
	await v.close();

	// No role at all: the 403 is shown as such.
	const d = await newPage(browser, { auth: cred('dave') });
	d.expectErrors.push(/403/);
	await d.goto(PAGE, { waitUntil: 'load' });
	const banner = await until(d, () => { const b = document.querySelector('.banner'); return b && !b.hidden && b.textContent; }, 'the 403 banner');
	ok(/403 Forbidden/.test(banner) && /viewer/.test(banner), `a user without a role sees the 403 (${banner})`);
	noErrors(d, 'no role');
	await d.close();

	// An operator: creates, but bypassPermissions is not offered.
	const o = await newPage(browser, { auth: cred('bob') });
	await o.goto(`${PAGE}#/new`, { waitUntil: 'load' });
	await o.waitForSelector('#new-mode');
	const modes = await o.$$eval('#new-mode option', (os) => os.map((x) => x.value));
	ok(!modes.includes('bypassPermissions') && modes.includes('default'), `an operator is not offered bypassPermissions (${modes.join(', ')})`);
	noErrors(o, 'operator');
	await o.close();

	// An admin: the audit page lists bob's create.
	const a = await newPage(browser, { auth: cred('carol') });
	await a.goto(`${PAGE}#/audit`, { waitUntil: 'load' });
	await until(a, () => [...document.querySelectorAll('.audit-view td')].some((td) => td.textContent === 'bob'), 'bob in the audit');
	ok(true, 'an admin reads the audit');
	await shot(a, 'audit');
	noErrors(a, 'audit');
	await a.close();

	// 500 sessions: the world answered by the page's own fetch, replaced here.
	const p = await newPage(browser, { auth: cred('carol') });
	await p.evaluateOnNewDocument((n, src) => {
		const make = new Function('n', 'tick', `return (${src})(n, tick)`);
		const real = window.fetch;
		let tick = 0;
		window.fetch = (url, init) => {
			if (String(url).endsWith('/api/agents/world'))
				return Promise.resolve(new Response(JSON.stringify(make(n, tick++)), { headers: { 'Content-Type': 'application/json' } }));
			// The session list, for the creators: even sessions bob's, odd carol's.
			if (String(url).endsWith('/api/agents/sessions'))
				return Promise.resolve(new Response(JSON.stringify({ sessions: Array.from({ length: n },
					(_, i) => ({ name: `s${i}`, creator: i % 2 ? 'carol' : 'bob' })) }), { headers: { 'Content-Type': 'application/json' } }));
			return real(url, init);
		};
	}, N, fakeWorld.toString());
	const t0 = Date.now();
	await p.goto(PAGE, { waitUntil: 'load' });
	await until(p, (n) => window.__agentdFleet && window.__agentdFleet.rows === n, `${N} rows`, N);
	note(`fleet: ${N} sessions shown ${Date.now() - t0} ms after the navigation started`);
	// The full render (script, style and layout), on three fresh views; each
	// against the goal scaled by the machine's load at that moment.
	const firsts = [];
	for (let i = 0; i < 3; i++) {
		await p.evaluate(() => { window.__agentdFleet = null; location.hash = '#/machines'; });
		const scale = await slowdown(p);
		await p.evaluate(() => { location.hash = '#/'; });
		await until(p, (n) => window.__agentdFleet && window.__agentdFleet.rows === n, `${N} rows again`, N);
		const ms = await p.evaluate(() => window.__agentdFleet.times[0]);
		firsts.push({ ms, scale, norm: ms / scale });
	}
	note(`fleet: ${N} sessions rendered in ${firsts.map((f) => `${f.ms.toFixed(1)} ms (machine ${f.scale.toFixed(1)}x slower than idle)`).join(', ')}`);
	const best = firsts.reduce((a, b) => (b.norm < a.norm ? b : a));
	ok(best.norm <= RENDER_MAX_MS, `${N} sessions render in ${best.ms.toFixed(1)} ms, ${best.norm.toFixed(1)} ms at idle speed <= ${RENDER_MAX_MS} ms`);
	await p.evaluate(() => { window.__row7 = document.querySelector('div.fleet .fbody .frow:nth-child(8)'); });
	await until(p, () => window.__agentdFleet.renders >= 4, 'three polls after the first');
	const scaleU = await slowdown(p);
	const upd = await p.evaluate(() => ({ times: window.__agentdFleet.times.slice(1),
		same: document.querySelector('div.fleet .fbody .frow:nth-child(8)') === window.__row7 }));
	const med = upd.times.slice().sort((x, y) => x - y)[Math.floor(upd.times.length / 2)];
	note(`fleet: updates of ${N} rows in ${upd.times.map((x) => x.toFixed(1)).join(', ')} ms`);
	ok(upd.same, 'polls update the rows in place (the same row elements)');
	ok(med / scaleU <= RENDER_MAX_MS, `an update of ${N} rows takes ${med.toFixed(1)} ms (median; machine ${scaleU.toFixed(1)}x slower than idle) <= ${RENDER_MAX_MS} ms`);
	const title = await p.title();
	ok(/^\(\d+\) waiting/.test(title), `the title counts the sessions waiting (${title})`);
	await shot(p, 'fleet-500');
	// Keyboard: j moves down the rows, Enter opens one.
	await p.keyboard.press('j');
	await p.keyboard.press('j');
	const focused = await p.evaluate(() => document.activeElement && document.activeElement.textContent);
	ok(focused === 's1', `j/k move through the rows (focus on ${focused})`);
	// Filters: by status (a quarter of the world waits), then by agent (a third is codex).
	const visible = () => p.evaluate(() => document.querySelectorAll('div.fleet .fbody .frow:not([hidden])').length);
	await p.select('#f-status', 'waiting_approval');
	const nWait = await visible();
	ok(nWait === N / 4, `the status filter shows the ${N / 4} waiting sessions (${nWait})`);
	await p.select('#f-status', '');
	await p.select('#f-agent', 'codex');
	const nCodex = await visible();
	ok(nCodex === Math.ceil((N - 1) / 3), `the agent filter shows the codex sessions (${nCodex})`);
	await p.select('#f-agent', '');
	await until(p, () => document.querySelector('#f-creator option[value="bob"]'), 'the creators in their filter');
	await p.select('#f-creator', 'bob');
	const nBob = await visible();
	ok(nBob === N / 2, `the creator filter shows bob's sessions (${nBob})`);
	await p.select('#f-creator', '');
	// The cells: a parent and its workers as a tree, the status with its source
	// and since when, tokens and cost; the totals over every session.
	const cells = await p.evaluate(() => [...document.querySelectorAll('div.fleet .fbody .frow')].slice(0, 12)
		.map((r) => ({ name: r.querySelector('.c-name a').textContent, indent: r.querySelector('.c-name .indent').textContent,
			src: r.querySelector('.c-status .src').textContent, since: r.querySelector('.c-since').textContent,
			tokens: r.querySelector('.c-tokens').textContent, cost: r.querySelector('.c-cost').textContent })));
	ok(cells[0].name === 's0' && cells[0].indent === '' && cells.slice(1, 10).every((c, i) => c.name === `s${i + 1}` && c.indent === '└ ')
		&& cells[10].name === 's10' && cells[10].indent === '',
	`parents, each followed by its workers, indented (${cells.map((c) => `${c.indent}${c.name}`).join(', ')})`);
	ok(cells.every((c) => c.src === 'hook') && cells[3].since !== '' && /\d/.test(cells[3].tokens) && /\$/.test(cells[3].cost),
		`each row: status source, since when, tokens, cost (${JSON.stringify(cells[3])})`);
	const totals = await p.evaluate(() => document.querySelector('.fleet-view .totals').textContent);
	ok(/^500 sessions/.test(totals) && /125 waiting approval/.test(totals) && /in \/ .* out/.test(totals) && /\$/.test(totals),
		`the totals: sessions by status, tokens, cost (${totals})`);
	noErrors(p, '500 sessions');
	await p.close();

	// The desktop notification: on, it says how many wait when that number grows.
	const q = await newPage(browser, { auth: cred('carol') });
	await q.evaluateOnNewDocument(() => {
		window.__notes = [];
		window.Notification = class { constructor(title, o) { window.__notes.push({ title, body: o && o.body }); } };
		window.Notification.permission = 'default';
		window.Notification.requestPermission = () => { window.Notification.permission = 'granted'; return Promise.resolve('granted'); };
		const real = window.fetch;
		let tick = 0;
		window.fetch = (url, init) => {
			if (!String(url).endsWith('/api/agents/world'))
				return real(url, init);
			const n = Math.min(++tick, 60);	// grows once a poll for a minute
			const list = [...Array(n).keys()].map((i) => ({ name: `w${i}`, agentType: 'claude', role: 'parent', parent: null,
				machine: 'local', status: 'active', state: 'waiting_approval', statusSource: 'hook',
				statusSince: new Date().toISOString(), phase: 'tool', usage: {}, task: '', lastActivity: new Date().toISOString() }));
			return Promise.resolve(new Response(JSON.stringify({ sessions: list, totals: { agents: n } }),
				{ headers: { 'Content-Type': 'application/json' } }));
		};
	});
	await q.goto(PAGE, { waitUntil: 'load' });
	await until(q, () => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Notify: off'), 'the Notify button');
	await q.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Notify: off').click());
	await until(q, () => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Notify: on'), 'Notify: on');
	const noteSeen = await until(q, () => window.__notes.length > 0 && window.__notes[window.__notes.length - 1].body, 'a notification');
	ok(/^\d+ sessions? waiting for approval$/.test(noteSeen), `a desktop notification says how many wait (${noteSeen})`);
	noErrors(q, 'notification');
	await q.close();

	// Phone-sized: no horizontal overflow of the page.
	const m = await newPage(browser, { auth: cred('carol'), width: 390, height: 844, mobile: true });
	await m.goto(PAGE, { waitUntil: 'load' });
	await until(m, () => window.__agentdFleet && window.__agentdFleet.rows >= 1, 'the fleet on a phone');
	let over = await m.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	ok(over <= 1, `fleet at 390 px: no horizontal overflow (${over} px)`);
	await shot(m, 'fleet-phone');
	await m.evaluate(() => { location.hash = '#/s/b1'; });
	await untilTerm(m, /fake-agent pid=/, 'the terminal on a phone');
	over = await m.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	ok(over <= 1, `session at 390 px: no horizontal overflow (${over} px)`);
	await shot(m, 'session-phone');
	noErrors(m, 'phone');
	await m.close();
});
