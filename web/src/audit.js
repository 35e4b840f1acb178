// Audit page (admins): GET /api/agents/audit, paged with since=ID.
import { get } from './api.js';
import { clear, h } from './dom.js';
import { isAdmin, showError } from './main.js';

const PAGE = 200;

export function auditView(root) {
	if (!isAdmin()) {
		root.append(h('p.empty', 'The audit needs the admin role.'));
		return null;
	}
	const tbody = h('tbody');
	const more = h('button', { type: 'button', hidden: true, on: { click: () => load() } }, 'Older…');
	let since = 0;
	root.append(h('section.audit-view', h('h1', 'Audit'),
		h('div.table-wrap', h('table.list', { 'aria-label': 'Audit' },
			h('thead', h('tr', ['#', 'Time', 'User', 'Role', 'Action', 'Session', 'Client', 'Status', 'Error']
				.map((t) => h('th', { scope: 'col' }, t)))), tbody)), more));

	async function load() {
		try {
			const j = await get(`/audit?since=${since}&limit=${PAGE}`);
			const rows = Array.isArray(j) ? j : j.entries || j.audit || j.rows || [];
			for (const r of rows) {
				tbody.append(h(`tr.${r.status >= 400 ? 'bad' : 'ok'}`, h('td', String(r.id)), h('td', r.time || r.ts || ''),
					h('td', r.user || ''), h('td', r.role || ''), h('td', r.action || ''), h('td', r.session || ''),
					h('td', r.client || r.addr || ''), h('td', String(r.status || '')), h('td', r.error || '')));
				since = Math.max(since, r.id || 0);
			}
			more.hidden = rows.length < PAGE;
			more.textContent = 'More…';
		} catch (e) {
			clear(tbody);
			showError(e);
		}
	}
	load();
	return null;
}
