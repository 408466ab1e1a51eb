/**
 * The second stage of the widget when the site's chat platform is a vendor (Intercom,
 * Zendesk, LiveChat, Drift, tawk.to). The loader fetches this file on the visitor's first
 * interaction (or a proactive trigger), exactly as it fetches our own chat UI, so no vendor
 * script, cookie or request touches a page until then.
 *
 * It asks `GET /chat/platform-widget` for the vendor's documented script, its public boot
 * settings and, for a logged-in visitor, the identity the server signed (no secret ever
 * reaches the page), boots the vendor's widget the way the vendor documents it, and hands
 * the loader's button over to it: `open(message)` opens the vendor's messenger (with the
 * proactive prompt's text where the vendor allows one).
 */
((w, d) => {
	const L = w.BKXLiveChat;
	if (!L || L.vendor) {
		return;
	}
	const cfg = L.config;
	let ready = null; // the vendor's open/close once booted
	let wanted = null; // [method, message] asked before that

	function script(src, id) {
		const el = d.createElement('script');
		el.async = true;
		el.src = src;
		el.charset = 'UTF-8';
		if (id) {
			el.id = id;
		}
		el.onerror = failed;
		d.head.appendChild(el);
	}

	/** Runs `f` once the vendor's API (`has()`) exists: its script loads asynchronously. */
	function when(has, f, tries = 200) {
		if (has()) {
			f();
		} else if (tries > 0) {
			setTimeout(() => when(has, f, tries - 1), 100);
		}
	}

	function failed() {
		L._button.title = cfg.strings.platform_error;
		L._host.classList.remove('o');
		L._label();
	}

	// Each vendor: boot (before its script) and, once it is usable, { open, close }.
	const vendors = {
		intercom(e, id) {
			w.intercomSettings = { ...e.settings, ...(id || {}), hide_default_launcher: true };
			const q = (...a) => q.q.push(a);
			q.q = [];
			w.Intercom = w.Intercom || q;
			script(e.script_src);
			return {
				open: (m) => (m ? w.Intercom('showNewMessage', m) : w.Intercom('show')),
				close: () => w.Intercom('hide'),
			};
		},
		zendesk(e, id) {
			script(e.script_src, e.script_id);
			const zE = (...a) => when(() => w.zE, () => w.zE(...a));
			if (id && id.jwt) {
				zE('messenger', 'loginUser', (cb) => cb(id.jwt));
			}
			return { open: () => zE('messenger', 'open'), close: () => zE('messenger', 'close') };
		},
		livechat(e, id) {
			w.__lc = { ...(w.__lc || {}), ...e.settings };
			script(e.script_src);
			const call = (...a) => when(() => w.LiveChatWidget, () => w.LiveChatWidget.call(...a));
			const c = (id && id.customer) || {};
			if (c.name) {
				call('set_customer_name', c.name);
			}
			if (c.email) {
				call('set_customer_email', c.email);
			}
			return { open: () => call('maximize'), close: () => call('minimize') };
		},
		drift(e, id) {
			// Drift's documented stub: calls queue until the script replaces it.
			const t = (w.driftt = w.drift = w.driftt || []);
			if (!t.init) {
				t.invoked = true;
				t.methods = ['identify', 'config', 'track', 'reset', 'debug', 'show', 'ping', 'page', 'hide', 'off', 'on'];
				t.factory = (m) => (...a) => {
					a.unshift(m);
					t.push(a);
					return t;
				};
				t.methods.forEach((m) => (t[m] = t.factory(m)));
				t.load = (k) => script(e.script_src.replace('{bucket}', String(Math.ceil(Date.now() / 3e5) * 3e5)));
				t.SNIPPET_VERSION = e.settings.snippet_version;
			}
			if (id && id.user_id) {
				t.identify(id.user_id, id.attributes || {}, { userJwt: id.user_jwt });
			}
			t.load(e.settings.widget_id);
			const api = (f) => t.on('ready', (a) => f(a));
			return { open: () => api((a) => a.openChat()), close: () => api((a) => a.hideChat && a.hideChat()) };
		},
		tawk(e, id) {
			const T = (w.Tawk_API = w.Tawk_API || {});
			if (id && id.visitor) {
				T.visitor = id.visitor;
			}
			w.Tawk_LoadStart = new Date();
			script(e.script_src);
			const el = d.head.lastChild;
			el.setAttribute('crossorigin', '*');
			return {
				open: () => when(() => T.maximize, () => T.maximize()),
				close: () => when(() => T.minimize, () => T.minimize()),
			};
		},
	};

	async function boot() {
		let nonce = '';
		if (d.body.classList.contains('logged-in') && cfg.ajax) {
			try {
				const r = await fetch(cfg.ajax + '?action=rest-nonce', { credentials: 'same-origin' });
				const t = (await r.text()).trim();
				nonce = r.ok && /^[a-f0-9]{6,}$/i.test(t) ? t : '';
			} catch (e) {
				// A guest, then.
			}
		}
		const r = await fetch(cfg.rest + 'chat/platform-widget', {
			credentials: 'same-origin',
			headers: nonce ? { 'X-WP-Nonce': nonce } : {},
		});
		const e = await r.json();
		const start = r.ok && vendors[e.platform];
		if (!start) {
			throw new Error(e.code || 'platform');
		}
		ready = start(e, e.identity);
		// The vendor shows its own launcher from now on.
		L._host.style.display = 'none';
		if (wanted) {
			ready[wanted[0]](wanted[1]);
		}
	}

	const act = (method) => (m) => {
		if (ready) {
			ready[method](m);
		} else {
			wanted = [method, m];
		}
	};
	L.vendor = true;
	L._register({ open: act('open'), close: act('close'), toggle: act('open') });
	boot().catch(failed);
})(window, document);
