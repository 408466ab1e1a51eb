/**
 * The inbox's state and its one reducer. Conversations and messages are keyed by id;
 * the visible lists (waiting queue, "mine") are derived, never stored twice.
 */
export const initialState = {
	conn: 'connecting',
	status: 'online',
	conversations: {}, // id -> conversation (+ _last: last message)
	messages: {}, // id -> messages sorted by id
	hasMore: {}, // id -> bool
	outbox: {}, // id -> [{client_id, body, status, error}]
	unread: {}, // id -> number
	typing: {}, // id -> {name} | undefined
	customerRead: {}, // id -> highest id read by the customer
	selected: null,
	toasts: [],
	error: '',
};

function addMessages(list, incoming) {
	const seen = new Set(list.map((m) => m.id));
	const out = list.slice();
	for (const m of incoming) {
		if (m && !seen.has(m.id)) {
			seen.add(m.id);
			out.push(m);
		}
	}
	out.sort((a, b) => a.id - b.id);
	return out;
}

const set = (map, id, value) => ({ ...map, [id]: value });

export function reducer(state, a) {
	switch (a.type) {
		case 'conn':
			return { ...state, conn: a.conn };
		case 'status':
			return { ...state, status: a.status };
		case 'error':
			return { ...state, error: a.error };
		case 'conversations': {
			const conversations = { ...state.conversations };
			for (const c of a.list) {
				conversations[c.id] = { ...conversations[c.id], ...c };
			}
			return { ...state, conversations };
		}
		case 'select':
			return { ...state, selected: a.id, unread: set(state.unread, a.id, 0) };
		case 'messages': {
			const cur = state.messages[a.id] || [];
			const list = addMessages(cur, a.list);
			const last = list[list.length - 1];
			const conv = state.conversations[a.id];
			let customerRead = state.customerRead;
			for (const m of a.list) {
				if (m && m.sender_type === 'agent' && m.read_at) {
					customerRead = set(customerRead, a.id, Math.max(customerRead[a.id] || 0, m.id));
				}
			}
			const clientIds = new Set(a.list.map((m) => m && m.client_id).filter(Boolean));
			const outbox = state.outbox[a.id] ? set(state.outbox, a.id, state.outbox[a.id].filter((o) => !clientIds.has(o.client_id))) : state.outbox;
			return {
				...state,
				messages: set(state.messages, a.id, list),
				hasMore: a.hasMore === undefined ? state.hasMore : set(state.hasMore, a.id, a.hasMore),
				conversations: conv && last ? set(state.conversations, a.id, { ...conv, _last: last }) : state.conversations,
				unread: a.unread ? set(state.unread, a.id, (state.unread[a.id] || 0) + a.unread) : state.unread,
				customerRead,
				outbox,
			};
		}
		case 'preview': {
			const conv = state.conversations[a.id];
			if (!conv || (conv._last && conv._last.id >= a.message.id)) {
				return state;
			}
			return { ...state, conversations: set(state.conversations, a.id, { ...conv, _last: a.message }) };
		}
		case 'outbox':
			return { ...state, outbox: set(state.outbox, a.id, a.list) };
		case 'typing':
			return { ...state, typing: set(state.typing, a.id, a.typing) };
		case 'read':
			return { ...state, customerRead: set(state.customerRead, a.id, Math.max(state.customerRead[a.id] || 0, a.upTo)) };
		case 'toast':
			return { ...state, toasts: state.toasts.concat([a.toast]).slice(-4) };
		case 'untoast':
			return { ...state, toasts: state.toasts.filter((t) => t.id !== a.id) };
		default:
			return state;
	}
}

/** The customer's display name for lists and headers. */
export function customerName(c, __) {
	const m = (c && c.metadata) || {};
	const ctx = m.context || {};
	const name = ctx.name || m.customer_name || m.visitor_name;
	if (name) {
		return String(name);
	}
	if (c && c.customer_id) {
		return __('Customer', 'bookingx-live-chat') + ' #' + c.customer_id;
	}
	return __('Visitor', 'bookingx-live-chat') + (c && c.visitor_id ? ' ' + String(c.visitor_id).slice(0, 6) : '');
}

/** Waiting (unassigned) conversations, oldest first: who has waited longest is served first. */
export function waitingList(state) {
	return Object.values(state.conversations)
		.filter((c) => c.status === 'waiting' && !c.assigned_agent_id)
		.sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)) || a.id - b.id);
}

/** The agent's own open conversations, most recently active first. */
export function mineList(state, me) {
	const activity = (c) => (c._last && c._last.sent_at) || c.updated_at || c.started_at || '';
	return Object.values(state.conversations)
		.filter((c) => c.status !== 'closed' && Number(c.assigned_agent_id) === me)
		.sort((a, b) => String(activity(b)).localeCompare(String(activity(a))));
}
