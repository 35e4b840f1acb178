// REST calls (same origin: nginx's auth_basic / auth_request and the local
// token's cookie ride along; the page stores no credential), and the
// normalisers that accept both agentd's own reply shapes and the seed
// clients' bare arrays (README, "The dashboard").

const meta = document.querySelector('meta[name="agentd-api"]');
export const API = (meta && meta.getAttribute('content') || '/api/agents').replace(/\/+$/, '');

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

const listeners = new Set();
// fn(err) for every 401/403 (the shell shows them as such).
export function onAuthError(fn) {
	listeners.add(fn);
}

export async function api(method, path, body) {
	const init = { method, headers: {}, credentials: 'same-origin' };
	if (body instanceof FormData) {
		init.body = body;
	} else if (body !== undefined) {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let r;
	try {
		r = await fetch(API + path, init);
	} catch (e) {
		throw new ApiError(0, 'unreachable', `agentd is not reachable (${e.message})`);
	}
	const ct = r.headers.get('content-type') || '';
	let j = null;
	if (ct.includes('json'))
		j = await r.json().catch(() => null);
	if (!r.ok) {
		const err = new ApiError(r.status, j && j.code || `http_${r.status}`,
			j && j.error || `${r.status} ${r.statusText}`);
		if (r.status === 401 || r.status === 403)
			for (const fn of listeners)
				fn(err, method, path);
		throw err;
	}
	return j;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const del = (p) => api('DELETE', p);
export const enc = encodeURIComponent;

// --- normalisers --------------------------------------------------------

function arr(j, ...keys) {
	if (Array.isArray(j))
		return j;
	for (const k of keys)
		if (j && Array.isArray(j[k]))
			return j[k];
	return [];
}

// agentd's fine state is `state` (starting, running, idle, working,
// waiting_approval, exited, terminated); `status` is the seed clients' coarse
// lifecycle (running, completed, failed, killed; in the world active, idle, stale,
// completed) and never read as the state (README "Status, state and phase").
export function fineStatus(s) {
	if (typeof s.state === 'string' && s.state)
		return s.state;
	if (s.pendingApproval || s.phase === 'waiting_approval')
		return 'waiting_approval';
	return s.ended ? 'exited' : 'running';
}

// A world or session entry in one shape.
export function normSession(s) {
	const u = s.usage || {};
	return {
		...s,
		name: s.name || s.id || s.sessionName,
		agentType: s.agentType || s.agent || '',
		role: s.role || 'standalone',
		parent: s.parent || s.parentSession || null,
		status: fineStatus(s),
		statusSource: s.statusSource || '',
		statusSince: s.statusSince || null,
		phase: s.phase || '',
		usage: {
			inputTokens: u.inputTokens || 0, outputTokens: u.outputTokens || 0,
			costUsd: u.costUsd || u.cost || 0,
		},
		task: s.task || s.prompt || '',
		lastActivity: s.lastActivity || s.lastUpdatedAt || s.created || null,
		workingDirectory: s.workingDirectory || s.cwd || '',
		completion: s.completion || (s.result && s.completed ? { status: s.result.status,
			comment: s.result.finalComment } : null),
	};
}

export function normWorld(j) {
	const list = arr(j, 'sessions', 'agents', 'world').map(normSession);
	return { list, totals: j && !Array.isArray(j) && j.totals || null };
}

export const normMachines = (j) => arr(j, 'machines').map((m) => ({
	...m, id: m.id || m.label || m.host, reachable: m.reachable,
}));
export const normWorkers = (j) => arr(j, 'workers').map(normSession);
export const normSkills = (j) => arr(j, 'skills');

// {parent, directories: [{path, name, isGitRepo, branch}]} from either shape.
// The directories reply: the seed's {parent (the directory listed), directories:
// [paths]}, or agentd's richer entries ({path, name, isGitRepo, branch}) and
// up (the directory above the one listed; null at a root) beside them.
export function normDirs(j) {
	const base = (p) => p.slice(p.lastIndexOf('/') + 1) || p;
	const dirs = j && Array.isArray(j.entries)
		? j.entries.filter((e) => e && typeof e.path === 'string').map((e) => ({ ...e, name: e.name || base(e.path) }))
		: arr(j, 'directories').map((d) => typeof d === 'string' ? { path: d, name: base(d) } : d);
	const listed = j && (j.path || j.parent) || null;
	const up = j && 'up' in j ? j.up : listed && listed.lastIndexOf('/') > 0 ? listed.slice(0, listed.lastIndexOf('/')) : null;
	return { path: j && j.path || null, listed, up, roots: j && j.roots || [], dirs };
}

// {path, entries: [{name, dir}]} from `entries` (agentd) or `files` (seed).
export function normFiles(j) {
	const list = j && (j.entries || j.files) || [];
	return {
		path: j && j.path, parent: j && j.parent,
		entries: list.map((e) => ({ name: e.name, dir: e.type === 'dir' || e.isDirectory === true, size: e.size })),
	};
}

// The name of the session a create (or dispatch) made.
export const createdName = (j, fallback) => j && (j.name || j.sessionName) || fallback;
