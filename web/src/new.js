// New session form: name, agent type, directory (the directories endpoint and
// browsing one level at a time), permission mode (bypass only for admins),
// transport, prompt, and files uploaded into the directory after the create.
import { createdName, enc, get, normDirs, post, api } from './api.js';
import { clear, h } from './dom.js';
import { isAdmin, isOperator, showError } from './main.js';

const AGENTS = ['claude', 'codex', 'openclaw'];

export function newView(root) {
	if (!isOperator()) {
		root.append(h('p.empty', 'Creating a session needs the operator role.'));
		return null;
	}
	const name = h('input#new-name', { name: 'name', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}', autocomplete: 'off' });
	const agent = h('input#new-agent', { name: 'agentType', list: 'agent-types', value: 'claude', required: true });
	const dir = h('input#new-dir', { name: 'workingDirectory', placeholder: 'empty: the home directory', autocomplete: 'off' });
	const modes = ['default', 'acceptEdits'].concat(isAdmin() ? ['bypassPermissions'] : []);
	const mode = h('select#new-mode', { name: 'permissionMode' }, modes.map((m) => h('option', { value: m }, m)));
	const transport = h('select#new-transport', { name: 'sessionType' },
		h('option', { value: 'pty' }, 'terminal (pty)'), h('option', { value: 'stream' }, 'structured (stream)'));
	const prompt = h('textarea#new-prompt', { name: 'prompt', rows: 5 });
	const files = h('input#new-files', { type: 'file', multiple: true });
	const picker = h('div.picker', { 'aria-label': 'Directories' });
	const status = h('p.status', { 'aria-live': 'polite' });

	const form = h('form.form.new-form', { on: { submit: (e) => { e.preventDefault(); submit(); } } },
		h('label', 'Name ', name),
		h('label', 'Agent ', agent, h('datalist#agent-types', AGENTS.map((a) => h('option', { value: a })))),
		h('label', 'Directory ', dir), picker,
		h('label', 'Permission mode ', mode),
		h('label', 'Transport ', transport),
		h('label', 'Prompt ', prompt),
		h('label', 'Upload files into the directory ', files),
		h('div.row', h('button.primary', { type: 'submit' }, 'Create'), status));
	root.append(h('section.new-view', h('h1', 'New session'), form));
	name.focus();

	async function browse(path) {
		try {
			const d = normDirs(await get(path ? `/directories?path=${enc(path)}` : '/directories'));
			clear(picker);
			const list = h('ul');
			// Up: the folder above, or from a root back to the project roots.
			if (path)
				list.append(h('li', h('button.link', { type: 'button', on: { click: () => browse(d.up) } }, '↑ ..')));
			for (const x of d.dirs) {
				list.append(h('li',
					h('button.link', { type: 'button', title: x.path, on: { click: () => { dir.value = x.path; } } },
						x.name || x.path, x.isGitRepo ? h('span.git', ` git${x.branch ? `:${x.branch}` : ''}`) : ''),
					h('button.link.open', { type: 'button', 'aria-label': `Open ${x.path}`, on: { click: () => browse(x.path) } }, '›')));
			}
			picker.append(h('div.picker-path', d.path || 'Project directories'), list);
		} catch (e) {
			clear(picker);
			picker.append(h('p.hint', `Directories: ${e.message}`));
		}
	}

	async function submit() {
		status.textContent = 'Creating…';
		const body = { name: name.value.trim(), agentType: agent.value.trim(), permissionMode: mode.value,
			sessionType: transport.value };
		if (dir.value.trim())
			body.workingDirectory = dir.value.trim();
		if (prompt.value.trim())
			body.prompt = prompt.value;
		try {
			const r = await post('/sessions', body);
			const created = createdName(r, body.name);
			if (files.files.length) {
				status.textContent = `Created ${created}; uploading…`;
				const fd = new FormData();
				fd.append('workingDirectory', r.workingDirectory || r.cwd || body.workingDirectory || '');
				for (const f of files.files)
					fd.append('files', f, f.name);
				try {
					await api('POST', '/upload', fd);
				} catch (e) {
					status.textContent = '';
					status.append(`Created `, h('a', { href: `#/s/${enc(created)}` }, created), '; the upload failed.');
					showError(e);
					return;
				}
			}
			location.hash = `#/s/${enc(created)}`;
		} catch (e) {
			status.textContent = '';
			showError(e);
		}
	}

	browse(null);
	return null;
}
