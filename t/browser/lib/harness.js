// The browser tests' side in Node: launch Debian's chromium headless through
// puppeteer-core, open pages, print TAP (t/lib/Browser.pm turns each line into
// a test of the Perl file that started the stack), collect every console error,
// uncaught exception and failed request of every page (any one fails the run),
// and write screenshots.
//
//   const { run } = require('./lib/harness');
//   run(async (t) => {
//     const page = await t.page('main');
//     await page.goto(t.url('/t/terminal.html'));
//     t.ok(await t.waitFor(page, () => window.ready, [], 'the page to be ready'), 'ready');
//     await t.screenshot(page, 'ready');
//     const { status, json } = await t.api('GET', '/api/agents/sessions');
//   });
//
// Environment (set by t/lib/Browser.pm): AGENTD_URL (the stack's nginx),
// AGENTD_TOKEN (auth = local; may be empty), AGENTD_SHOTS (screenshot directory),
// CHROMIUM (the browser binary), AGENTD_BROWSER_TIMEOUT_MS (one wait, default 15 s).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

// Where Debian's chromium package keeps the browser itself (/usr/bin/chromium
// is a shell wrapper that reads /etc/chromium.d and prints noise).
const CHROMIUM_PATHS = ['/usr/lib/chromium/chromium', '/usr/bin/chromium',
	'/usr/bin/chromium-browser'];

function chromiumPath() {
	if (process.env.CHROMIUM)
		return process.env.CHROMIUM;
	return CHROMIUM_PATHS.find((p) => fs.existsSync(p));
}

class Harness {
	constructor() {
		this.n = 0;
		this.failed = 0;
		this.errors = [];
		this.base = process.env.AGENTD_URL || 'http://127.0.0.1:8080';
		this.token = process.env.AGENTD_TOKEN || '';
		this.shots = process.env.AGENTD_SHOTS || path.join(os.tmpdir(), 'agentd-shots');
		this.timeout = Number(process.env.AGENTD_BROWSER_TIMEOUT_MS) || 15000;
		this.browser = null;
	}

	diag(msg) {
		for (const line of String(msg).split('\n'))
			console.log('# ' + line);
	}

	ok(cond, what, detail) {
		this.n++;
		console.log((cond ? 'ok ' : 'not ok ') + this.n + ' - ' + what.replace(/\n/g, ' '));
		if (!cond) {
			this.failed++;
			if (detail !== undefined)
				this.diag(detail);
		}
		return !!cond;
	}

	is(got, want, what) {
		const g = JSON.stringify(got), w = JSON.stringify(want);
		return this.ok(g === w, what, `got:      ${g}\nexpected: ${w}`);
	}

	like(got, re, what) {
		return this.ok(re.test(String(got)), what, `got: ${JSON.stringify(got)}\nto match: ${re}`);
	}

	url(p) {
		return this.base + p;
	}

	async launch() {
		const exe = chromiumPath();
		if (!exe)
			throw new Error('no chromium (Debian package chromium)');
		this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-chromium-'));
		const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
			'--no-default-browser-check', '--disable-extensions', '--disable-sync',
			'--disable-background-networking', '--disable-component-update',
			'--mute-audio', '--window-size=1280,800'];
		// Chromium's own sandbox needs user namespaces it does not get as root.
		if (process.getuid && process.getuid() === 0)
			args.push('--no-sandbox');
		this.browser = await puppeteer.launch({ executablePath: exe, headless: true,
			userDataDir: this.profile, args, defaultViewport: { width: 1280, height: 800 } });
		this.diag('browser: ' + await this.browser.version());
	}

	// A new page whose console errors, uncaught exceptions and failed
	// requests are collected under name.
	async page(name) {
		const p = await this.browser.newPage();
		p.setDefaultTimeout(this.timeout);
		p.on('console', (m) => {
			if (m.type() === 'error')
				this.errors.push(`${name}: console error: ${m.text()}`);
		});
		p.on('pageerror', (e) => this.errors.push(`${name}: uncaught: ${e.message}`));
		p.on('requestfailed', (r) => this.errors.push(
			`${name}: request failed: ${r.url()} ${r.failure() ? r.failure().errorText : ''}`));
		return p;
	}

	// Wait until fn(...args) is true in page; true, or false after a diag.
	async waitFor(page, fn, args, what, timeout) {
		try {
			await page.waitForFunction(fn, { timeout: timeout || this.timeout, polling: 50 },
				...(args || []));
			return true;
		} catch (e) {
			this.diag(`timeout waiting for ${what}: ${e.message.split('\n')[0]}`);
			return false;
		}
	}

	async screenshot(page, name) {
		fs.mkdirSync(this.shots, { recursive: true });
		const file = path.join(this.shots, name.replace(/[^\w.-]/g, '_') + '.png');
		await page.screenshot({ path: file });
		this.diag(`screenshot ${file}`);
		return file;
	}

	// A REST call to the stack with the access token: {status, json, body (Buffer)}.
	async api(method, p, body) {
		const headers = {};
		if (this.token)
			headers.Authorization = 'Bearer ' + this.token;
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		const r = await fetch(this.url(p), { method, headers,
			body: body === undefined ? undefined : JSON.stringify(body) });
		const buf = Buffer.from(await r.arrayBuffer());
		let json = null;
		try { json = JSON.parse(buf.toString('utf8')); } catch (e) { /* not JSON */ }
		return { status: r.status, json, body: buf };
	}

	// Poll the REST call until check(reply) is true; the last reply.
	async apiUntil(method, p, check, what) {
		const deadline = Date.now() + this.timeout;
		for (;;) {
			const r = await this.api(method, p);
			if (check(r))
				return r;
			if (Date.now() > deadline) {
				this.diag(`timeout waiting for ${what}`);
				return r;
			}
			await new Promise((res) => setTimeout(res, 50));
		}
	}

	async done() {
		this.ok(this.errors.length === 0, 'no console error, uncaught exception or failed '
			+ 'request on any page', this.errors.join('\n'));
		if (this.browser)
			await this.browser.close().catch(() => {});
		if (this.profile)
			fs.rmSync(this.profile, { recursive: true, force: true });
		console.log('1..' + this.n);
		process.exitCode = this.failed ? 1 : 0;
	}
}

// Run fn(t) with a launched browser, then the console check and the plan.
async function run(fn) {
	const t = new Harness();
	try {
		await t.launch();
		await fn(t);
	} catch (e) {
		t.ok(false, 'the browser script ran to its end', e.stack || String(e));
	} finally {
		await t.done();
	}
}

module.exports = { run, Harness };
