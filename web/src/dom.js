// Small DOM helpers: the dashboard uses no framework (web/README.md says why).

// h('div.cls#id', {attrs, on: {click}}, children...): an element.
export function h(spec, attrs, ...kids) {
	const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
	const el = document.createElement(m && m[1] ? m[1] : 'div');
	if (m && m[2]) {
		for (const part of m[2].match(/[.#][\w-]+/g)) {
			if (part[0] === '.')
				el.classList.add(part.slice(1));
			else
				el.id = part.slice(1);
		}
	}
	if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
		kids.unshift(attrs);
		attrs = null;
	}
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'on') {
			for (const [ev, fn] of Object.entries(v))
				el.addEventListener(ev, fn);
		} else if (k === 'class') {
			el.className += (el.className ? ' ' : '') + v;
		} else if (k === 'text') {
			el.textContent = v;
		} else if (k in el && typeof v !== 'string') {
			el[k] = v;
		} else {
			el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, kids);
	return el;
}

function append(el, kids) {
	for (const k of kids) {
		if (k === null || k === undefined || k === false)
			continue;
		if (Array.isArray(k))
			append(el, k);
		else
			el.append(k instanceof Node ? k : String(k));
	}
}

// Set el's text only when it changed (rows updated in place stay cheap).
export function setText(el, s) {
	s = s === undefined || s === null ? '' : String(s);
	if (el.textContent !== s)
		el.textContent = s;
}

export function clear(el) {
	while (el.firstChild)
		el.firstChild.remove();
}

// "12s", "5m", "3h", "2d" since an ISO time or a millisecond timestamp.
export function ago(t, now = Date.now()) {
	if (!t)
		return '';
	const ms = typeof t === 'number' ? t : Date.parse(t);
	if (!Number.isFinite(ms))
		return '';
	const s = Math.max(0, Math.round((now - ms) / 1000));
	if (s < 60)
		return `${s}s`;
	if (s < 3600)
		return `${Math.floor(s / 60)}m`;
	if (s < 86400)
		return `${Math.floor(s / 3600)}h`;
	return `${Math.floor(s / 86400)}d`;
}

export function fmtTokens(n) {
	n = Number(n) || 0;
	if (n < 1000)
		return String(n);
	if (n < 1e6)
		return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)}k`;
	return `${(n / 1e6).toFixed(1)}M`;
}

export function fmtCost(c) {
	c = Number(c) || 0;
	return c === 0 ? '' : `$${c < 10 ? c.toFixed(3) : c.toFixed(2)}`;
}

export function json(v) {
	try {
		return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
	} catch {
		return String(v);
	}
}

// A modal dialog; resolves with the value of the button pressed (or null).
export function dialog(title, body, buttons) {
	return new Promise((resolve) => {
		const d = h('dialog.dlg', { 'aria-label': title },
			h('h2', title), body,
			h('div.row.end', buttons.map((b) => h(`button${b.primary ? '.primary' : ''}${b.danger ? '.danger' : ''}`,
				{ type: 'button', on: { click: () => { d.close(); resolve(b.value); } } }, b.label))));
		d.addEventListener('cancel', () => resolve(null));
		d.addEventListener('close', () => d.remove());
		document.body.append(d);
		d.showModal();
		const first = d.querySelector('textarea, input, select, button.primary, button');
		if (first)
			first.focus();
	});
}
