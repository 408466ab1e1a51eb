/**
 * The live booking form state per conversation (the `booking:context` events), kept outside
 * the inbox reducer: only the booking panel reads it, and it changes at typing speed.
 */
const byConversation = new Map();
const listeners = new Set();

/** Stores the context a visitor's widget sent and tells the open panels. */
export function setBookingContext(id, context) {
	if (!id || !context || typeof context !== 'object') {
		return;
	}
	byConversation.set(Number(id), { ...context, received_at: Date.now() });
	listeners.forEach((fn) => fn(Number(id)));
}

/** The latest context of a conversation, or null. */
export const getBookingContext = (id) => byConversation.get(Number(id)) || null;

/** Calls fn(conversationId) on every change; returns the unsubscribe function. */
export function subscribe(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}
