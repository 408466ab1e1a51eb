/**
 * The widget loader: on every page where the chat is shown, so it has to stay tiny
 * (budget: 3 KB gzipped, checked by scripts/asset-weight.sh).
 *
 * It draws the floating button, its unread badge and the proactive prompt, and exposes
 * `window.BKXLiveChat` (open, close, toggle, prompt, setUnread). It does NOT set cookies,
 * touch storage or make any request: the chat UI (chat.js, with socket.io-client) is
 * fetched only when the visitor interacts with the button (pointer over it, focus, click,
 * keyboard) or when a trigger calls open()/prompt()'s accept. Its configuration is the inline
 * JSON `#bkx-livechat-config`, which holds nothing user-specific, so cached pages are safe.
 *
 * Calls made before this script ran can be queued: `(window.BKXLiveChat ||= {q: []}).q.push(['open'])`.
 */
(() => {
	const w = window;
	const d = document;
	const prev = w.BKXLiveChat;
	if (prev && prev.v) {
		return;
	}
	let cfg;
	try {
		cfg = JSON.parse(d.getElementById('bkx-livechat-config').textContent);
	} catch (e) {
		return;
	}
	if (!cfg.mobile && w.matchMedia('(max-width: 767px)').matches) {
		return;
	}
	const s = cfg.strings;
	const svg = (cls, path) =>
		`<svg class="${cls}" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`;

	const host = d.createElement('div');
	const left = cfg.position === 'bottom-left';
	host.id = 'bkx-livechat';
	host.dir = cfg.rtl ? 'rtl' : 'ltr';
	if (left) {
		host.className = 'l';
	}
	// Inline, so no theme rule for `div` can move the host (page styles beat :host rules).
	host.style.cssText = `position:fixed;z-index:2147483000;bottom:20px;${left ? 'left' : 'right'}:20px;margin:0;padding:0;--c:${cfg.color};--t:${cfg.text_color}`;
	const root = host.attachShadow({ mode: 'open' });
	root.innerHTML =
		'<style>' +
		':host{all:initial}' +
		'.bkx-launcher,.bkx-prompt,.bkx-panel{font:15px/1.45 system-ui,sans-serif;color:#1d2327}' +
		'.bkx-launcher{all:unset;box-sizing:border-box;width:58px;height:58px;border-radius:50%;background:var(--c);color:var(--t);cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.28);display:flex;align-items:center;justify-content:center;position:relative}' +
		'.bkx-launcher:focus-visible{outline:3px solid var(--c);outline-offset:3px}' +
		'.bkx-launcher svg{width:28px;height:28px;fill:currentColor}' +
		'.bkx-launcher .x,:host(.o) .bkx-launcher .c{display:none}:host(.o) .bkx-launcher .x{display:block}' +
		'.bkx-badge{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#d63638;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}' +
		'[hidden]{display:none!important}' +
		'.bkx-prompt{position:absolute;bottom:72px;right:0;width:260px;max-width:calc(100vw - 40px);box-sizing:border-box;background:#fff;border-radius:12px;box-shadow:0 6px 24px rgba(0,0,0,.2);padding:14px 36px 14px 14px;animation:bkx-in .3s ease-out}' +
		':host(.l) .bkx-prompt{right:auto;left:0}' +
		'.bkx-prompt p{margin:0 0 10px}' +
		'.bkx-prompt button{font:inherit;cursor:pointer;border-radius:6px}' +
		'.bkx-accept{border:0;background:var(--c);color:var(--t);padding:6px 12px}' +
		'.bkx-dismiss{position:absolute;top:6px;right:6px;border:0;background:none;font-size:20px;line-height:1;padding:2px 6px;color:#50575e}' +
		'@keyframes bkx-in{from{opacity:0;transform:translateY(12px)}}' +
		'@media (prefers-reduced-motion:reduce){.bkx-prompt{animation:none}}' +
		'</style>' +
		'<div class="bkx-prompt" role="status" hidden><p></p><button type="button" class="bkx-accept"></button>' +
		'<button type="button" class="bkx-dismiss">&times;</button></div>' +
		'<button type="button" class="bkx-launcher" aria-haspopup="dialog" aria-expanded="false" aria-controls="bkx-panel">' +
		svg('c', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z') +
		svg('x', 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z') +
		'<span class="bkx-badge" aria-hidden="true" hidden></span></button>';
	const $ = (sel) => root.querySelector(sel);
	const btn = $('.bkx-launcher');
	const badge = $('.bkx-badge');
	const bubble = $('.bkx-prompt');
	$('.bkx-accept').textContent = s.prompt_accept;
	$('.bkx-dismiss').setAttribute('aria-label', s.prompt_dismiss);

	let impl = null;
	let loading = false;
	const queue = [];

	function load() {
		if (loading) {
			return;
		}
		loading = true;
		const el = d.createElement('script');
		el.src = cfg.chat_js;
		el.async = true;
		el.onerror = () => {
			loading = false;
			btn.title = s.platform_error;
		};
		d.head.appendChild(el);
	}
	function call(method, args) {
		if (impl) {
			impl[method](...(args || []));
		} else {
			queue.push([method, args]);
			load();
		}
	}
	function label(n) {
		const open = host.classList.contains('o');
		btn.setAttribute('aria-label', open ? s.close : n ? s.open_unread.replace('%d', n) : s.open);
	}

	let unread = 0;
	const api = {
		v: 1,
		config: cfg,
		open: () => {
			bubble.hidden = true;
			call('open');
		},
		close: () => call('close'),
		toggle: () => call('toggle'),
		/**
		 * A proactive prompt: a slide-in with the text and "chat now"/dismiss. No request until
		 * accepted, unless it comes from a trigger ({rule_id, variant}: impression/accept/dismiss
		 * are recorded).
		 */
		prompt(text, rule) {
			if (host.classList.contains('o')) {
				return;
			}
			// `trigger`: the rule shown, for chat.js's chat_started / booking_created events.
			api.trigger = shown = rule && rule.rule_id ? rule : null;
			$('.bkx-prompt p').textContent = String(text || cfg.greeting || '');
			bubble.hidden = false;
			track('impression');
		},
		/** The unread count on the button (chat.js sets it while the panel is closed). */
		setUnread(n) {
			unread = n > 0 ? n : 0;
			badge.textContent = unread > 99 ? '99+' : String(unread);
			badge.hidden = !unread;
			label(unread);
		},
		/** chat.js calls this once it has run; queued calls are replayed. */
		_register(chat) {
			impl = chat;
			queue.splice(0).forEach(([m, a]) => chat[m](...(a || [])));
		},
		_host: host,
		_root: root,
		_button: btn,
		_label: () => label(unread),
	};
	w.BKXLiveChat = api;

	btn.addEventListener('click', () => {
		bubble.hidden = true;
		call('toggle');
	});
	// Intent: fetch the chat UI while the pointer travels or focus arrives, so the click is instant.
	['pointerenter', 'focus', 'keydown', 'touchstart'].forEach((ev) => btn.addEventListener(ev, load, { passive: true }));
	$('.bkx-accept').addEventListener('click', () => {
		const m = shown && $('.bkx-prompt p').textContent;
		track('accept');
		bubble.hidden = true;
		// An external platform's chunk opens the vendor widget with the message.
		call('open', m ? [m] : 0);
	});
	$('.bkx-dismiss').addEventListener('click', () => {
		track('dismiss');
		bubble.hidden = true;
		btn.focus();
	});

	// ---- proactive sensors (docs/protocol.md "Proactive triggers") ----
	// Armed only when the cached config carries rules; nothing is stored or requested until
	// one of them fires: then ONE POST /chat/triggers/evaluate decides.
	const T = cfg.triggers || [];
	const now = Date.now;
	const t0 = now();
	let shown = null;
	let vk = '';
	let idleAt = t0;
	let busy = 0;
	const fired = {};
	const changes = {};
	const post = (r, b) =>
		fetch(cfg.rest + 'chat/triggers/' + r, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) }).then((x) => x.json());
	function track(event) {
		if (shown) {
			post('events', { rule_id: shown.rule_id, variant: shown.variant, event, visitor_key: vk }).catch(() => 0);
		}
	}
	const q = (sel) => d.querySelector('.bkx-booking-form ' + sel);
	const step = () => +((q('.bkx-form-active') || {}).className || '').replace(/.*step-(\d).*/s, '$1') || 0;
	const service = () => +(q('.bkx-services-lists') || {}).value; // NaN (JSON null) without a form
	const touch = w.matchMedia('(pointer:coarse)').matches;
	// A touch screen wider than a phone's is a tablet.
	const device = touch ? (w.innerWidth > 767 ? 'tablet' : 'mobile') : 'desktop';
	const secs = (t) => (now() - t) / 1e3;
	function fire(event) {
		// The rule's `pre`: {path (a substring of the path), device, step} must all hold.
		const c = T.filter(({ id, type, pre: x = {} }) => !fired[id] && (type === event || type === 'custom') && location.pathname.includes(x.path || '') && (x.device || device) === device && (x.step || step()) === step());
		if (busy || !c.length) {
			return;
		}
		let old;
		busy = 1;
		c.forEach((r) => (fired[r.id] = 1));
		try {
			vk = localStorage.bkx_vk = (old = localStorage.bkx_vk) || crypto.randomUUID();
		} catch (e) {}
		post('evaluate', {
			rule_ids: c.map((r) => r.id),
			visitor: {
				// utm (from url) and language (Accept-Language) are left to the engine: every
				// byte here is on every page. A visitor key stored before means returning.
				returning: !!old,
				url: location.href,
				referrer: d.referrer,
				device,
				time_on_page: secs(t0),
				idle_seconds: secs(idleAt),
				booking_step: step(),
				service_id: service(),
				price: (q('.bkx-booking-total span') || {}).textContent,
				event,
				visitor_key: vk,
			},
		})
			.then((r) => r.show && api.prompt(r.message, r))
			.catch(() => 0)
			.finally(() => (busy = 0));
	}
	if (T.length) {
		const on = (t, ev, f) => t.addEventListener(ev, f, true);
		const started = () => step() > 1 || service();
		// Leaving a started booking is abandonment.
		const exit = () => fire(started() ? 'booking_abandonment' : 'exit_intent');
		// Every second: timed rules (time on page, page, return visitor, custom) once their
		// delay passed; hesitation on a started booking (idle on a step — on step 4, the price — or a
		// slot the form refused: its error box fills); abandonment of a started booking.
		setInterval(() => {
			const err = (q('.bookingx-error-group') || {}).textContent;
			T.forEach((r) => {
				const t = r.type;
				const due = secs(/^booking/.test(t) ? idleAt : t0) >= r.delay;
				if (/hes/.test(t) ? started() && (due || err) : /aba/.test(t) ? due && started() : !/exit/.test(t) && due) {
					fire(t);
				}
			});
		}, 1e3);
		// Activity is what moves the form or the page (not the pointer wandering while the
		// visitor hesitates). Repeated date or service changes are hesitation too; on touch, a fast scroll up
		// (over 2 px/ms) is an exit intent, as is the pointer leaving through the top.
		let y = w.scrollY;
		['keydown', 'scroll', 'click', 'change'].forEach((ev) =>
			on(d, ev, (e, k = e.target.name) => {
				if (ev === 'change' && e.target.closest('.bkx-booking-form') && (changes[k] = -~changes[k]) > 2) {
					fire('booking_hesitation');
				}
				if (touch && y - w.scrollY > 2 * (now() - idleAt)) {
					exit();
				}
				y = w.scrollY;
				idleAt = now();
			}),
		);
		on(d, 'mouseout', (e) => !e.relatedTarget && e.clientY <= 0 && exit());
		// On touch, Back too: one history entry is added so the first Back stays on the page.
		if (touch) {
			history.pushState(history.state, '');
			on(w, 'popstate', exit);
		}
	}

	label(0);
	d.body.appendChild(host);
	(prev && prev.q ? prev.q : []).forEach(([m, ...a]) => api[m] && api[m](...a));
})();
