/**
 * REST calls of the inbox, through wp.apiFetch (it adds the X-WP-Nonce of wp-admin).
 */
import apiFetch from '@wordpress/api-fetch';

const NS = () => '/' + ((window.bkxLiveChatInbox && window.bkxLiveChatInbox.namespace) || 'bookingx/v1');

const qs = (query) => {
	const p = new URLSearchParams();
	Object.keys(query || {}).forEach((k) => query[k] !== undefined && query[k] !== null && p.set(k, String(query[k])));
	const s = p.toString();
	return s ? '?' + s : '';
};

/** apiFetch errors as {code, status, message} (the shape the connection module expects). */
const call = (opts) =>
	apiFetch(opts).catch((e) => {
		throw { code: (e && e.code) || 'platform_error', status: (e && e.data && e.data.status) || 0, message: (e && e.message) || '' };
	});

export const token = () => call({ path: NS() + '/chat/token', method: 'POST' });
export const listConversations = (query) => call({ path: NS() + '/chat/conversations' + qs(query) });
export const getConversation = (id) => call({ path: NS() + '/chat/conversations/' + id });
export const olderMessages = (id, beforeId, limit = 50) => call({ path: NS() + `/chat/conversations/${id}/messages` + qs({ before_id: beforeId, limit }) });
export const latestMessages = (id, limit = 1) => call({ path: NS() + `/chat/conversations/${id}/messages` + qs({ limit }) });
export const updateConversation = (id, data) => call({ path: NS() + '/chat/conversations/' + id, method: 'POST', data });
