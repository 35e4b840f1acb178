// Browser test harness for the dashboard tests (t/76-78): Debian's chromium,
// headless, driven by puppeteer-core from the browser tests' npm install
// (t/browser/install; t/lib/Browser.pm runs the script and sets NODE_PATH).
// Prints numbered TAP lines and the plan, which Browser.pm passes on; every
// console error, page error and failed request of a page is a failure of its
// own (a page may expect some, e.g. the 403 it shows).
//
// Environment (t/lib/Browser.pm): AGENTD_URL, AGENTD_TOKEN (auth = local),
// AGENTD_SHOTS (screenshots), NODE_PATH, CHROMIUM (default /usr/bin/chromium);
// DASH_* from the Perl test (t/lib/DashTest.pm).
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(join(process.env.NODE_PATH.split(':')[0], 'noop.js'));
const puppeteer = require('puppeteer-core');

export const BASE = process.env.AGENTD_URL;
export const SHOTS = process.env.AGENTD_SHOTS;
// auth = local: the stack's access token (the page gets it as a cookie from
// /api/agents/login, node's own requests as a Bearer header).
export const TOKEN = process.env.AGENTD_TOKEN || '';
const bearer = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
const STEP_MS = Number(process.env.DASH_STEP_MS || 30000);	// one wait's deadline

let failures = 0;
let count = 0;
export function ok(cond, name) {
	count++;
	console.log(`${cond ? 'ok' : 'not ok'} ${count} - ${String(name).replace(/\n/g, ' ')}`);
	if (!cond)
		failures++;
	return cond;
}
export function note(s) {
	for (const l of String(s).split('\n'))
		console.log(`# ${l}`);
}

// A browser; each page from newPage() records its console errors.
export async function launch() {
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
			'--disable-extensions', '--disable-background-networking'],
	});
	return browser;
}

// Each page has a browser context of its own: HTTP credentials are cached per
// context, so two users' pages must not share one.
export async function newPage(browser, { width = 1280, height = 800, auth, mobile } = {}) {
	const ctx = await browser.createBrowserContext();
	const page = await ctx.newPage();
	const close = page.close.bind(page);
	page.close = async () => { await close(); await ctx.close(); };
	await page.setViewport({ width, height, isMobile: !!mobile, hasTouch: !!mobile });
	if (auth)
		await page.authenticate(auth);
	page.errors = [];
	page.expectErrors = [];	// regexps of errors a step provoked on purpose (a 403 it shows)
	const expected = (t) => page.expectErrors.some((re) => re.test(t));
	page.on('console', (m) => {
		if (m.type() === 'error' && !expected(`${m.text()} ${m.location()?.url || ''}`))
			page.errors.push(`console: ${m.text()} (${m.location()?.url || ''})`);
	});
	page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
	page.on('requestfailed', (r) => {
		const f = r.failure();
		// A WebSocket or a fetch the page itself aborted on navigation is not an error.
		if (f && !/ERR_ABORTED/.test(f.errorText))
			page.errors.push(`request failed: ${r.url()} ${f.errorText}`);
	});
	return page;
}

// Wait until fn() (in the page) is truthy; returns its value or throws.
export async function until(page, fn, what, arg, ms = STEP_MS) {
	try {
		const h = await page.waitForFunction(fn, { timeout: ms, polling: 100 }, arg);
		return await h.jsonValue();
	} catch (e) {
		throw new Error(`timed out waiting for ${what}: ${e.message.split('\n')[0]}`);
	}
}

// Wait in node until fn() resolves truthy.
export async function waitFor(fn, what, ms = STEP_MS) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn().catch(() => null);
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

// The terminal's text (window.__agentdTerm is the session view's TermStream).
export const termText = (page) => page.evaluate(() => window.__agentdTerm ? window.__agentdTerm.text() : '');
export const untilTerm = (page, re, what) => until(page,
	(src) => window.__agentdTerm && new RegExp(src).test(window.__agentdTerm.text()), what, re.source);

// How much slower than idle the machine runs right now (>= 1): 1e7 additions in
// the page take about CALIB_IDLE_MS on an idle core of the project machine.  The
// machine is shared (other builds and tests run beside these), so the timing
// goals (render, responsiveness) are checked against the goal times this factor.
export const CALIB_IDLE_MS = 10;
export async function slowdown(page) {
	const ms = await page.evaluate(() => {
		const t = performance.now();
		let x = 0;
		for (let i = 0; i < 1e7; i++)
			x += i;
		return x > 0 ? performance.now() - t : 0;
	});
	return Math.max(1, ms / CALIB_IDLE_MS);
}

export async function shot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	const path = join(SHOTS, `${name}.png`);
	await page.screenshot({ path });
	note(`screenshot ${path}`);
}

export function noErrors(page, what) {
	ok(page.errors.length === 0, `${what}: no console error`) || note(page.errors.join('\n'));
	page.errors = [];
}

export async function rest(method, path, body, headers = {}) {
	const r = await fetch(BASE + path, {
		method, headers: { 'Content-Type': 'application/json', ...bearer, ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	let j = null;
	try {
		j = await r.json();
	} catch { /* not JSON */ }
	return { status: r.status, json: j };
}

// All of a session's terminal output so far (REST, as node: auth = local).
export async function output(name) {
	const r = await fetch(`${BASE}/api/agents/sessions/${encodeURIComponent(name)}/output?since=0&limit=1048576`,
		{ headers: bearer });
	return r.ok ? r.text() : '';
}

export const go = (page, hash) => page.evaluate((x) => { location.hash = x; }, hash);

// Click the button (or link) whose text is text, found and clicked in one step
// (the session header is redrawn when its status changes).
export async function clickText(page, text, scope = 'body') {
	await until(page, ([t, sc]) => {
		const b = [...document.querySelectorAll(`${sc} button, ${sc} a.button`)].find((e) => e.textContent.trim() === t && !e.disabled);
		if (b)
			b.click();
		return !!b;
	}, `a button "${text}"`, [text, scope]);
}

// Delete the open session NAME from its page, confirmed; back at the fleet,
// resolves with the session once it is ended.
export async function deleteFromPage(page, name) {
	await go(page, `#/s/${encodeURIComponent(name)}`);
	await clickText(page, 'Delete…');
	await page.waitForSelector('dialog button.danger');
	await page.click('dialog button.danger');
	await until(page, () => location.hash === '#/', 'back to the fleet');
	return waitFor(async () => {
		const r = await rest('GET', `/api/agents/sessions/${encodeURIComponent(name)}?limit=1`);
		return r.json && r.json.ended ? r.json : null;
	}, `${name} ended`);
}

// Ask the test (t/lib/Browser.pm) to do NAME to the stack (its ACTIONS),
// e.g. restart the daemon; resolves when it is done.
const answers = [];
let waiting = null;
createInterface({ input: process.stdin }).on('line', (l) => {
	answers.push(l);
	if (waiting)
		waiting();
}).on('close', () => {
	answers.push('closed');	// the test is gone: a waiting action() fails
	if (waiting)
		waiting();
});
export async function action(name) {
	console.log(`# ACTION ${name}`);
	for (;;) {
		if (answers.includes('closed'))
			throw new Error(`the test's end of the pipe closed before ${name} was done`);
		const i = answers.findIndex((l) => l.endsWith(` ${name}`));
		if (i >= 0) {
			const [l] = answers.splice(i, 1);
			if (!l.startsWith('done '))
				throw new Error(`the test could not ${name}`);
			return;
		}
		await new Promise((res) => { waiting = res; });
		waiting = null;
	}
}

// Run the steps in order; a step that throws fails and the rest still run
// only if it says so (later steps usually need the earlier ones).
export async function run(main) {
	let browser;
	try {
		browser = await launch();
		await main(browser);
	} catch (e) {
		ok(false, `unexpected: ${e.stack || e.message}`);
		// What the pages showed when it went wrong.
		const pages = browser ? await browser.pages().catch(() => []) : [];
		for (const [i, p] of pages.entries()) {
			note(`page ${i}: ${p.url()}: ${(await p.evaluate(() => document.body && document.body.innerText).catch(() => '')).slice(0, 2000)}`);
			await shot(p, `failure-${i}`).catch(() => {});
			if (p.errors && p.errors.length)
				note(p.errors.join('\n'));
		}
	} finally {
		if (browser)
			await browser.close().catch(() => {});
	}
	console.log(`1..${count}`);
	process.exit(failures ? 1 : 0);
}
