// The script of terminal.html: one xterm.js terminal on the seed protocol's
// /terminal WebSocket. What it saw is in window.agentdTest for the test:
// bytes (every byte of the binary frames, in order), texts (the text frames),
// exit (the exit frame), close ({code, reason}), text() (the terminal buffer).
(function () {
	'use strict';
	const q = new URLSearchParams(location.search);
	const name = q.get('session') || '';
	const token = q.get('token') || '';
	const status = document.getElementById('status');
	const term = new Terminal({ cols: 100, rows: 30, scrollback: 5000 });
	term.open(document.getElementById('term'));

	const st = { bytes: [], texts: [], exit: null, close: null, open: false };
	st.text = function () {
		const b = term.buffer.active, out = [];
		for (let i = 0; i < b.length; i++)
			out.push(b.getLine(i).translateToString(true));
		return out.join('\n');
	};
	// Written and parsed: xterm.js writes asynchronously.
	st.written = 0;
	window.agentdTest = st;
	window.term = term;

	let url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
	    '/api/agents/sessions/' + encodeURIComponent(name) + '/terminal';
	if (token)
		url += '?access_token=' + encodeURIComponent(token);
	const ws = new WebSocket(url);
	ws.binaryType = 'arraybuffer';
	ws.onopen = function () {
		st.open = true;
		status.textContent = 'connected to ' + name;
		ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
	};
	ws.onmessage = function (ev) {
		if (typeof ev.data === 'string') {
			const m = JSON.parse(ev.data);
			st.texts.push(m);
			if (m.type === 'exit') {
				st.exit = m;
				status.textContent = 'exited: code ' + m.exitCode + ', signal ' + m.signal;
			}
			return;
		}
		const b = new Uint8Array(ev.data);
		for (let i = 0; i < b.length; i++)
			st.bytes.push(b[i]);
		term.write(b, function () { st.written += b.length; });
	};
	ws.onclose = function (ev) {
		st.close = { code: ev.code, reason: ev.reason };
		status.textContent += ' (closed ' + ev.code + ' ' + ev.reason + ')';
	};
	term.onData(function (d) {
		if (ws.readyState === WebSocket.OPEN)
			ws.send(new TextEncoder().encode(d));
	});
	term.onResize(function (size) {
		if (ws.readyState === WebSocket.OPEN)
			ws.send(JSON.stringify({ type: 'resize', cols: size.cols, rows: size.rows }));
	});
	term.focus();
})();
