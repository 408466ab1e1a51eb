/**
 * One Socket.IO connection to bkx-chatd's `/chat` namespace, shared by the customer widget
 * and the agent inbox.
 *
 * Why reconnection is driven here and not by socket.io-client: the spec's schedule
 * (immediately, 2 s, 5 s, 10 s, 30 s, then every 30 s) is not an exponential back-off, and
 * a refused handshake (`unauthenticated: ...`, an expired token) needs a fresh token from
 * WordPress before the next attempt. So the client runs with `reconnection: false` and this
 * module decides when to call `socket.connect()` again.
 *
 * The browser's own `offline`/`online` events short-cut the wait: going offline drops the
 * socket at once (instead of waiting for a ping timeout), coming back reconnects at once.
 */
import { io } from 'socket.io-client';

/** Delays before attempts 1..5 of a reconnection (spec section 10); the last one repeats. */
export const BACKOFF = [0, 2000, 5000, 10000, 30000];

/**
 * @param {object}   o
 * @param {function(): Promise<{token: string, chatd_url: string, expires_at?: string}>} o.getToken
 *        Asks WordPress for a (fresh) daemon token.
 * @param {function(string): void} o.onState  'connecting' | 'connected' | 'reconnecting' | 'failed'
 * @param {function(object): void} o.onConnect Called on every (re)connect with the socket.
 * @param {Object<string, function>} o.events  Server → client event handlers.
 */
export function createConnection({ getToken, onState, onConnect, events }) {
	let creds = null;
	let socket = null;
	let attempt = 0;
	let timer = 0;
	let state = '';
	let stopped = false;

	const set = (s) => {
		if (s !== state) {
			state = s;
			onState(s);
		}
	};

	// A token that expires within a minute is not worth a handshake.
	const fresh = () =>
		creds && !(creds.expires_at && Date.parse(creds.expires_at) - Date.now() < 60000);

	async function credentials() {
		if (!fresh()) {
			creds = await getToken();
		}
		return creds;
	}

	function schedule() {
		clearTimeout(timer);
		if (stopped) {
			return;
		}
		const delay = BACKOFF[Math.min(attempt, BACKOFF.length - 1)];
		attempt++;
		timer = setTimeout(attemptNow, delay);
	}

	async function attemptNow() {
		clearTimeout(timer);
		if (stopped || (socket && socket.connected)) {
			return;
		}
		if (typeof navigator !== 'undefined' && navigator.onLine === false) {
			set('reconnecting');
			return; // the `online` event resumes
		}
		try {
			await credentials();
		} catch (e) {
			if (e && e.status >= 400 && e.status < 500 && e.status !== 429) {
				set('failed'); // WordPress refused (chat switched off, forbidden): no point retrying
				return;
			}
			set('reconnecting');
			schedule();
			return;
		}
		if (!socket) {
			socket = io(creds.chatd_url.replace(/\/+$/, '') + '/chat', {
				// A function, so every attempt presents the newest token.
				auth: (cb) => cb({ token: creds.token }),
				reconnection: false,
				autoConnect: false,
				transports: ['websocket', 'polling'],
				timeout: 10000,
			});
			socket.on('connect', () => {
				attempt = 0;
				set('connected');
				onConnect(socket);
			});
			socket.on('disconnect', (reason) => {
				if (stopped || reason === 'io client disconnect') {
					return;
				}
				set('reconnecting');
				schedule();
			});
			socket.on('connect_error', (err) => {
				if (String((err && err.message) || '').startsWith('unauthenticated')) {
					creds = null; // expired or rotated: ask WordPress again before the next try
				}
				set(state === 'connected' || state === 'reconnecting' || attempt > 0 ? 'reconnecting' : 'connecting');
				schedule();
			});
			for (const name of Object.keys(events)) {
				socket.on(name, events[name]);
			}
		}
		socket.connect();
		// A connection the server accepts and then drops before the Engine.IO handshake (a
		// daemon shutting down, a proxy with no upstream) ends in a "close" that the client
		// only reports at its 10 s connect timeout. Report it at once, as the failed attempt
		// it is, so the back-off schedule holds.
		const engine = socket.io.engine;
		if (engine) {
			let opened = false;
			engine.once('open', () => (opened = true));
			engine.once('close', (reason) => {
				if (!opened) {
					engine.emit('error', new Error('closed before the handshake: ' + reason));
				}
			});
		}
	}

	const online = () => {
		if (!stopped && !(socket && socket.connected)) {
			attempt = 0;
			attemptNow();
		}
	};
	const offline = () => {
		if (socket && socket.connected) {
			socket.disconnect(); // 'io client disconnect': we schedule ourselves
			set('reconnecting');
		}
	};
	addEventListener('online', online);
	addEventListener('offline', offline);

	return {
		start() {
			stopped = false;
			if (!state) {
				set('connecting');
			}
			attemptNow();
		},
		stop() {
			stopped = true;
			clearTimeout(timer);
			removeEventListener('online', online);
			removeEventListener('offline', offline);
			if (socket) {
				socket.disconnect();
			}
		},
		get connected() {
			return !!(socket && socket.connected);
		},
		get socket() {
			return socket;
		},
		/** The last credentials (chatd_url is needed for /presence). */
		credentials,
		/**
		 * Emits with an ack; resolves to the ack's `data`, rejects with {code, message}.
		 * Rejects with code 'disconnected' when not connected or when the ack does not come
		 * within `timeout` ms (the caller keeps the request and retries on reconnect).
		 */
		request(event, payload, timeout = 10000) {
			return new Promise((resolve, reject) => {
				if (!socket || !socket.connected) {
					reject({ code: 'disconnected', message: 'not connected' });
					return;
				}
				socket.timeout(timeout).emit(event, payload, (err, res) => {
					if (err) {
						reject({ code: 'disconnected', message: String(err.message || err) });
					} else if (res && res.ok) {
						resolve(res.data || {});
					} else {
						reject((res && res.error) || { code: 'platform_error', message: 'bad ack' });
					}
				});
			});
		},
		/** Fire-and-forget (typing). */
		emit(event, payload) {
			if (socket && socket.connected) {
				socket.emit(event, payload);
			}
		},
	};
}
