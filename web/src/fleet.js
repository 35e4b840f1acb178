// Fleet view: every live session from GET /api/agents/world, polled at most
// once a second, as a parent/worker tree. Rows are keyed by name and updated
// in place (only the cells whose text changed are touched), so 500 sessions
// cost one fetch and a few text writes a second, never a page re-render.
import { enc, get, normWorld } from './api.js';
import { ago, fmtCost, fmtTokens, h, setText } from './dom.js';
import { showError } from './main.js';

const POLL_MS = 1000;		// the world at most once a second (the issue's bound)
const POLL_HIDDEN_MS = 5000;	// a background tab still counts approvals, slower
const CREATORS_MS = 10000;	// the session list (for creators) only when names change, at most this often

const COLS = [
	['name', 'Session'], ['agent', 'Agent'], ['status', 'Status'], ['since', 'Since'],
	['phase', 'Phase'], ['tokens', 'Tokens'], ['cost', 'Cost'], ['activity', 'Last activity'],
	['task', 'Task'],
];

let notifyOn = false;
let lastWaiting = 0;

function titleCount(n) {
	document.title = n > 0 ? `(${n}) waiting · agentd` : 'agentd';
	if (notifyOn && n > lastWaiting && 'Notification' in window && Notification.permission === 'granted')
		new Notification('agentd', { body: `${n} session${n === 1 ? '' : 's'} waiting for approval`, tag: 'agentd-waiting' });
	lastWaiting = n;
}

export function fleetView(root) {
	const rows = new Map();		// name -> {tr, c: {col: td}, link, s}
	const creators = new Map();	// name -> creator
	let order = [];
	const times = [];		// milliseconds of this view's renders (the first is the full one)
	let timer = null, dead = false, creatorsAt = 0, creatorsKnown = new Set();
	const sel = (label, id) => h('label', label, ' ', h(`select#${id}`, { on: { change: applyFilters } },
		h('option', { value: '' }, 'all')));
	const fStatus = sel('Status', 'f-status'), fAgent = sel('Agent', 'f-agent'), fCreator = sel('Creator', 'f-creator');
	const fText = h('input#f-text', { type: 'search', placeholder: 'Filter by name or task ( / )', 'aria-label': 'Filter by name or task',
		on: { input: applyFilters } });
	const totals = h('div.totals', { 'aria-live': 'polite' });
	const waitingPill = h('button.pill.waiting', { type: 'button', hidden: true, on: { click: () => {
		fStatus.querySelector('select').value = 'waiting_approval';
		applyFilters();
	} } });
	const notifyBtn = h('button', { type: 'button', title: 'Desktop notification when sessions wait for approval',
		on: { click: toggleNotify } }, 'Notify: off');
	const tbody = h('div.fbody', { role: 'rowgroup' });
	const empty = h('p.empty', { hidden: true }, 'No live session. ', h('a', { href: '#/new' }, 'Create one.'));
	// A grid of divs with table roles, not a <table>: each row has content-visibility:
	// auto, so only the rows on screen are laid out (a 500-row table is laid out whole).
	const table = h('div.fleet', { role: 'table', 'aria-label': 'Sessions' },
		h('div.fhead', { role: 'rowgroup' }, h('div.frow', { role: 'row' },
			COLS.map(([k, t]) => h(`div.c-${k}`, { role: 'columnheader' }, t)))), tbody);

	root.append(h('section.fleet-view',
		h('div.toolbar', h('h1', 'Fleet'), totals, waitingPill, h('span.grow'), notifyBtn),
		h('div.filters', fStatus, fAgent, fCreator, fText),
		h('div.table-wrap', table), empty));

	function toggleNotify() {
		if (!('Notification' in window))
			return;
		if (!notifyOn && Notification.permission !== 'granted') {
			Notification.requestPermission().then((p) => {
				notifyOn = p === 'granted';
				notifyBtn.textContent = `Notify: ${notifyOn ? 'on' : 'off'}`;
			});
			return;
		}
		notifyOn = !notifyOn;
		notifyBtn.textContent = `Notify: ${notifyOn ? 'on' : 'off'}`;
	}

	// One row's elements, cloned for every session (much cheaper than building each).
	const tpl = h('div.frow', { role: 'row' }, COLS.map(([k]) => h(`div.c-${k}`, { role: 'cell' })));
	tpl.querySelector('.c-name').append(h('span.indent'), h('a'));
	tpl.querySelector('.c-status').append(h('span.badge'), ' ', h('span.src'));

	function makeRow(name) {
		const tr = tpl.cloneNode(true);
		const c = {};
		COLS.forEach(([k], i) => { c[k] = tr.children[i]; });
		const link = c.name.lastChild;
		link.href = `#/s/${enc(name)}`;
		const r = { tr, c, link, indent: c.name.firstChild, badge: c.status.firstChild, src: c.status.lastChild, s: null, cls: '' };
		rows.set(name, r);
		return r;
	}

	function updateRow(r, s, depth, now) {
		r.s = s;
		setText(r.link, s.name);
		setText(r.indent, depth ? `${'  '.repeat(depth - 1)}└ ` : '');
		setText(r.c.agent, s.agentType + (s.machine && s.machine !== 'local' ? ` @${s.machine}` : ''));
		setText(r.badge, s.status.replace('_', ' '));
		setText(r.src, s.statusSource);
		setText(r.c.since, ago(s.statusSince, now));
		setText(r.c.phase, s.phase);
		setText(r.c.tokens, s.usage.inputTokens || s.usage.outputTokens
			? `${fmtTokens(s.usage.inputTokens)} / ${fmtTokens(s.usage.outputTokens)}` : '');
		setText(r.c.cost, fmtCost(s.usage.costUsd));
		const tool = s.lastToolUse && (s.lastToolUse.tool || s.lastToolUse.name || s.lastToolUse);
		setText(r.c.activity, `${ago(s.lastActivity, now)}${typeof tool === 'string' ? ` · ${tool}` : ''}`);
		setText(r.c.task, s.task.length > 120 ? `${s.task.slice(0, 120)}…` : s.task);
		if (r.c.task.title !== s.task)
			r.c.task.title = s.task;
		const cls = `st-${s.status} role-${s.role}`;
		if (r.cls !== cls) {
			r.tr.className = `frow ${cls}`;
			r.badge.className = `badge st-${s.status}`;
			r.cls = cls;
		}
	}

	// Parents first, each followed by its workers (depth-first), else world order.
	function treeOrder(list) {
		const byName = new Map(list.map((s) => [s.name, s]));
		const kids = new Map();
		const roots = [];
		for (const s of list) {
			if (s.parent && byName.has(s.parent) && s.parent !== s.name) {
				if (!kids.has(s.parent))
					kids.set(s.parent, []);
				kids.get(s.parent).push(s);
			} else {
				roots.push(s);
			}
		}
		const out = [];
		const walk = (s, d) => {
			if (out.length > list.length)
				return;
			out.push([s, d]);
			for (const k of kids.get(s.name) || [])
				walk(k, d + 1);
		};
		for (const s of roots)
			walk(s, 0);
		return out;
	}

	function fillSelect(wrap, values) {
		const select = wrap.querySelector('select');
		const have = new Set([...select.options].map((o) => o.value));
		for (const v of [...values].sort())
			if (v && !have.has(v))
				select.append(h('option', { value: v }, v.replace('_', ' ')));
	}

	function applyFilters() {
		const st = fStatus.querySelector('select').value;
		const ag = fAgent.querySelector('select').value;
		const cr = fCreator.querySelector('select').value;
		const tx = fText.value.trim().toLowerCase();
		let shown = 0;
		for (const r of rows.values()) {
			const s = r.s;
			const hide = (st && s.status !== st) || (ag && s.agentType !== ag) ||
				(cr && (creators.get(s.name) || '') !== cr) ||
				(tx && !s.name.toLowerCase().includes(tx) && !s.task.toLowerCase().includes(tx));
			if (r.tr.hidden !== !!hide)
				r.tr.hidden = !!hide;
			if (!hide)
				shown++;
		}
		empty.hidden = rows.size > 0;
		return shown;
	}

	// Render one world reply: returns the milliseconds it took.
	function render(world) {
		const t0 = performance.now();
		const now = Date.now();
		const seen = new Set();
		const tree = treeOrder(world.list);
		const names = [];
		let waiting = 0;
		const statuses = new Set(), agents = new Set();
		let inTok = 0, outTok = 0, cost = 0;
		for (const [s, depth] of tree) {
			seen.add(s.name);
			names.push(s.name);
			updateRow(rows.get(s.name) || makeRow(s.name), s, depth, now);
			if (s.status === 'waiting_approval')
				waiting++;
			statuses.add(s.status);
			agents.add(s.agentType);
			inTok += s.usage.inputTokens;
			outTok += s.usage.outputTokens;
			cost += s.usage.costUsd;
		}
		for (const [name, r] of rows) {
			if (!seen.has(name)) {
				r.tr.remove();
				rows.delete(name);
			}
		}
		if (names.length !== order.length || names.some((n, i) => n !== order[i])) {
			const frag = document.createDocumentFragment();
			for (const n of names)
				frag.append(rows.get(n).tr);
			tbody.append(frag);
			order = names;
		}
		fillSelect(fStatus, statuses);
		fillSelect(fAgent, agents);
		const by = {};
		for (const s of world.list)
			by[s.status] = (by[s.status] || 0) + 1;
		setText(totals, `${world.list.length} session${world.list.length === 1 ? '' : 's'}` +
			Object.entries(by).map(([k, v]) => ` · ${v} ${k.replace('_', ' ')}`).join('') +
			(inTok || outTok ? ` · ${fmtTokens(inTok)} in / ${fmtTokens(outTok)} out` : '') +
			(cost ? ` · ${fmtCost(cost)}` : ''));
		waitingPill.hidden = waiting === 0;
		setText(waitingPill, `${waiting} waiting for approval`);
		titleCount(waiting);
		applyFilters();
		const js = performance.now() - t0;
		if (times.length === 0)
			void tbody.offsetHeight;	// the first render's style and layout count too
		const ms = performance.now() - t0;
		// For the tests (t/77): how long each render of this view took.
		times.push(ms);
		if (times.length > 50)
			times.shift();
		window.__agentdFleet = { rows: rows.size, renderMs: ms, renders: times.length, times: times.slice(),
			scriptMs: js };
		return ms;
	}

	async function loadCreators(names) {
		const now = Date.now();
		if (names.every((n) => creatorsKnown.has(n)) || now - creatorsAt < CREATORS_MS && creatorsAt)
			return;
		creatorsAt = now;
		try {
			const list = await get('/sessions');
			for (const s of Array.isArray(list) ? list : list.sessions || []) {
				creators.set(s.name, s.creator || '');
				creatorsKnown.add(s.name);
			}
			for (const n of names)
				creatorsKnown.add(n);
			fillSelect(fCreator, new Set(creators.values()));
		} catch { /* the world still shows */ }
	}

	async function poll() {
		const t0 = Date.now();
		try {
			const world = normWorld(await get('/world'));
			if (dead)
				return;
			render(world);
			loadCreators(world.list.map((s) => s.name));
		} catch (e) {
			if (dead)
				return;
			showError(e);
			if (e.status === 401 || e.status === 403)
				return;		// no point polling what we may not see
		}
		const wait = (document.hidden ? POLL_HIDDEN_MS : POLL_MS) - (Date.now() - t0);
		timer = setTimeout(poll, Math.max(wait, 250));
	}

	function onKey(e) {
		if (e.target.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey)
			return;
		if (e.key === '/') {
			e.preventDefault();
			fText.focus();
			return;
		}
		if (e.key !== 'j' && e.key !== 'k')
			return;
		const links = [...tbody.querySelectorAll('.frow:not([hidden]) a')];
		if (!links.length)
			return;
		const i = links.indexOf(document.activeElement);
		const next = e.key === 'j' ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
		links[i === -1 ? 0 : next].focus();
		e.preventDefault();
	}
	document.addEventListener('keydown', onKey);

	poll();
	return {
		destroy() {
			dead = true;
			clearTimeout(timer);
			document.removeEventListener('keydown', onKey);
		},
		render,
	};
}
