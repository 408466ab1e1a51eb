/**
 * The inbox's connection and actions: one Socket.IO connection (shared/connection.js, the
 * spec's back-off), the REST lists, and the per-conversation outbox that makes replies
 * survive reconnects (same client_id on resend; the daemon stores each once).
 */
import { useEffect, useReducer, useRef, useMemo } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import { createConnection } from '../shared/connection.js';
import { toText } from '../shared/html.js';
import { uuid } from '../shared/time.js';
import * as api from './api.js';
import { setBookingContext } from './panels/booking-context.js';
import { initialState, reducer, customerName } from './state.js';

export default function useInbox(boot) {
	const me = Number(boot.user && boot.user.id);
	const features = boot.features || {};
	const [state, dispatch] = useReducer(reducer, initialState);
	const ref = useRef(state);
	ref.current = state;
	const joined = useRef(new Set()); // conversations joined on the current socket
	const lastRead = useRef({}); // conversation -> last up_to_id sent
	const pumping = useRef({});
	const typingOut = useRef({}); // conversation -> {on, timer}
	const conn = useRef(null);
	const notifyRef = useRef(null);

	const toast = (text, kind = 'info', conversationId = null) => {
		const id = uuid();
		dispatch({ type: 'toast', toast: { id, text, kind, conversationId } });
		setTimeout(() => dispatch({ type: 'untoast', id }), 8000);
	};

	const actions = useMemo(() => {
		const request = (ev, payload) => conn.current.request(ev, payload);

		async function loadLists() {
			const [waiting, mine] = await Promise.all([
				api.listConversations({ status: 'waiting', limit: 100 }),
				api.listConversations({ assigned_agent_id: me, limit: 100 }),
			]);
			const list = [...(waiting || []), ...(mine || [])];
			dispatch({ type: 'conversations', list });
			// The lists show each conversation's last message; REST lists do not carry it.
			const missing = list.filter((c) => !(ref.current.messages[c.id] || []).length).slice(0, 40);
			await Promise.all(
				missing.map((c) =>
					api
						.latestMessages(c.id, 1)
						.then((page) => page && page.length && dispatch({ type: 'preview', id: c.id, message: page[page.length - 1] }))
						.catch(() => {}),
				),
			);
		}

		async function join(id) {
			const have = ref.current.messages[id] || [];
			const since = have.length ? have[have.length - 1].id : 0;
			const data = await request('conversation:join', since ? { conversation_id: id, since_id: since } : { conversation_id: id });
			joined.current.add(id);
			if (data.conversation) {
				dispatch({ type: 'conversations', list: [data.conversation] });
			}
			dispatch({ type: 'messages', id, list: data.messages || [], hasMore: since ? undefined : !!data.has_more });
			markRead(id);
			pump(id);
		}

		function markRead(id) {
			const s = ref.current;
			if (id !== s.selected || document.hidden || !conn.current || !conn.current.connected) {
				return;
			}
			let up = 0;
			for (const m of s.messages[id] || []) {
				if (m.sender_type === 'customer') {
					up = m.id;
				}
			}
			if (up > (lastRead.current[id] || 0)) {
				lastRead.current[id] = up;
				request('message:read', { conversation_id: id, up_to_id: up }).catch(() => {
					lastRead.current[id] = 0;
				});
			}
		}

		async function pump(id) {
			if (pumping.current[id]) {
				return;
			}
			pumping.current[id] = true;
			try {
				for (;;) {
					const box = ref.current.outbox[id] || [];
					const next = box.find((o) => o.status === 'sending');
					if (!next || !conn.current.connected || !joined.current.has(id)) {
						break;
					}
					try {
						const data = await request('message:send', { conversation_id: id, client_id: next.client_id, body: next.body });
						dispatch({ type: 'messages', id, list: [data.message] });
						ref.current = reducer(ref.current, { type: 'messages', id, list: [data.message] });
					} catch (e) {
						if (e.code === 'disconnected') {
							break; // resent with the same client_id after the reconnect
						}
						const list = (ref.current.outbox[id] || []).map((o) => (o.client_id === next.client_id ? { ...o, status: 'failed', error: e.message || e.code } : o));
						dispatch({ type: 'outbox', id, list });
						ref.current = reducer(ref.current, { type: 'outbox', id, list });
					}
				}
			} finally {
				pumping.current[id] = false;
			}
		}

		async function resume() {
			joined.current = new Set();
			lastRead.current = {};
			try {
				await loadLists();
				const s = ref.current;
				const open = new Set([s.selected, ...Object.keys(s.outbox).map(Number)].filter(Boolean));
				for (const id of Object.keys(s.messages).map(Number)) {
					open.add(id);
				}
				await Promise.all([...open].map((id) => join(id).catch(() => {})));
				if (s.status && s.status !== 'online') {
					request('agent:status', { status: s.status }).catch(() => {});
				}
			} catch (e) {
				dispatch({ type: 'error', error: e.message || String(e.code || e) });
			}
		}

		const events = {
			'conversation:queued': ({ conversation }) => {
				if (!conversation) {
					return;
				}
				const known = ref.current.conversations[conversation.id];
				dispatch({ type: 'conversations', list: [conversation] });
				if (!known && conversation.status === 'waiting' && !conversation.assigned_agent_id) {
					notifyRef.current && notifyRef.current(conversation);
				}
			},
			'conversation:updated': ({ conversation }) => {
				if (conversation) {
					dispatch({ type: 'conversations', list: [conversation] });
				}
			},
			'message:new': async ({ message }) => {
				if (!message) {
					return;
				}
				const id = message.conversation_id;
				if (!ref.current.conversations[id]) {
					try {
						dispatch({ type: 'conversations', list: [await api.getConversation(id)] });
					} catch (e) {
						return;
					}
				}
				const s = ref.current;
				const seen = (s.messages[id] || []).some((m) => m.id === message.id);
				const mine = message.sender_type === 'agent' && Number(message.sender_id) === me;
				const away = id !== s.selected || document.hidden;
				dispatch({ type: 'messages', id, list: [message], unread: !seen && !mine && away ? 1 : 0 });
				if (message.sender_type === 'customer') {
					dispatch({ type: 'typing', id, typing: undefined });
				}
				setTimeout(() => markRead(id), 0);
			},
			typing: (e) => {
				if (e.sender_type !== 'customer') {
					return;
				}
				dispatch({ type: 'typing', id: e.conversation_id, typing: e.state ? { name: e.sender_name || '', at: Date.now() } : undefined });
			},
			'message:read': (e) => {
				if (e.reader_type === 'customer') {
					dispatch({ type: 'read', id: e.conversation_id, upTo: e.up_to_id || 0 });
				}
			},
			// The visitor's live BookingX form (panels/BookingPanel.js).
			'booking:context': (e) => e && setBookingContext(e.conversation_id, e.context),
			'agent:status': (e) => {
				if (Number(e.agent_id) === me) {
					dispatch({ type: 'status', status: e.status });
				}
			},
		};

		return {
			start() {
				conn.current = createConnection({
					getToken: api.token,
					onState: (c) => dispatch({ type: 'conn', conn: c }),
					onConnect: resume,
					events,
				});
				conn.current.start();
			},
			stop() {
				conn.current && conn.current.stop();
			},
			async select(id) {
				dispatch({ type: 'select', id });
				ref.current = reducer(ref.current, { type: 'select', id });
				if (!joined.current.has(id) && conn.current.connected) {
					try {
						await join(id);
					} catch (e) {
						toast(e.message || __('Could not open the conversation.', 'bookingx-live-chat'), 'error');
					}
				} else {
					markRead(id);
				}
			},
			markRead,
			/** Pushes field values into the visitor's booking form ("assist with form filling"). */
			bookingFill(id, fields) {
				conn.current && conn.current.emit('booking:fill', { conversation_id: id, fields });
			},
			async loadOlder(id) {
				const list = ref.current.messages[id] || [];
				if (!list.length) {
					return;
				}
				const page = await api.olderMessages(id, list[0].id, 50);
				dispatch({ type: 'messages', id, list: page || [], hasMore: (page || []).length === 50 });
			},
			send(id, body) {
				const o = { client_id: uuid(), body, status: 'sending' };
				const list = (ref.current.outbox[id] || []).concat([o]);
				dispatch({ type: 'outbox', id, list });
				ref.current = reducer(ref.current, { type: 'outbox', id, list });
				this.typing(id, false);
				pump(id);
			},
			retry(id, clientId) {
				const list = (ref.current.outbox[id] || []).map((o) => (o.client_id === clientId ? { ...o, status: 'sending', error: '' } : o));
				dispatch({ type: 'outbox', id, list });
				ref.current = reducer(ref.current, { type: 'outbox', id, list });
				pump(id);
			},
			typing(id, on) {
				if (!features.typing || !conn.current || !joined.current.has(id)) {
					return;
				}
				const t = (typingOut.current[id] = typingOut.current[id] || { on: false, timer: 0, sent: 0 });
				clearTimeout(t.timer);
				if (on) {
					// Re-announce every few seconds while typing goes on (the customer's widget
					// hides a stale indicator after 8 s).
					if (!t.on || Date.now() - t.sent > 4000) {
						t.on = true;
						t.sent = Date.now();
						conn.current.emit('typing', { conversation_id: id, state: true });
					}
					t.timer = setTimeout(() => this.typing(id, false), 3000);
				} else if (t.on) {
					t.on = false;
					conn.current.emit('typing', { conversation_id: id, state: false });
				}
			},
			async setStatus(status) {
				try {
					await request('agent:status', { status });
					dispatch({ type: 'status', status });
				} catch (e) {
					toast(e.message || __('Could not change your status.', 'bookingx-live-chat'), 'error');
				}
			},
			async claim(id) {
				try {
					dispatch({ type: 'conversations', list: [await api.updateConversation(id, { assigned_agent_id: me })] });
				} catch (e) {
					toast(e.message, 'error');
				}
			},
			async close(id) {
				try {
					const data = await request('conversation:close', { conversation_id: id });
					dispatch({ type: 'conversations', list: [data.conversation] });
				} catch (e) {
					toast(e.message || e.code, 'error');
				}
			},
			toast,
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);

	// New-conversation notifications: in-page toast, browser notification when permitted.
	notifyRef.current = (c) => {
		const name = customerName(c, __);
		toast(sprintf(__('New conversation from %s', 'bookingx-live-chat'), name), 'info', c.id);
		if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && (document.hidden || !document.hasFocus())) {
			try {
				const n = new Notification(__('New chat waiting', 'bookingx-live-chat'), {
					body: name + (c._last ? ': ' + toText(c._last.body) : ''),
					tag: 'bkx-chat-' + c.id,
				});
				n.onclick = () => {
					window.focus();
					actions.select(c.id);
					n.close();
				};
			} catch (e) {
				// Some browsers only allow notifications from a service worker.
			}
		}
	};

	useEffect(() => {
		actions.start();
		const vis = () => {
			if (!document.hidden && ref.current.selected) {
				actions.markRead(ref.current.selected);
				dispatch({ type: 'select', id: ref.current.selected });
			}
		};
		document.addEventListener('visibilitychange', vis);
		return () => {
			document.removeEventListener('visibilitychange', vis);
			actions.stop();
		};
	}, [actions]);

	// Expire typing indicators whose "stopped" never came.
	useEffect(() => {
		const t = setInterval(() => {
			const now = Date.now();
			for (const [id, v] of Object.entries(ref.current.typing)) {
				if (v && now - v.at > 8000) {
					dispatch({ type: 'typing', id: Number(id), typing: undefined });
				}
			}
		}, 2000);
		return () => clearInterval(t);
	}, []);

	return { state, actions, me, features };
}
