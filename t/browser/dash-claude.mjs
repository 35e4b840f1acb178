// t/78-dash-claude.t's browser half: the real claude, approvals from the bar.
import { existsSync, unlinkSync } from 'node:fs';
import { BASE, TOKEN, newPage, noErrors, ok, rest, run, shot, until, untilTerm, waitFor } from './dash-harness.mjs';

const DIR = process.env.DASH_DIR;
const go = (page, hash) => page.evaluate((x) => { location.hash = x; }, hash);
// agentd's fine state is `state` (`status` is the seed clients' coarse lifecycle).
const status = async (name) => ((await rest('GET', `/api/agents/sessions/${name}?limit=1`)).json || {}).state;
const barShown = (page) => until(page, () => {
	const b = document.querySelector('.approval');
	return b && !b.hidden && b.textContent;
}, 'the approval bar');

run(async (browser) => {
	const page = await newPage(browser);
	await page.goto(`${BASE}/api/agents/login?token=${TOKEN}&next=/`, { waitUntil: 'load' });
	await go(page, '#/new');
	await page.waitForSelector('#new-name');
	await page.type('#new-name', 'cl1');
	await page.type('#new-dir', DIR);
	await page.type('#new-prompt', 'RUNTOOL now');
	await page.click('form.new-form button[type=submit]');
	await until(page, () => location.hash === '#/s/cl1', 'the session view');
	await untilTerm(page, /RUNTOOL now/, 'the prompt in claude\'s terminal');
	ok(true, 'claude: the prompt shows in the terminal');

	// The tool call waits for approval: the bar shows the tool and its input.
	const bar = await barShown(page);
	ok(/Bash/.test(bar) && /echo hi > out\.txt/.test(bar), `the approval bar shows the tool and its input (${bar.replace(/\s+/g, ' ').slice(0, 100)})`);
	await shot(page, 'approval');
	await page.click('.approval button.primary');
	await waitFor(async () => existsSync(`${DIR}/out.txt`), 'out.txt');
	ok(true, 'Allow: the tool ran (out.txt written)');
	await until(page, () => document.querySelector('.approval').hidden, 'the bar gone');
	await until(page, () => [...document.querySelectorAll('.ev-approval')].some((e) => /allow/.test(e.textContent)), 'the approval in the timeline');
	await until(page, () => document.querySelector('.ev-tool_result'), 'the tool result in the timeline');
	ok(true, 'the timeline shows the approval and the tool result');
	const me = (await rest('GET', '/api/agents/me')).json.user;
	const who = await page.evaluate(() => {
		const e = [...document.querySelectorAll('.ev-approval')].find((x) => /allow/.test(x.textContent));
		const w = e && e.querySelector('.ev-who');
		return w ? w.textContent : '';
	});
	ok(who === me, `the timeline says who allowed it (${who})`);
	await waitFor(async () => (await status('cl1')) === 'idle', 'cl1 idle');

	// A second tool call, denied from the bar: the tool does not run.
	unlinkSync(`${DIR}/out.txt`);
	await page.type('#msg', 'RUNTOOL again');
	await page.keyboard.press('Enter');
	await barShown(page);
	await page.click('.approval button.danger');
	await until(page, () => [...document.querySelectorAll('.ev-approval')].some((e) => /deny/.test(e.textContent)), 'the denial in the timeline');
	// claude stops the turn ("Interrupted"); agentd's status for it is the adapter's
	// business (it stays working: no hook reports an interrupted turn), not the page's.
	await untilTerm(page, /Did not run|Interrupted/, 'claude refusing the call');
	ok(!existsSync(`${DIR}/out.txt`), 'Deny: the tool did not run');
	await shot(page, 'session-claude');
	noErrors(page, 'claude session');
	const d = await rest('DELETE', '/api/agents/sessions/cl1');
	ok(d.status === 200, 'delete');
	await page.close();
});
