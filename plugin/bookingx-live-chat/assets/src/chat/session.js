/**
 * The customer's side of one conversation, without any DOM: the connection, the messages
 * (de-duplicated by id), the outbox of un-acknowledged sends, read marks and typing.
 *
 * Delivery guarantee (docs/protocol.md, "Reconnecting without losing anything"): every
 * send gets a client_id (crypto.randomUUID) and stays in the outbox until the daemon acks
 * it — which it does only after the row is committed. After a reconnect the conversation
 * is re-joined with `since_id` (the replay fills any gap) and the outbox is resent with the
 * same client_ids, so the daemon stores each message once whatever happened in between.
 *
 * `conversation:start` is not idempotent by itself, so it carries a random `start_key` in
 * its context: when its ack was lost, the next connect looks the key up among the visitor's
 * own conversations (REST) before starting again.
 */
import { createConnection } from '../shared/connection.js';
import * as bookingForm from '../shared/booking-form.js';
import { uuid } from '../shared/time.js';

/** The `role` claim of a daemon token (read, not verified: only to choose what to show). */
function tokenRole(token) {
	try {
		return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).role || 'customer';
	} catch (e) {
		return 'customer';
	}
}

export function createSession(cfg, api, notify) {
	const s = {
		conn: 'idle',
		conversation: null,
		messages: [], // sorted by id
		outbox: [], // {client_id, body, status: 'sending'|'failed', error}
		agentReadUpTo: 0,
		typing: null, // {name}
		agentsOnline: null,
		hasMore: false,
		visible: false, // the panel is open and the page is visible
		offline: null, // {name, email} when the conversation came from the offline form
		role: '', // the token's role once known: 'customer', or staff
	};
	const byId = new Set();
	let began = null;
	let startKey = '';
	let startContext = null;
	let startAttempted = false;
	let pumping = false;
	let lastReadSent = 0;
	let typingTimer = 0;
	const change = (what, extra) => notify(what, extra);
	let sentContext = '';

	/** The live booking form state to the agents (`booking:context`), only when it changed. */
	function bookingContext() {
		const ctx = bookingForm.read();
		const k = bookingForm.key(ctx);
		if (ctx && s.conversation && conn.connected && k !== sentContext) {
			sentContext = k;
			conn.emit('booking:context', { conversation_id: s.conversation.id, context: ctx });
		}
	}
	if (bookingForm.hasForm()) {
		let t = 0;
		const later = () => {
			clearTimeout(t);
			t = setTimeout(bookingContext, 250);
		};
		document.addEventListener('change', later, true);
		document.addEventListener('click', later, true);
		new MutationObserver(later).observe(document.querySelector('.bkx-booking-form'), { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
	}

	const conn = createConnection({
		getToken: () => api.token(),
		onState(st) {
			s.conn = st;
			change('conn');
		},
		onConnect: () => resume(),
		events: {
			'message:new': ({ message }) => {
				if (s.conversation && message && message.conversation_id === s.conversation.id) {
					if (add(message) && message.sender_type !== 'customer') {
						s.typing = null;
						change('incoming', message);
						markRead();
					}
					change('messages');
				}
			},
			typing: (e) => {
				if (s.conversation && e.conversation_id === s.conversation.id && e.sender_type === 'agent') {
					clearTimeout(typingTimer);
					s.typing = e.state ? { name: e.sender_name || '' } : null;
					if (e.state) {
						// A lost "stopped" event must not leave the indicator on.
						typingTimer = setTimeout(() => {
							s.typing = null;
							change('typing');
						}, 8000);
					}
					change('typing');
				}
			},
			'message:read': (e) => {
				if (s.conversation && e.conversation_id === s.conversation.id && e.reader_type === 'agent') {
					s.agentReadUpTo = Math.max(s.agentReadUpTo, e.up_to_id || 0);
					change('messages');
				}
			},
			// An agent fills the visitor's booking form ("assist with form filling").
			'booking:fill': (e) => {
				if (s.conversation && e && e.conversation_id === s.conversation.id) {
					bookingForm.fill(e.fields).then(() => change('fill', e.fields));
				}
			},
			'conversation:updated': ({ conversation }) => {
				if (s.conversation && conversation && conversation.id === s.conversation.id) {
					s.conversation = conversation;
					change('conversation');
				}
			},
		},
	});

	function add(m) {
		if (!m || byId.has(m.id)) {
			return false;
		}
		byId.add(m.id);
		if (m.client_id) {
			s.outbox = s.outbox.filter((o) => o.client_id !== m.client_id);
		}
		if (m.sender_type === 'customer' && m.read_at) {
			s.agentReadUpTo = Math.max(s.agentReadUpTo, m.id);
		}
		const i = s.messages.findIndex((x) => x.id > m.id);
		if (i < 0) {
			s.messages.push(m);
		} else {
			s.messages.splice(i, 0, m);
		}
		return true;
	}

	const maxId = () => (s.messages.length ? s.messages[s.messages.length - 1].id : 0);

	function adopt(conversation) {
		s.conversation = conversation;
		startKey = '';
		startContext = null;
		change('conversation');
	}

	/** After every (re)connect: re-join with since_id, recover a lost start, resend the outbox. */
	async function resume() {
		try {
			if (!s.conversation && startAttempted && startKey) {
				const list = await api.conversations({ limit: 10 });
				const found = (list || []).find((c) => c.metadata && c.metadata.context && c.metadata.context.start_key === startKey);
				if (found) {
					adopt(found);
				}
				startAttempted = false;
			}
			if (s.conversation) {
				const since = maxId();
				const data = await conn.request('conversation:join', since ? { conversation_id: s.conversation.id, since_id: since } : { conversation_id: s.conversation.id });
				s.conversation = data.conversation || s.conversation;
				(data.messages || []).forEach(add);
				if (!since) {
					s.hasMore = !!data.has_more;
				}
				lastReadSent = 0;
				sentContext = '';
				bookingContext();
				change('conversation');
				change('messages');
				markRead();
			}
		} catch (e) {
			// A failed join is retried on the next connect; the outbox waits.
			if (e && e.code !== 'disconnected') {
				change('error', e);
			}
			return;
		}
		pump();
	}

	/** Delivers the outbox in order, one at a time, while connected. */
	async function pump() {
		if (pumping) {
			return;
		}
		pumping = true;
		try {
			for (;;) {
				const next = s.outbox.find((o) => o.status === 'sending');
				if (!next || !conn.connected) {
					break;
				}
				if (!(await deliver(next))) {
					break;
				}
			}
		} finally {
			pumping = false;
		}
	}

	/** One send; false when it has to wait for the next connection. */
	async function deliver(o) {
		try {
			if (!s.conversation) {
				startAttempted = true;
				const data = await conn.request('conversation:start', {
					message: { body: o.body, client_id: o.client_id },
					context: startContext || (startContext = context()),
				});
				adopt(data.conversation);
				startAttempted = false;
				if (data.message) {
					add(data.message);
				} else {
					s.outbox = s.outbox.filter((x) => x !== o);
				}
			} else {
				const data = await conn.request('message:send', { conversation_id: s.conversation.id, client_id: o.client_id, body: o.body });
				add(data.message);
				s.outbox = s.outbox.filter((x) => x.client_id !== o.client_id);
			}
			change('messages');
			return true;
		} catch (e) {
			if (e.code === 'disconnected') {
				if (conn.connected) {
					// The ack timed out on a live connection: resend (same client_id, stored once).
					await new Promise((r) => setTimeout(r, 1000));
					return true;
				}
				return false; // stays 'sending'; resent with the same client_id after reconnecting
			}
			if (e.code === 'rate_limited') {
				await new Promise((r) => setTimeout(r, 1500));
				return true;
			}
			o.status = 'failed';
			o.error = e.code;
			change('messages');
			change('error', e);
			return true;
		}
	}

	function context() {
		const c = { start_key: startKey || (startKey = uuid()), page_url: location.href, page_title: document.title };
		const form = bookingForm.read();
		if (form) {
			c.booking = form;
		}
		if (s.offline) {
			c.offline = true;
			c.name = s.offline.name;
			c.email = s.offline.email;
		}
		return c;
	}

	function markRead() {
		if (!cfg.features.read_receipts || !s.visible || !s.conversation || !conn.connected) {
			return;
		}
		let up = 0;
		for (const m of s.messages) {
			if (m.sender_type !== 'customer') {
				up = m.id;
			}
		}
		if (up > lastReadSent) {
			lastReadSent = up;
			conn.request('message:read', { conversation_id: s.conversation.id, up_to_id: up }).catch(() => {
				lastReadSent = 0;
			});
		}
	}

	return {
		state: s,
		/** Token, presence and any open conversation of this visitor; then connects. Once. */
		begin() {
			if (!began) {
				began = (async () => {
					let creds;
					try {
						creds = await conn.credentials();
					} catch (e) {
						s.conn = 'failed';
						change('conn');
						change('error', e);
						began = null; // a later open() may try again
						return;
					}
					// Staff tokens cannot start chats (agents answer from the inbox), and a staff
					// socket would count as an online agent: a logged-in agent only gets a notice.
					s.role = tokenRole(creds.token);
					if (s.role !== 'customer') {
						change('conn');
						return;
					}
					const base = creds.chatd_url.replace(/\/+$/, '');
					await Promise.all([
						fetch(base + '/presence')
							.then((r) => r.json())
							.then((p) => (s.agentsOnline = Number(p.agents_online)))
							.catch(() => (s.agentsOnline = null)),
						api
							.conversations({ limit: 1 })
							.then((list) => {
								const c = list && list[0];
								if (c && c.status !== 'closed' && !s.conversation) {
									s.conversation = c;
								}
							})
							.catch(() => {}),
					]);
					change('conversation');
					conn.start();
				})();
			}
			return began;
		},
		/** Queues a message (starting the conversation with the first one). */
		send(body) {
			const o = { client_id: uuid(), body, status: 'sending' };
			s.outbox.push(o);
			change('messages');
			pump();
			return o;
		},
		/**
		 * A file message for an uploaded file: over the socket, so the agent sees it live;
		 * over REST when the socket cannot take it. One client_id for both paths: stored once.
		 */
		async sendFile(attachmentId) {
			const conversationId = s.conversation.id;
			const clientId = uuid();
			let message = null;
			if (conn.connected) {
				try {
					const data = await conn.request('message:send', { conversation_id: conversationId, client_id: clientId, attachment_id: attachmentId });
					message = data.message;
				} catch (e) {
					if (e.code !== 'unsupported_media_type' && e.code !== 'disconnected') {
						throw e;
					}
				}
			}
			if (!message) {
				message = await api.postMessage(conversationId, { message_type: 'file', attachment_id: attachmentId, client_id: clientId });
			}
			if (add(message)) {
				change('messages');
			}
			return message;
		},
		/** The offline form: the first message carries name and e-mail in the context. */
		sendOffline(name, email, body) {
			s.offline = { name, email };
			return this.send(body);
		},
		retry(clientId) {
			const o = s.outbox.find((x) => x.client_id === clientId);
			if (o) {
				o.status = 'sending';
				o.error = '';
				change('messages');
				pump();
			}
		},
		/** Older history over REST (the socket replays only recent messages). */
		async loadOlder() {
			if (!s.conversation || !s.messages.length) {
				return;
			}
			const page = await api.messages(s.conversation.id, { before_id: s.messages[0].id, limit: 50 });
			(page || []).forEach(add);
			s.hasMore = (page || []).length === 50;
			change('messages');
		},
		setVisible(v) {
			s.visible = v;
			markRead();
		},
		typing(state) {
			if (cfg.features.typing && s.conversation) {
				conn.emit('typing', { conversation_id: s.conversation.id, state });
			}
		},
		/** After the conversation was closed: the next message starts a new one. */
		reset() {
			s.conversation = null;
			s.messages = [];
			s.outbox = [];
			s.offline = null;
			s.agentReadUpTo = 0;
			s.hasMore = false;
			byId.clear();
			change('conversation');
			change('messages');
		},
		bookingContext,
		accept(message) {
			if (add(message)) {
				change('messages');
			}
		},
		get connected() {
			return conn.connected;
		},
	};
}
