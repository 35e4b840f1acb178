// The dashboard's shell: who is asking (GET /api/agents/me), the navigation,
// the 401/403 banner and the hash router (#/..., so the same files work at /
// and under any path prefix without a server-side fallback).
import '@xterm/xterm/css/xterm.css';
import './app.css';
import { ApiError, get, onAuthError } from './api.js';
import { clear, h } from './dom.js';
import { fleetView } from './fleet.js';
import { sessionView } from './session.js';
import { changesView } from './changes.js';
import { newView } from './new.js';
import { workersView, machinesView } from './workers.js';
import { auditView } from './audit.js';

export const me = { user: '', role: 'viewer', auth: '', operatorsManageAll: false, known: false };
const RANK = { none: 0, viewer: 1, operator: 2, admin: 3 };

// May the user change session s (message, input, approve, delete...)?
export function mayChange(s) {
	if (RANK[me.role] >= RANK.admin)
		return true;
	if (RANK[me.role] < RANK.operator)
		return false;
	return me.operatorsManageAll || !s || !s.creator || s.creator === me.user;
}
export const isAdmin = () => me.role === 'admin';
export const isOperator = () => RANK[me.role] >= RANK.operator;

const banner = h('div.banner', { role: 'alert', hidden: true });
const main = h('main#main', { tabindex: '-1' });
const who = h('span.who');
const nav = h('nav.top', { 'aria-label': 'Main' },
	h('a.brand', { href: '#/' }, 'agentd'),
	h('a', { href: '#/', 'data-nav': 'fleet' }, 'Fleet'),
	h('a', { href: '#/new', 'data-nav': 'new', 'data-role': 'operator' }, 'New session'),
	h('a', { href: '#/machines', 'data-nav': 'machines' }, 'Machines'),
	h('a', { href: '#/audit', 'data-nav': 'audit', 'data-role': 'admin' }, 'Audit'),
	h('span.grow'), who);

// Show a 401/403 as such: the banner stays until the next page.
export function showAuthError(err) {
	banner.hidden = false;
	clear(banner);
	if (err.status === 401) {
		banner.append(h('strong', '401 Unauthenticated: '), err.message, '. ',
			h('span', 'Sign in through your site, or for the local stack open ',
				h('code', '/api/agents/login?token=…'), ' with the token in AGENTD_HOME/access-token.'));
	} else {
		banner.append(h('strong', '403 Forbidden: '), err.message);
	}
}

export function showError(err) {
	if (err instanceof ApiError && (err.status === 401 || err.status === 403))
		return showAuthError(err);
	banner.hidden = false;
	clear(banner);
	banner.append(h('strong', err.status ? `${err.status} ${err.code}: ` : 'Error: '), err.message);
}

let current = null;	// {destroy()} of the view on screen

function route() {
	const hash = location.hash.replace(/^#/, '') || '/';
	const parts = hash.split('/').filter(Boolean).map(decodeURIComponent);
	if (current && current.destroy)
		current.destroy();
	current = null;
	banner.hidden = true;
	clear(main);
	let view, navKey = parts[0] || 'fleet';
	if (parts.length === 0)
		view = fleetView;
	else if (parts[0] === 's' && parts[1] && parts[2] === 'changes')
		view = changesView;
	else if (parts[0] === 's' && parts[1] && parts[2] === 'workers')
		view = workersView;
	else if (parts[0] === 's' && parts[1])
		view = sessionView;
	else if (parts[0] === 'new')
		view = newView;
	else if (parts[0] === 'machines')
		view = machinesView;
	else if (parts[0] === 'audit')
		view = auditView;
	else
		view = fleetView, navKey = 'fleet';
	for (const a of nav.querySelectorAll('[data-nav]'))
		a.toggleAttribute('aria-current', a.dataset.nav === (navKey === 's' ? 'fleet' : navKey));
	current = view(main, parts[1], parts.slice(2)) || null;
}

async function start() {
	document.body.append(h('a.skip', { href: '#main', on: { click: (e) => { e.preventDefault(); main.focus(); } } },
		'Skip to content'), nav, banner, main);
	onAuthError((err) => showAuthError(err));
	try {
		Object.assign(me, await get('/me'), { known: true });
	} catch (e) {
		if (e.status === 401 || e.status === 403) {
			me.role = 'none';
		} else {
			// An agentd without /me: show every control, the server decides.
			me.role = 'admin';
		}
	}
	who.textContent = me.known ? `${me.user} (${me.role})` : '';
	document.body.dataset.role = me.role;
	for (const a of nav.querySelectorAll('[data-role]'))
		a.hidden = RANK[me.role] < RANK[a.dataset.role];
	window.addEventListener('hashchange', route);
	route();
}

start();
