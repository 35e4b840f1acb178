// Workers of a parent (dispatch form and list: branch, worktree state, keep
// reason) and the machines workers can run on (reachability).
import { createdName, enc, get, normMachines, normWorkers, post } from './api.js';
import { ago, clear, h } from './dom.js';
import { isAdmin, mayChange, showError } from './main.js';

const REFRESH_MS = 3000;

function machineTable(list) {
	return h('table.list', { 'aria-label': 'Machines' },
		h('thead', h('tr', ['Machine', 'Host', 'Reachable', 'Checked', 'Error'].map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', list.map((m) => h(`tr.${m.reachable === false ? 'bad' : 'ok'}`,
			h('td', m.id), h('td', m.host ? `${m.user ? `${m.user}@` : ''}${m.host}${m.port ? `:${m.port}` : ''}` : 'this machine'),
			h('td', m.reachable === undefined ? '?' : m.reachable ? 'yes' : 'no'),
			h('td', m.checkedMs ? `${Math.round(m.checkedMs)} ms` : ''), h('td', m.error || '')))));
}

export function machinesView(root) {
	const box = h('div', 'Loading…');
	root.append(h('section', h('h1', 'Machines'), box));
	get('/machines').then((j) => { clear(box); box.append(machineTable(normMachines(j))); },
		(e) => { clear(box); showError(e); });
	return null;
}

export function workersView(root, name) {
	let parent = null, timer = null, machines = [];
	const list = h('div', 'Loading…');
	const formBox = h('div');
	root.append(h('section.workers-view',
		h('div.toolbar', h('a.back', { href: `#/s/${enc(name)}` }, `← ${name}`), h('h1', `Workers of ${name}`)),
		formBox, h('h2', 'Workers'), list));

	function form() {
		const task = h('textarea#w-task', { rows: 3, required: true });
		const issue = h('input#w-issue', { type: 'url', placeholder: 'https://…/issues/42' });
		const branch = h('input#w-branch', { placeholder: 'default: issue-N' });
		const agent = h('input#w-agent', { placeholder: `default: ${parent.agentType || 'the parent\'s'}`, list: 'agent-types-w' });
		const machine = h('select#w-machine', machines.filter((m) => m.id === 'local' || isAdmin())
			.map((m) => h('option', { value: m.id }, `${m.id}${m.reachable === false ? ' (unreachable)' : ''}`)));
		if (!machine.options.length)
			machine.append(h('option', { value: 'local' }, 'local'));
		const status = h('span.status', { 'aria-live': 'polite' });
		return h('form.form', { on: { submit: async (e) => {
			e.preventDefault();
			status.textContent = 'Dispatching…';
			const body = { parentSession: name, task: task.value };
			if (issue.value.trim())
				body.issue = issue.value.trim();
			if (branch.value.trim())
				body.branch = branch.value.trim();
			if (agent.value.trim())
				body.agent = agent.value.trim();
			if (machine.value && machine.value !== 'local')
				body.machine = machine.value;
			try {
				const r = await post('/sessions/dispatch-worker', body);
				status.textContent = `dispatched ${createdName(r, '')}`;
				task.value = '';
				load();
			} catch (err) {
				status.textContent = '';
				showError(err);
			}
		} } },
		h('h2', 'Dispatch a worker'),
		h('label', 'Task ', task), h('label', 'Issue URL ', issue), h('label', 'Branch ', branch),
		h('label', 'Agent ', agent, h('datalist#agent-types-w', ['claude', 'codex', 'openclaw'].map((a) => h('option', { value: a })))),
		h('label', 'Machine ', machine),
		h('div.row', h('button.primary', { type: 'submit' }, 'Dispatch'), status));
	}

	async function load() {
		try {
			const ws = normWorkers(await get(`/sessions/${enc(name)}/workers`));
			clear(list);
			if (!ws.length) {
				list.append(h('p.empty', 'No worker.'));
				return;
			}
			list.append(h('table.list', { 'aria-label': 'Workers' },
				h('thead', h('tr', ['Worker', 'Status', 'Branch', 'Machine', 'Worktree', 'Keep reason', 'Last activity', '']
					.map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', ws.map((w) => h('tr',
					h('td', h('a', { href: `#/s/${enc(w.name)}` }, w.name)),
					h('td', h(`span.badge.st-${w.status}`, w.status.replace('_', ' '))),
					h('td', w.branch || ''), h('td', w.machine || 'local'),
					h('td', w.worktreeState || ''), h('td', w.keepReason || ''),
					h('td', ago(w.lastActivity)),
					h('td', h('a', { href: `#/s/${enc(w.name)}/changes` }, 'changes')))))));
		} catch (e) {
			clear(list);
			showError(e);
		}
	}

	(async () => {
		try {
			parent = await get(`/sessions/${enc(name)}?limit=1`);
			machines = normMachines(await get('/machines').catch(() => []));
			if (mayChange(parent) && !parent.ended)
				formBox.append(form());
		} catch (e) {
			showError(e);
		}
		await load();
		timer = setInterval(load, REFRESH_MS);
	})();
	return { destroy() { clearInterval(timer); } };
}
