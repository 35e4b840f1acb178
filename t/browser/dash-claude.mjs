// t/78-dash-claude.t's browser half: the real claude, approvals from the bar.
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { BASE, TOKEN, clickText, deleteFromPage, go, newPage, noErrors, note, ok, output, rest, run, shot, termText, until, untilTerm, waitFor } from './dash-harness.mjs';

const DIR = process.env.DASH_DIR;
// agentd's fine state is `state` (`status` is the seed clients' coarse lifecycle).
const status = async (name) => ((await rest('GET', `/api/agents/sessions/${name}?limit=1`)).json || {}).state;
const count = (text, re) => (text.match(new RegExp(re.source, 'g')) || []).length;
// What a session showed and did last, when a wait for it failed.
async function explain(name, e) {
	const out = (await output(name)).replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>]/g, '');
	note(`${name}: the last of its output: ${JSON.stringify(out.slice(-1500))}`);
	const d = await rest('GET', `/api/agents/sessions/${encodeURIComponent(name)}?limit=20`);
	note(`${name}: state ${d.json && d.json.state}, last events: ${JSON.stringify((d.json && d.json.events || []).map((x) => [x.type, x.event && (x.event.via || x.event.status || x.event.source)]))}`);
	throw e;
}
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
	// The directory from the picker: the project root's folders, one opened
	// (its subfolders, "..") and back, then chosen.
	const pick = (sel) => until(page, (x) => {
		const b = [...document.querySelectorAll('.picker button')].find((e) => e.matches(x));
		if (b)
			b.click();
		return !!b;
	}, `the picker's ${sel}`, sel);
	await pick(`button.open[aria-label="Open ${DIR}"]`);
	await until(page, (d) => document.querySelector('.picker .picker-path')?.textContent === d, 'the folder opened', DIR);
	await until(page, () => [...document.querySelectorAll('.picker button')].some((b) => b.textContent === '↑ ..'), 'its ".."');
	await pick('button.link:not(.open)');	// "↑ .." comes first
	await pick(`button.link[title="${DIR}"]`);
	const chosen = await page.$eval('#new-dir', (e) => e.value);
	const tag = await page.$eval(`.picker button.link[title="${DIR}"]`, (b) => b.textContent);
	ok(chosen === DIR && /git:main/.test(tag), `the directory picker: opened, back up, chosen (${chosen}; ${tag})`);
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

	// Keys typed into claude's terminal: its composer echoes them, Enter sends them.
	const replies = count(await termText(page), /FAKE_REPLY/);
	await page.click('.term');
	await page.keyboard.type('typed into claude');
	await untilTerm(page, /typed into claude/, 'the typed keys in claude\'s composer');
	ok(true, 'typing into the terminal: claude\'s composer echoes the keys');
	await page.keyboard.press('Enter');
	await until(page, (n) => (window.__agentdTerm.text().match(/FAKE_REPLY/g) || []).length > n,
		'the reply to the typed prompt', replies);
	await waitFor(async () => (await status('cl1')) === 'idle', 'cl1 idle after the typed prompt');
	ok(true, 'Enter in the terminal: claude answers the typed prompt');

	// Complete with status and comment.
	await clickText(page, 'Complete…');
	await page.waitForSelector('dialog #complete-status');
	await page.select('dialog #complete-status', 'partial');
	await page.type('dialog #complete-comment', 'claude done from the page');
	await page.click('dialog button.primary');
	await until(page, () => [...document.querySelectorAll('.ev-completed')].some((e) => /partial/.test(e.textContent)
		&& /claude done from the page/.test(e.textContent)), 'the completion in the timeline');
	const c = await rest('GET', '/api/agents/sessions/cl1?limit=1');
	ok(c.json && c.json.completion && c.json.completion.status === 'partial', 'complete: stored, shown in the timeline');

	// Pre-kill debrief: claude writes it (the model's scripted report).
	await clickText(page, 'Debrief');
	const report = await until(page, () => document.querySelector('dialog pre.report')?.textContent, 'the debrief report');
	ok(/FAKE_REPORT/.test(report), `debrief: claude's report shows (${report.slice(0, 60)})`);
	await shot(page, 'debrief-claude');
	await page.click('dialog button:not(.danger)');
	await until(page, () => /FAKE_REPORT/.test(document.querySelector('.ev-debrief pre')?.textContent || ''), 'the debrief in the timeline');
	noErrors(page, 'claude debrief');

	// Reset: claude starts a new conversation (its /clear); it answers after it.
	await clickText(page, 'Reset');
	await until(page, () => document.querySelector('.ev-reset'), 'the reset in the timeline');
	await waitFor(async () => (await status('cl1')) === 'idle', 'cl1 idle after the reset');
	await page.type('#msg', 'after the reset');
	await page.keyboard.press('Enter');
	await untilTerm(page, /FAKE_REPLY/, 'claude\'s reply after the reset');
	ok(true, 'reset from the page: claude answers in its new conversation');

	// A claude worker dispatched from the form (issue URL, agent), its diff, a
	// review comment that reaches it.
	await go(page, `#/s/cl1/workers`);
	await page.waitForSelector('#w-task');
	await page.type('#w-task', 'improve the notes');
	await page.type('#w-issue', 'https://example.invalid/acme/notes/issues/7');
	await page.type('#w-agent', 'claude');
	await page.click('form button.primary');
	const row = await until(page, () => {
		const r = [...document.querySelectorAll('table.list tbody tr')].find((tr) => tr.cells[0].textContent === 'cl1.issue-7');
		return r && [...r.cells].map((x) => x.textContent);
	}, 'the worker listed');
	ok(row[2] === 'issue-7' && row[3] === 'local', `the worker: branch from the issue URL, on this machine (${row.join(' | ')})`);
	const w = await rest('GET', '/api/agents/sessions/cl1.issue-7?limit=1');
	ok(w.json && w.json.agentType === 'claude' && w.json.worktree, `a claude worker in a worktree (${w.json && w.json.worktree})`);
	// Its task answered (idle alone may be its start's SessionStart).
	await waitFor(async () => (await status('cl1.issue-7')) === 'idle' && /FAKE_REPLY/.test(await output('cl1.issue-7')),
		'the worker answering its task').catch((e) => explain('cl1.issue-7', e));
	const wt = w.json.workingDirectory || w.json.worktree;
	writeFileSync(`${wt}/notes.txt`, 'line one\nline 2 changed\nline three\n');
	await go(page, '#/s/cl1.issue-7/changes');
	await until(page, () => document.querySelectorAll('tr.ln.oadd').length >= 1, 'the diff lines');
	await page.evaluate(() => document.querySelector('tr.ln.oadd').click());
	await page.waitForSelector('tr.comment textarea');
	await page.type('tr.comment textarea', 'please spell it two');
	await clickText(page, 'Send review');
	await until(page, () => document.querySelector('.changes-view .count')?.textContent === 'review sent', 'review sent');
	await waitFor(async () => /please spell it two/.test(await output('cl1.issue-7')), 'the review in the worker\'s terminal')
		.catch((e) => explain('cl1.issue-7', e));
	await waitFor(async () => (await status('cl1.issue-7')) === 'idle'
		&& count(await output('cl1.issue-7'), /FAKE_REPLY/) >= 2, 'claude answering the review')
		.catch((e) => explain('cl1.issue-7', e));
	ok(true, 'the review reaches the claude worker as a message, and it answers');
	await shot(page, 'changes-claude');
	noErrors(page, 'claude worker');
	note(`worker: ${(await rest('DELETE', '/api/agents/sessions/cl1.issue-7')).status}`);

	// Delete from the page, with confirmation.
	const gone = await deleteFromPage(page, 'cl1');
	ok(gone.ended, 'delete from the page ends claude\'s session');
	noErrors(page, 'after delete');
	await page.close();
});
