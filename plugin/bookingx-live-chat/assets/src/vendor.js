/**
 * The second stage of the widget when the site's chat platform is a vendor (Intercom,
 * Zendesk, LiveChat, Drift, tawk.to). The loader fetches this file on the visitor's first
 * interaction (or a proactive trigger), exactly as it fetches our own chat UI, so no vendor
 * script, cookie or request touches a page until then (budget: 2 KB gzipped,
 * scripts/asset-weight.sh).
 *
 * It asks `GET /chat/platform-widget` for the vendor's documented script, its public boot
 * settings and, for a logged-in visitor, the identity the server signed (no secret ever
 * reaches the page), boots the vendor's widget the way the vendor documents it, and hands
 * the loader's button over to it: `open(message)` opens the vendor's messenger (with the
 * proactive prompt's text where the vendor allows one).
 *
 * Launchers: Intercom is booted with `hide_default_launcher`, so our button stays and
 * toggles Intercom's messenger; the other vendors show their own launcher, so ours is hidden
 * once their script has loaded (and `toggle()` opens theirs). When the vendor's script (or the boot data) cannot be
 * loaded, our button stays with the spec's "Chat service temporarily unavailable" and the
 * next interaction tries again.
 */
((w, d) => {
	const L = w.BKXLiveChat;
	if (!L || L.vendor) {
		return;
	}
	const cfg = L.config;
	const host = L._host;
	const btn = L._button;
	const $ = (sel) => L._root.querySelector(sel);
	let ready = null; // the vendor's { open, close, toggle?, own? } once booted
	let booting = false;
	let wanted = null; // [method, message] asked before that
	let el = null; // the vendor's script element

	/** Injects the vendor's script, with its documented attributes set before it loads. */
	function script(src, attrs = {}) {
		el = d.createElement('script');
		el.async = true;
		for (const k in attrs) {
			if (attrs[k]) {
				el.setAttribute(k, attrs[k]);
			}
		}
		el.src = src;
		el.onerror = failed;
		// A vendor with its own launcher takes over from our button.
		el.onload = () => ready && ready.own && (host.style.display = 'none');
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

	/** Our button, visible, says the service is unavailable; the next interaction retries. */
	function failed() {
		if (el) {
			el.remove();
		}
		el = ready = null;
		booting = false;
		const e = cfg.strings.platform_error;
		host.style.display = '';
		host.classList.remove('o');
		L._label();
		btn.title = e;
		$('.bkx-prompt p').textContent = e;
		$('.bkx-accept').hidden = true;
		$('.bkx-prompt').hidden = false;
	}

	/** Our button's open state (Intercom: it is the launcher). */
	function shown(on) {
		host.classList.toggle('o', on);
		btn.setAttribute('aria-expanded', on);
		L._label();
	}

	// Each vendor: boot (what its snippet does before and around its script) and its API.
	const vendors = {
		intercom(e, id) {
			w.intercomSettings = { ...e.settings, ...id, hide_default_launcher: true };
			if (!w.Intercom) {
				const q = (...a) => q.q.push(a);
				q.q = [];
				w.Intercom = q;
			}
			const I = (...a) => w.Intercom(...a);
			let on = false;
			I('onShow', () => shown((on = true)));
			I('onHide', () => shown((on = false)));
			script(e.script_src);
			const open = (m) => (m ? I('showNewMessage', m) : I('show'));
			return { open, close: () => I('hide'), toggle: () => (on ? I('hide') : open()) };
		},
		zendesk(e, id) {
			script(e.script_src, { id: e.script_id });
			const zE = (...a) => when(() => w.zE, () => w.zE(...a));
			if (id && id.jwt) {
				zE('messenger', 'loginUser', (cb) => cb(id.jwt));
			}
			return { open: () => zE('messenger', 'open'), close: () => zE('messenger', 'close'), own: 1 };
		},
		livechat(e, id) {
			w.__lc = { ...w.__lc, ...e.settings };
			// The documented stub: calls queue until tracking.js takes them over (`_h`).
			if (!w.LiveChatWidget) {
				const W = { _q: [], _h: null, _v: '2.0' };
				const q = (n) => (W._h ? W._h(...n) : W._q.push(n));
				['on', 'once', 'off', 'call'].forEach((m) => (W[m] = (...a) => q([m, a])));
				W.get = (...a) => {
					if (!W._h) {
						throw new Error("[LiveChatWidget] You can't use getters before load.");
					}
					return q(['get', a]);
				};
				W.init = () => script(e.script_src);
				w.LiveChatWidget = W;
			}
			const call = (...a) => w.LiveChatWidget.call(...a);
			const c = (id && id.customer) || {};
			if (c.name) {
				call('set_customer_name', c.name);
			}
			if (c.email) {
				call('set_customer_email', c.email);
			}
			w.LiveChatWidget.init();
			return { open: () => call('maximize'), close: () => call('minimize'), own: 1 };
		},
		drift(e, id) {
			// Drift's documented stub: calls queue until the script replaces it.
			const t = (w.driftt = w.drift = w.driftt || []);
			if (!t.init && !t.invoked) {
				t.invoked = true;
				t.methods = ['identify', 'config', 'track', 'reset', 'debug', 'show', 'ping', 'page', 'hide', 'off', 'on'];
				t.factory = (m) => (...a) => {
					a.unshift(m);
					t.push(a);
					return t;
				};
				t.methods.forEach((m) => (t[m] = t.factory(m)));
				t.load = (k) => script(e.script_src.replace('{bucket}', Math.ceil(Date.now() / 3e5) * 3e5));
			}
			t.SNIPPET_VERSION = e.settings.snippet_version;
			if (id && id.user_id) {
				t.identify(id.user_id, id.attributes || {}, { userJwt: id.user_jwt });
			}
			t.load(e.settings.widget_id);
			// `drift.api` once Drift is ready; until then, its `ready` event.
			const api = (f) => (w.drift.api ? f(w.drift.api) : w.drift.on('ready', f));
			return { open: () => api((a) => a.openChat()), close: () => api((a) => a.hideChat && a.hideChat()), own: 1 };
		},
		tawk(e, id) {
			const T = (w.Tawk_API = w.Tawk_API || {});
			if (id && id.visitor) {
				T.visitor = id.visitor;
			}
			w.Tawk_LoadStart = new Date();
			script(e.script_src, { charset: 'UTF-8', crossorigin: '*' });
			const f = (m) => () => when(() => w.Tawk_API[m], () => w.Tawk_API[m]());
			return { open: f('maximize'), close: f('minimize'), own: 1 };
		},
	};

	async function boot() {
		booting = true;
		btn.title = '';
		$('.bkx-accept').hidden = false;
		let nonce = '';
		// Logged in (the body class): core's `rest-nonce` Ajax action, since a cached page
		// cannot carry one.
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
			throw new Error(e.code);
		}
		ready = start(e, e.identity);
		go();
	}

	/** Replays what was asked while booting (Intercom queues it for its script). */
	function go() {
		if (ready && wanted) {
			const [m, a] = wanted;
			wanted = null;
			(ready[m] || ready.open)(a);
		}
	}

	const act = (method) => (m) => {
		wanted = [method, m];
		if (ready) {
			go();
		} else if (!booting) {
			boot().catch(failed);
		}
	};
	L.vendor = true;
	L._register({ open: act('open'), close: act('close'), toggle: act('toggle') });
	// Fetched on an intent (pointer over the button, focus): boot now, so the click is instant.
	if (!booting) {
		boot().catch(failed);
	}
})(window, document);
