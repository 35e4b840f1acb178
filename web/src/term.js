// The live terminal: xterm.js on the session's binary stream.
//
// The stream is agentd's own WebSocket, /api/agents/sessions/NAME?format=binary:
// a binary frame is an 8-byte big-endian seq and the raw bytes the agent wrote,
// text frames are hello, json_event (handed to onEvent), ping, resync and error.
// The seq is what makes a reconnect gap-free: after a dropped connection or a
// daemon restart it reconnects with since=<last seq drawn> and gets exactly what
// it missed. Keys go out as {"type":"input"} and sizes as {"type":"resize"}.
//
// Flow control as ttyd's client does it: every FC_CHUNK bytes handed to xterm
// carry a write callback; when more than FC_HIGH such chunks are queued inside
// xterm the page stops reading (here: it closes the socket, so agentd keeps
// nothing for it) and resumes with since= once xterm has drained below FC_LOW.
// So output at full speed never freezes the page, and memory stays bounded:
// xterm's scrollback (SCROLLBACK lines) and at most FC_HIGH chunks in flight.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { API, enc } from './api.js';

const FC_CHUNK = 128 * 1024;	// bytes per write callback (ttyd: limit 100000)
const FC_HIGH = 8;		// chunks queued in xterm before reading stops (~1 MiB)
const FC_LOW = 2;		// ... and below which it resumes
const SCROLLBACK = 5000;	// lines kept: what an hour of output costs in memory
const INPUT_QUEUE_MAX = 64 * 1024;	// keys typed while disconnected, sent on reconnect
const RETRY_MS = [250, 500, 1000, 2000, 4000];	// reconnect backoff

export class TermStream {
	// opts: {canType, sizing, onEvent(seq, ev), onHello(h), onState(text), onError(msg)}
	// sizing: 'send' (fit the element, the agent's terminal follows: a typist's
	// page), 'fit' (fit the element only: a stream session, which has no
	// terminal to resize), 'follow' (the agent's size: a viewer's page).
	// Default: 'send' for a typist, else 'follow'.
	constructor(el, name, opts) {
		this.name = name;
		this.opts = opts;
		this.lastSeq = null;
		this.ws = null;
		this.closed = false;
		this.ended = false;
		this.paused = false;
		this.pending = 0;
		this.written = 0;
		this.retry = 0;
		this.inq = [];
		this.inqBytes = 0;
		this.bytes = 0;
		this.decoder = new TextDecoder();
		this.term = new Terminal({
			allowProposedApi: true,
			scrollback: SCROLLBACK,
			convertEol: false,
			cursorBlink: false,
			disableStdin: !opts.canType,
			fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
			fontSize: 13,
			theme: { background: '#111418', foreground: '#d8dee9' },
		});
		this.fit = new FitAddon();
		this.term.loadAddon(this.fit);
		this.term.loadAddon(new WebLinksAddon());
		this.term.loadAddon(new Unicode11Addon());
		this.term.unicode.activeVersion = '11';
		this.term.open(el);
		this.sizing = opts.sizing || (opts.canType ? 'send' : 'follow');
		if (opts.canType)
			this.term.onData((d) => this.send({ type: 'input', data: d }, true));
		if (this.sizing === 'send')
			this.term.onResize(({ cols, rows }) => this.send({ type: 'resize', cols, rows }));
		if (this.sizing !== 'follow') {
			this.ro = new ResizeObserver(() => this.refit());
			this.ro.observe(el);
			this.refit();
		}
		this.connect();
	}

	refit() {
		clearTimeout(this.fitTimer);
		this.fitTimer = setTimeout(() => {
			try {
				this.fit.fit();
			} catch { /* not laid out yet */ }
		}, 50);
	}

	url() {
		const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
		let u = `${proto}//${location.host}${API}/sessions/${enc(this.name)}?format=binary`;
		if (this.lastSeq !== null)
			u += `&since=${this.lastSeq}`;
		return u;
	}

	connect() {
		if (this.closed)
			return;
		const ws = new WebSocket(this.url());
		ws.binaryType = 'arraybuffer';
		this.ws = ws;
		ws.onopen = () => {
			this.retry = 0;
			this.opts.onState && this.opts.onState('live');
			const q = this.inq;
			this.inq = [];
			this.inqBytes = 0;
			for (const m of q)
				ws.send(m);
			if (this.sizing === 'send')
				this.send({ type: 'resize', cols: this.term.cols, rows: this.term.rows });
		};
		ws.onmessage = (m) => this.onFrame(m.data);
		ws.onclose = (ev) => {
			if (this.ws !== ws)
				return;
			this.ws = null;
			if (this.closed || this.paused)
				return;
			if (ev.code === 1000 || ev.code === 4004) {
				// The agent ended (or there is no such session): nothing more comes.
				this.ended = true;
				this.opts.onState && this.opts.onState('ended');
				return;
			}
			this.opts.onState && this.opts.onState('reconnecting');
			const ms = RETRY_MS[Math.min(this.retry++, RETRY_MS.length - 1)];
			this.retryTimer = setTimeout(() => this.connect(), ms);
		};
	}

	onFrame(data) {
		if (data instanceof ArrayBuffer) {
			if (data.byteLength < 8)
				return;
			const seq = Number(new DataView(data).getBigUint64(0));
			if (this.lastSeq !== null && seq <= this.lastSeq)
				return;		// already drawn (a replay overlapping a reconnect)
			this.lastSeq = seq;
			this.write(new Uint8Array(data, 8));
			return;
		}
		let m;
		try {
			m = JSON.parse(data);
		} catch {
			return;
		}
		switch (m.type) {
		case 'hello':
			if (this.opts.onHello)
				this.opts.onHello(m);
			if (this.sizing === 'follow' && m.cols && m.rows)
				this.term.resize(m.cols, m.rows);
			break;
		case 'tty_data':
			if (this.lastSeq !== null && m.seq <= this.lastSeq)
				return;
			this.lastSeq = m.seq;
			this.write(m.encoding === 'base64'
				? Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0)) : m.data);
			break;
		case 'json_event':
			if (this.lastSeq !== null && m.seq <= this.lastSeq)
				return;
			this.lastSeq = m.seq;
			if (m.event && m.event.type === 'reset')
				this.term.reset();
			if (this.opts.onEvent)
				this.opts.onEvent(m.seq, m.event);
			break;
		case 'resync':
			this.lastSeq = m.seq;
			this.term.write('\r\n\x1b[33m[older output was rotated out of the log]\x1b[0m\r\n');
			break;
		case 'error':
			if (this.opts.onError)
				this.opts.onError(m.error || m.code);
			break;
		case 'exit':
			break;
		default:
			break;
		}
	}

	// Hand data to xterm, ttyd-style: count what is queued inside xterm.
	write(data) {
		const n = data.length;
		this.bytes += n;
		this.written += n;
		if (this.written < FC_CHUNK) {
			this.term.write(data);
			return;
		}
		this.written = 0;
		this.pending++;
		this.term.write(data, () => {
			this.pending = Math.max(this.pending - 1, 0);
			if (this.paused && this.pending < FC_LOW) {
				this.paused = false;
				this.connect();
			}
		});
		if (this.pending > FC_HIGH && !this.paused && this.ws) {
			this.paused = true;
			this.pauses = (this.pauses || 0) + 1;
			const ws = this.ws;
			this.ws = null;
			ws.close(1000, 'flow control');
		}
	}

	// Send a client message; keys typed while disconnected wait (bounded).
	send(obj, queue) {
		const m = JSON.stringify(obj);
		if (this.ws && this.ws.readyState === WebSocket.OPEN) {
			this.ws.send(m);
		} else if (queue && !this.ended && this.inqBytes + m.length <= INPUT_QUEUE_MAX) {
			this.inq.push(m);
			this.inqBytes += m.length;
		}
	}

	// The screen as text (tests, and the copy-all button).
	text() {
		const b = this.term.buffer.active;
		const out = [];
		for (let i = 0; i < b.length; i++)
			out.push(b.getLine(i).translateToString(true));
		return out.join('\n');
	}

	focus() {
		this.term.focus();
	}

	destroy() {
		this.closed = true;
		clearTimeout(this.retryTimer);
		clearTimeout(this.fitTimer);
		if (this.ro)
			this.ro.disconnect();
		if (this.ws)
			this.ws.close(1000, 'page closed');
		this.term.dispose();
	}
}
