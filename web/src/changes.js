// Changes view: GET /api/agents/sessions/NAME/diff (the working tree against
// the commit the session started from), with comments on lines that go back
// to the agent as one review message.
import { enc, get, post } from './api.js';
import { h, setText } from './dom.js';
import { mayChange, showError } from './main.js';

// The review as the agent reads it: one message, each comment under its place.
export function reviewText(comments) {
	const out = ['Review of your changes:'];
	for (const c of comments) {
		out.push('', `${c.path}:${c.line} (${c.origin === '-' ? 'removed' : c.origin === '+' ? 'added' : 'context'}: ${c.content.trim().slice(0, 120)})`);
		for (const l of c.text.split('\n'))
			out.push(`  ${l}`);
	}
	return out.join('\n');
}

export function changesView(root, name) {
	let session = null;
	const comments = new Map();	// key -> {path, line, origin, content, text, el}
	const count = h('span.count');
	const sendBtn = h('button.primary', { type: 'button', disabled: true, on: { click: send } }, 'Send review');
	const body = h('div.diff', 'Loading…');
	const stats = h('div.stats');
	root.append(h('section.changes-view',
		h('div.toolbar', h('a.back', { href: `#/s/${enc(name)}` }, `← ${name}`), h('h1', 'Changes'), stats,
			h('span.grow'), count, sendBtn),
		h('p.hint', 'Click a line (or focus it and press Enter) to comment; the comments go to the agent as one message.'),
		body));

	function updateCount() {
		const n = [...comments.values()].filter((c) => c.text.trim()).length;
		setText(count, n ? `${n} comment${n === 1 ? '' : 's'}` : '');
		sendBtn.disabled = n === 0 || !session || !mayChange(session) || session.ended;
	}

	function commentBox(tr, key, info) {
		if (comments.has(key)) {
			comments.get(key).el.querySelector('textarea').focus();
			return;
		}
		const ta = h('textarea', { rows: 2, 'aria-label': `Comment on ${info.path} line ${info.line}`,
			on: { input: () => { c.text = ta.value; updateCount(); } } });
		const row = h('tr.comment', h('td', { colspan: 3 }, ta,
			h('button', { type: 'button', on: { click: () => { comments.delete(key); row.remove(); updateCount(); } } }, 'Remove')));
		const c = { ...info, text: '', el: row };
		comments.set(key, c);
		tr.after(row);
		ta.focus();
	}

	function fileBlock(f) {
		const tbody = h('tbody');
		for (const hk of f.hunks || []) {
			tbody.append(h('tr.hunk', h('td', { colspan: 3 }, hk.header)));
			for (const l of hk.lines || []) {
				const line = l.newLine !== null && l.newLine !== undefined ? l.newLine : l.oldLine;
				const key = `${f.path}:${l.origin}:${l.oldLine}:${l.newLine}`;
				const info = { path: f.path, line, origin: l.origin, content: l.content || '' };
				const tr = h(`tr.ln.o${l.origin === '+' ? 'add' : l.origin === '-' ? 'del' : 'ctx'}`, { tabindex: mayChange(session) ? 0 : -1 },
					h('td.num', l.oldLine === null || l.oldLine === undefined ? '' : String(l.oldLine)),
					h('td.num', l.newLine === null || l.newLine === undefined ? '' : String(l.newLine)),
					h('td.code', `${l.origin}${l.content || ''}`));
				if (mayChange(session)) {
					tr.addEventListener('click', () => commentBox(tr, key, info));
					tr.addEventListener('keydown', (e) => {
						if (e.key === 'Enter') {
							e.preventDefault();
							commentBox(tr, key, info);
						}
					});
				}
				tbody.append(tr);
			}
		}
		const label = f.oldPath && f.oldPath !== f.path ? `${f.oldPath} → ${f.path}` : f.path;
		return h('details.file', { open: true },
			h('summary', h('span', { class: `fs fs-${f.status}` }, f.status), ' ', h('code', label),
				h('span.ins', ` +${f.insertions || 0}`), h('span.del', ` -${f.deletions || 0}`)),
			f.binary ? h('p.hint', 'binary or too large: not shown') : h('table.lines', tbody));
	}

	async function load() {
		try {
			session = await get(`/sessions/${enc(name)}?limit=1`);
			const d = await get(`/sessions/${enc(name)}/diff`);
			body.textContent = '';
			const st = d.stats || {};
			setText(stats, `${st.files || 0} file${st.files === 1 ? '' : 's'} · +${st.insertions || 0} -${st.deletions || 0}` +
				(d.base ? ` · base ${String(d.base).slice(0, 10)}` : '') + (d.truncated ? ' · truncated' : ''));
			if (!(d.files || []).length)
				body.append(h('p.empty', 'No change.'));
			for (const f of d.files || [])
				body.append(fileBlock(f));
		} catch (e) {
			body.textContent = '';
			body.append(h('p.empty', e.message));
			if (e.status !== 422)
				showError(e);
		}
		updateCount();
	}

	async function send() {
		const list = [...comments.values()].filter((c) => c.text.trim());
		if (!list.length)
			return;
		sendBtn.disabled = true;
		try {
			await post(`/sessions/${enc(name)}/message`, { message: reviewText(list) });
			for (const c of comments.values())
				c.el.remove();
			comments.clear();
			setText(count, 'review sent');
		} catch (e) {
			showError(e);
		}
		updateCount();
		if (!comments.size)
			setText(count, 'review sent');
	}

	load();
	return { destroy() {} };
}
