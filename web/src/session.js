// Session view: the live terminal beside the event timeline, the approval bar
// while the agent waits, the message box and the session's controls (reset,
// complete, pre-kill debrief, delete). Controls show only for a user who may
// change the session; a viewer watches.
import { enc, get, normSession, post, del } from './api.js';
import { ago, clear, dialog, fmtCost, fmtTokens, h, json, setText } from './dom.js';
import { mayChange, showError } from './main.js';
import { TermStream } from './term.js';

const TIMELINE_MAX = 500;	// events kept on screen: an hour-long session stays light
const EVENTS_PAGE = 1000;	// the detail endpoint's largest page
const EVENTS_PAGES = 5;		// pages read at open (the oldest beyond are not shown)
const DETAIL_MS = 5000;		// header refresh besides the live status events

export function sessionView(root, name) {
	let s = null, stream = null, dead = false, timer = null;
	let lastEvent = 0;
	let controlsKey = '', approvalKey = '';
	const seen = new Set();

	const title = h('h1', name);
	const badge = h('span.badge');
	const facts = h('div.facts');
	const controls = h('div.controls');
	const approval = h('div.approval', { role: 'region', 'aria-label': 'Approval', hidden: true });
	const termEl = h('div.term', { 'aria-label': `Terminal of ${name}` });
	const connState = h('span.conn');
	const timeline = h('ol.timeline', { 'aria-label': 'Events', 'aria-live': 'off' });
	const msgBox = h('textarea#msg', { rows: 2, placeholder: 'Message to the agent (Enter sends, Shift+Enter: new line)',
		'aria-label': 'Message' });
	const msgForm = h('form.msg', { hidden: true, on: { submit: (e) => { e.preventDefault(); sendMessage(); } } },
		msgBox, h('button.primary', { type: 'submit' }, 'Send'));
	msgBox.addEventListener('keydown', (e) => {
		if (e.key === 'Enter' && !e.shiftKey) {
			e.preventDefault();
			sendMessage();
		}
	});

	root.append(h('section.session-view',
		h('div.toolbar', h('a.back', { href: '#/' }, '← Fleet'), title, badge, connState, h('span.grow'), controls),
		facts, approval,
		h('div.split',
			h('div.left', termEl, msgForm),
			h('div.right', h('h2', 'Timeline'), timeline))));

	const can = () => s && mayChange(s) && !s.ended;

	function btn(label, fn, cls = '') {
		return h(`button${cls}`, { type: 'button', on: { click: fn } }, label);
	}

	function renderHeader() {
		if (!s)
			return;
		setText(badge, s.status.replace('_', ' '));
		badge.className = `badge st-${s.status}`;
		clear(facts);
		const u = s.usage;
		facts.append(
			h('span', h('b', 'agent '), s.agentType),
			h('span', h('b', 'role '), s.role, s.parent ? [' of ', h('a', { href: `#/s/${enc(s.parent)}` }, s.parent)] : ''),
			h('span', h('b', 'phase '), s.phase || '–'),
			s.statusSource ? h('span', h('b', 'source '), s.statusSource, s.statusSince ? ` · ${ago(s.statusSince)} ago` : '') : '',
			h('span', h('b', 'dir '), h('code', s.workingDirectory)),
			s.branch ? h('span', h('b', 'branch '), s.branch) : '',
			s.creator ? h('span', h('b', 'by '), s.creator) : '',
			u.inputTokens || u.outputTokens ? h('span', h('b', 'tokens '), `${fmtTokens(u.inputTokens)} / ${fmtTokens(u.outputTokens)}`) : '',
			u.costUsd ? h('span', h('b', 'cost '), fmtCost(u.costUsd)) : '',
			s.completion ? h('span.done', h('b', 'completed '), s.completion.status,
				s.completion.comment ? ` – ${s.completion.comment}` : '') : '',
			s.ended ? h('span.ended', h('b', 'ended '), s.endReason || s.status,
				s.exitCode !== null && s.exitCode !== undefined ? ` (exit ${s.exitCode})` : '') : '');
		// Rebuilt only when the set changes: a status event must not take the focus away.
		const key = `${mayChange(s)}/${!!s.ended}/${!!s.completion}`;
		if (key !== controlsKey) {
			controlsKey = key;
			renderControls();
		}
		msgForm.hidden = !can();
		renderApproval();
	}

	function renderControls() {
		clear(controls);
		controls.append(h('a.button', { href: `#/s/${enc(name)}/changes` }, 'Changes'),
			h('a.button', { href: `#/s/${enc(name)}/workers` }, 'Workers'));
		if (mayChange(s)) {
			if (!s.ended) {
				controls.append(btn('Reset', doReset), btn('Complete…', doComplete), btn('Debrief', doDebrief));
			} else if (!s.completion) {
				controls.append(btn('Complete…', doComplete));
			}
			controls.append(btn('Delete…', doDelete, '.danger'));
		}
	}

	function renderApproval() {
		const p = s && s.pendingApproval;
		const waiting = s && s.status === 'waiting_approval';
		approval.hidden = !waiting;
		const key = waiting ? `${can()}/${json(p)}` : '';
		if (!waiting || key === approvalKey)
			return;
		approvalKey = key;
		clear(approval);
		approval.append(h('div.what', h('strong', `${name} asks to use ${p && p.tool || 'a tool'}`),
			p && p.input ? h('pre', json(p.input)) : ''));
		if (can()) {
			approval.append(h('div.row',
				btn('Allow', () => decide('allow'), '.primary'),
				btn('Deny', () => decide('deny'), '.danger')));
		}
	}

	async function refresh() {
		try {
			const d = await get(`/sessions/${enc(name)}?since=${lastEvent}&limit=1`);
			if (dead)
				return;
			s = normSession(d);
			renderHeader();
		} catch (e) {
			if (!dead)
				showError(e);
		}
	}

	async function decide(decision) {
		try {
			// The id of the request shown: a decision never answers a later one (409).
			const id = s && s.pendingApproval && s.pendingApproval.id;
			await post(`/sessions/${enc(name)}/approval`, id ? { decision, id } : { decision });
			s.status = 'working';
			s.pendingApproval = null;
			approvalKey = '';
			renderApproval();
		} catch (e) {
			showError(e);
		}
		refresh();
	}

	async function sendMessage(text) {
		const t = text === undefined ? msgBox.value : text;
		if (!t.trim())
			return;
		try {
			await post(`/sessions/${enc(name)}/message`, { message: t });
			if (text === undefined)
				msgBox.value = '';
		} catch (e) {
			showError(e);
		}
	}

	async function doReset() {
		try {
			await post(`/sessions/${enc(name)}/reset`);
		} catch (e) {
			showError(e);
		}
	}

	async function doComplete() {
		const st = h('select#complete-status', ['success', 'partial', 'failure', 'cancelled'].map((v) => h('option', { value: v }, v)));
		const cm = h('textarea#complete-comment', { rows: 3, placeholder: 'What was done' });
		const ok = await dialog('Mark complete', h('div.form', h('label', 'Status ', st), h('label', 'Comment ', cm)),
			[{ label: 'Cancel', value: false }, { label: 'Complete', value: true, primary: true }]);
		if (!ok)
			return;
		try {
			await post(`/sessions/${enc(name)}/complete`, { status: st.value, comment: cm.value });
		} catch (e) {
			showError(e);
		}
		refresh();
	}

	async function doDebrief() {
		const wait = h('dialog.dlg', { 'aria-label': 'Debrief' }, h('h2', 'Debrief'), h('p', `Asking ${name} for its debrief…`));
		document.body.append(wait);
		wait.showModal();
		let d;
		try {
			d = await post(`/sessions/${enc(name)}/pre-kill-debrief`);
			if (d && d.debriefStarted) {
				// The seed clients' shape: poll until the report is there.
				for (let i = 0; i < 300 && !dead; i++) {
					await new Promise((r) => setTimeout(r, 1000));
					const g = await get(`/sessions/${enc(name)}/pre-kill-debrief`).catch(() => null);
					if (g && g.report) {
						d = g;
						break;
					}
				}
			}
		} catch (e) {
			showError(e);
			return;
		} finally {
			wait.close();
			wait.remove();
		}
		const kill = await dialog(`Debrief (${d.kind || 'report'}, ${d.source || ''})`,
			h('pre.report', d.report || json(d)),
			[{ label: 'Close', value: false }, { label: 'Delete the session…', value: true, danger: true }]);
		if (kill)
			doDelete();
	}

	async function doDelete() {
		const ok = await dialog(`Delete ${name}?`,
			h('p', s && !s.ended ? 'This stops the agent (SIGTERM, then SIGKILL). Its history stays.'
				: 'The session has ended; this settles it (a worker\'s worktree is removed if it has no change).'),
			[{ label: 'Cancel', value: false }, { label: 'Delete', value: true, danger: true }]);
		if (!ok)
			return;
		try {
			await del(`/sessions/${enc(name)}`);
			location.hash = '#/';
		} catch (e) {
			showError(e);
		}
	}

	// --- timeline ---------------------------------------------------------

	function item(seq, ts, ev) {
		const type = ev.type || '?';
		const who = ev.from || ev.by || ev.user || ev.source || '';
		const head = h('div.ev-head', h('span.ev-type', type.replace('_', ' ')),
			who ? h('span.ev-who', who) : '', ts ? h('time', { datetime: ts, title: ts }, new Date(ts).toLocaleTimeString()) : '');
		let body = null;
		switch (type) {
		case 'message': case 'user_message': case 'assistant_text': case 'error':
			body = h('div.ev-text', ev.text || ev.message || '');
			break;
		case 'tool_use':
			body = h('details', h('summary', ev.tool || ev.name || 'tool'), h('pre', json(ev.input)));
			break;
		case 'tool_result': {
			const out = typeof ev.output === 'string' ? ev.output : json(ev.output);
			body = h('details', { class: ev.isError ? 'err' : '' }, h('summary', `${ev.isError ? 'error' : 'result'} (${out.length} chars)`),
				h('pre', out.length > 20000 ? `${out.slice(0, 20000)}…` : out));
			break;
		}
		case 'permission_request':
			body = h('div', h('b', ev.tool || ''), ev.input ? h('pre', json(ev.input)) : '');
			break;
		case 'approval':
			body = h('div', h('b', ev.decision), ev.request && ev.request.tool ? ` ${ev.request.tool}` : '');
			break;
		case 'usage':
			body = h('div.ev-small', `${fmtTokens(ev.inputTokens)} in / ${fmtTokens(ev.outputTokens)} out${ev.costUsd ? ` · ${fmtCost(ev.costUsd)}` : ''}`);
			break;
		case 'status':
			body = h('div.ev-small', `${ev.status || ''}${ev.phase ? ` · ${ev.phase}` : ''}${ev.statusSource ? ` (${ev.statusSource})` : ''}`);
			break;
		case 'debrief':
			body = h('details', h('summary', `${ev.kind || 'debrief'} (${ev.source || ''})`), h('pre', ev.report || ''));
			break;
		case 'completed':
			body = h('div', h('b', ev.status || ''), ev.comment ? ` – ${ev.comment}` : '');
			break;
		case 'exit':
			body = h('div', `${ev.status || 'exited'}${ev.exitCode !== undefined && ev.exitCode !== null ? ` (exit ${ev.exitCode})` : ''}${ev.exitSignal ? ` signal ${ev.exitSignal}` : ''}`);
			break;
		case 'worker':
			body = h('div', ev.name ? h('a', { href: `#/s/${enc(ev.name)}` }, ev.name) : json(ev));
			break;
		case 'delivered': case 'turn_end': case 'created': case 'reset': case 'input':
			break;
		default:
			body = h('pre.ev-small', json(ev));
		}
		return h(`li.ev.ev-${type}`, { 'data-seq': seq }, head, body);
	}

	function addEvent(seq, ts, ev) {
		if (!ev || seen.has(seq))
			return;
		seen.add(seq);
		lastEvent = Math.max(lastEvent, seq);
		const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 20;
		timeline.append(item(seq, ts, ev));
		while (timeline.childElementCount > TIMELINE_MAX) {
			seen.delete(Number(timeline.firstElementChild.dataset.seq));
			timeline.firstElementChild.remove();
		}
		if (atBottom)
			timeline.scrollTop = timeline.scrollHeight;
	}

	// A live event: also what changes the header (status, completion, exit).
	function onEvent(seq, ev) {
		addEvent(seq, new Date().toISOString(), ev);
		if (!s || !ev)
			return;
		if (ev.type === 'status') {
			s.status = ev.status || s.status;
			s.statusSource = ev.statusSource || s.statusSource;
			s.phase = ev.phase || s.phase;
			s.pendingApproval = ev.pendingApproval || null;
			s.statusSince = new Date().toISOString();
			renderHeader();
		} else if (ev.type === 'completed' || ev.type === 'exit' || ev.type === 'usage' ||
		    ev.type === 'permission_request' || ev.type === 'approval') {
			refresh();
		}
	}

	async function load() {
		try {
			const d = await get(`/sessions/${enc(name)}?limit=${EVENTS_PAGE}`);
			if (dead)
				return;
			s = normSession(d);
			let evs = d.events || [];
			let next = d.nextSeq;
			for (let p = 1; p < EVENTS_PAGES && evs.length === EVENTS_PAGE * p && next; p++) {
				const more = await get(`/sessions/${enc(name)}?since=${next}&limit=${EVENTS_PAGE}`);
				evs = evs.concat(more.events || []);
				next = more.nextSeq;
			}
			for (const e of evs.slice(-TIMELINE_MAX))
				addEvent(e.seq, e.ts, e.event ? { type: e.type, ...e.event } : e);
			renderHeader();
			document.title = `${name} · agentd`;
			const isStream = (s.transport || s.sessionType) === 'stream';
			stream = new TermStream(termEl, name, {
				// A stream session has no terminal to type into (the daemon
				// refuses its keys): the message box is its input.
				canType: can() && !isStream,
				// Its rendering still fits the page (nothing to resize at the agent).
				sizing: isStream ? 'fit' : undefined,
				onEvent,
				onState: (st) => {
					setText(connState, st === 'live' ? '' : st);
					if (st === 'ended')
						refresh();
				},
				onError: (msg) => showError(new Error(msg)),
			});
			window.__agentdTerm = stream;
		} catch (e) {
			if (!dead)
				showError(e);
			return;
		}
		timer = setInterval(refresh, DETAIL_MS);
	}

	load();
	return {
		destroy() {
			dead = true;
			clearInterval(timer);
			if (stream)
				stream.destroy();
			window.__agentdTerm = null;
		},
		sendMessage,
	};
}
