/**
 * The plugin's REST routes, as the widget uses them. Identity is the browser's: the HttpOnly
 * visitor cookie for guests (plus the X-BKX-Chat-Nonce on writes), the login cookie plus
 * X-WP-Nonce for logged-in visitors. The widget stores nothing itself.
 */
export function createApi(cfg) {
	let chatNonce = '';
	let wpNonce = null; // null: not looked up yet; '': a guest

	const url = (route, query) => {
		let u = cfg.rest + route;
		if (query) {
			u += (u.includes('?') ? '&' : '?') + new URLSearchParams(query).toString();
		}
		return u;
	};

	// Logged-in visitors need a REST nonce to be seen as themselves. The page may be cached,
	// so it cannot carry one: ask WordPress (core's `rest-nonce` Ajax action) when the body
	// says a user is logged in.
	async function userNonce() {
		if (wpNonce === null) {
			wpNonce = '';
			if (document.body.classList.contains('logged-in') && cfg.ajax) {
				try {
					const r = await fetch(cfg.ajax + '?action=rest-nonce', { credentials: 'same-origin' });
					const t = (await r.text()).trim();
					if (r.ok && /^[a-f0-9]{6,}$/i.test(t)) {
						wpNonce = t;
					}
				} catch (e) {
					// Treated as a guest.
				}
			}
		}
		return wpNonce;
	}

	function headers(method, json) {
		const h = {};
		if (json) {
			h['Content-Type'] = 'application/json';
		}
		if (wpNonce) {
			h['X-WP-Nonce'] = wpNonce;
		} else if (chatNonce && method !== 'GET') {
			h['X-BKX-Chat-Nonce'] = chatNonce;
		}
		return h;
	}

	function remember(res) {
		const n = res.headers.get('X-BKX-Chat-Nonce');
		if (n) {
			chatNonce = n;
		}
	}

	async function request(method, route, { query, body } = {}) {
		await userNonce();
		let res;
		try {
			res = await fetch(url(route, query), {
				method,
				credentials: 'same-origin',
				headers: headers(method, body !== undefined),
				body: body !== undefined ? JSON.stringify(body) : undefined,
			});
		} catch (e) {
			throw { code: 'network', status: 0, message: String(e) };
		}
		remember(res);
		const data = await res.json().catch(() => null);
		if (!res.ok) {
			throw { code: (data && data.code) || 'platform_error', status: res.status, message: (data && data.message) || res.statusText, data: data && data.data };
		}
		return data;
	}

	return {
		async token() {
			const t = await request('POST', 'chat/token');
			if (t.nonce) {
				chatNonce = t.nonce;
			}
			return t;
		},
		conversations(query) {
			return request('GET', 'chat/conversations', { query });
		},
		messages(id, query) {
			return request('GET', `chat/conversations/${id}/messages`, { query });
		},
		/** A message over REST (file messages: the daemon takes no attachment_id). */
		postMessage(id, body) {
			return request('POST', `chat/conversations/${id}/messages`, { body });
		},
		/**
		 * A conversion of the proactive prompt shown on this page (`BKXLiveChat.trigger`):
		 * chat_started, booking_created. Nothing when no prompt was shown.
		 */
		triggerEvent(event, conversationId) {
			const t = window.BKXLiveChat && window.BKXLiveChat.trigger;
			if (!t) {
				return;
			}
			let vk = '';
			try {
				vk = localStorage.bkx_vk || '';
			} catch (e) {
				// storage blocked: the event counts without a visitor key
			}
			request('POST', 'chat/triggers/events', { body: { rule_id: t.rule_id, variant: t.variant, event, visitor_key: vk, conversation_id: conversationId } }).catch(() => {});
		},
		/** A booking from a slot card (201 {booking_id, message} or 409 booking_unavailable + data.alternatives). */
		book(body) {
			return request('POST', 'chat/bookings', { body });
		},
		/** The REST nonce of a logged-in visitor ('' for guests), for plain download links. */
		get wpNonce() {
			return wpNonce || '';
		},
		/**
		 * Multipart upload with progress (XMLHttpRequest: fetch has no upload progress).
		 * Resolves to the route's JSON; rejects with {code, status}.
		 */
		upload(route, form, onProgress) {
			return userNonce().then(
				() =>
					new Promise((resolve, reject) => {
						const x = new XMLHttpRequest();
						x.open('POST', url(route));
						x.withCredentials = true;
						const h = headers('POST', false);
						Object.keys(h).forEach((k) => x.setRequestHeader(k, h[k]));
						x.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
						x.onload = () => {
							const n = x.getResponseHeader('X-BKX-Chat-Nonce');
							if (n) {
								chatNonce = n;
							}
							let data = null;
							try {
								data = JSON.parse(x.responseText);
							} catch (e) {
								// not JSON
							}
							if (x.status >= 200 && x.status < 300) {
								resolve(data || {});
							} else {
								reject({ code: (data && data.code) || 'platform_error', status: x.status });
							}
						};
						x.onerror = () => reject({ code: 'network', status: 0 });
						x.send(form);
					}),
			);
		},
	};
}
