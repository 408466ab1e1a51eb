/**
 * The chat UI, fetched by the loader on the visitor's first interaction. It renders into the
 * loader's shadow root (so the theme's CSS and ours never meet) and registers itself with
 * `window.BKXLiveChat._register()`.
 *
 * Nothing is requested until the panel is opened — and, when the site asks for consent
 * (`gdpr_compliance`), until the visitor ticks the consent box.
 */
import css from './style.css';
import { createApi } from './api.js';
import { createSession } from './session.js';
import { EMOJI, PICKER, replaceShortcodes } from './emoji.js';
import { safeFragment, escapeText, attachmentOf, withNonce } from '../shared/html.js';
import { formatTime, formatFull } from '../shared/time.js';
import { renderCard } from './cards.js';

function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const k in attrs || {}) {
		const v = attrs[k];
		if (v == null || v === false) {
			continue;
		}
		if (k.startsWith('on')) {
			el.addEventListener(k.slice(2), v);
		} else if (k === 'class') {
			el.className = v;
		} else {
			el.setAttribute(k, v === true ? '' : v);
		}
	}
	for (const c of children.flat()) {
		if (c != null && c !== false) {
			el.append(c.nodeType ? c : String(c));
		}
	}
	return el;
}

const icon = (d) => {
	const el = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	el.setAttribute('viewBox', '0 0 24 24');
	el.setAttribute('aria-hidden', 'true');
	el.innerHTML = `<path d="${d}"/>`;
	return el;
};
const ICONS = {
	min: 'M5 11h14v2H5z',
	soundOn: 'M3 9v6h4l5 5V4L7 9H3zm13.5 3a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z',
	soundOff: 'M3 9v6h4l5 5V4L7 9H3zm16.6 3 2.1-2.1-1.4-1.4-2.1 2.1-2.1-2.1-1.4 1.4 2.1 2.1-2.1 2.1 1.4 1.4 2.1-2.1 2.1 2.1 1.4-1.4z',
	emoji: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm-3.5-9a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm7 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM12 17.5c2.3 0 4.3-1.5 5-3.5H7c.7 2 2.7 3.5 5 3.5z',
	attach: 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z',
	send: 'M2 21l21-9L2 3v7l15 2-15 2v7z',
};

const initials = (name) =>
	(String(name || '').trim().split(/\s+/).slice(0, 2).map((p) => p[0]).join('') || '?').toUpperCase();

function beep() {
	const A = window.AudioContext || window.webkitAudioContext;
	if (!A) {
		return;
	}
	const c = (beep.ctx = beep.ctx || new A());
	const o = c.createOscillator();
	const g = c.createGain();
	const t = c.currentTime;
	o.frequency.value = 880;
	g.gain.setValueAtTime(0.0001, t);
	g.gain.exponentialRampToValueAtTime(0.15, t + 0.01);
	g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
	o.connect(g).connect(c.destination);
	o.start(t);
	o.stop(t + 0.32);
}

function start(L) {
	const cfg = L.config;
	const S = cfg.strings;
	const F = cfg.features;
	const root = L._root;
	const host = L._host;
	const api = createApi(cfg);
	let open = false;
	let consented = !cfg.gdpr;
	let sound = false;
	let unread = 0;
	let agentName = '';
	let offlineSent = false;
	let notice = ''; // a transient error shown in the banner
	let typingOn = false;
	let typingTimer = 0;
	const lis = new Map();

	root.appendChild(h('style', null, css));

	// ---- DOM ------------------------------------------------------------------------
	const title = h('h2', { id: 'bkx-title' });
	const sub = h('p', { class: 'bkx-sub' });
	const avatar = h('span', { class: 'bkx-avatar', 'aria-hidden': 'true' });
	const soundBtn = h('button', {
		type: 'button',
		class: 'bkx-icon',
		'aria-pressed': 'false',
		'aria-label': S.sound,
		title: S.sound,
		onclick: () => {
			sound = !sound;
			soundBtn.setAttribute('aria-pressed', String(sound));
			soundBtn.replaceChildren(icon(sound ? ICONS.soundOn : ICONS.soundOff));
			if (sound) {
				beep(); // also unlocks audio: browsers allow it after a user gesture
			}
		},
	}, icon(ICONS.soundOff));
	const minBtn = h('button', { type: 'button', class: 'bkx-icon', 'aria-label': S.minimize, title: S.minimize, onclick: () => close(true) }, icon(ICONS.min));
	const banner = h('div', { class: 'bkx-banner', role: 'status', 'aria-live': 'polite', hidden: true });
	const older = h('button', { type: 'button', class: 'bkx-older', hidden: true, onclick: () => session.loadOlder().catch(() => {}) }, S.load_older);
	const list = h('ol', { class: 'bkx-list' });
	const log = h('div', { class: 'bkx-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': S.messages, tabindex: '0' }, older, list);
	const typingEl = h('div', { class: 'bkx-typing', 'aria-live': 'polite', hidden: true });

	const consentBox = h('input', {
		type: 'checkbox',
		id: 'bkx-consent',
		onchange: () => {
			if (consentBox.checked) {
				consented = true;
				consent.hidden = true;
				render();
				session.begin();
				input.focus();
			}
		},
	});
	const consent = h('div', { class: 'bkx-consent', hidden: true },
		h('label', { for: 'bkx-consent' }, consentBox, h('span', null, S.consent, cfg.privacy_url ? [' ', h('a', { href: cfg.privacy_url, target: '_blank', rel: 'noopener' }, S.privacy_policy)] : null)));

	// Offline form: nobody is online; the message waits for an agent with name and e-mail.
	const offName = h('input', { id: 'bkx-off-name', name: 'name', autocomplete: 'name', required: true, maxlength: '100' });
	const offEmail = h('input', { id: 'bkx-off-email', name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: '200' });
	const offMsg = h('textarea', { id: 'bkx-off-msg', name: 'message', required: true, maxlength: '10000' });
	const offErr = h('p', { class: 'bkx-error', role: 'alert', hidden: true });
	const offline = h('form', {
		class: 'bkx-offline',
		hidden: true,
		novalidate: true,
		onsubmit: (e) => {
			e.preventDefault();
			const name = offName.value.trim();
			const email = offEmail.value.trim();
			const body = offMsg.value.trim();
			if (!name || !body || !offEmail.checkValidity() || !email) {
				offErr.textContent = S.offline_invalid;
				offErr.hidden = false;
				(!name ? offName : !email || !offEmail.checkValidity() ? offEmail : offMsg).focus();
				return;
			}
			offlineSent = true;
			session.sendOffline(name, email, escapeText(replaceShortcodes(body)));
			render();
			input.focus();
		},
	},
		h('p', null, cfg.offline_message || S.agent_unavailable),
		h('label', { for: 'bkx-off-name' }, S.name), offName,
		h('label', { for: 'bkx-off-email' }, S.email), offEmail,
		h('label', { for: 'bkx-off-msg' }, S.message), offMsg,
		offErr,
		h('button', { type: 'submit', class: 'bkx-primary' }, S.send_offline));

	// Composer.
	const input = h('textarea', { class: 'bkx-input', id: 'bkx-input', rows: '1', placeholder: S.placeholder, 'aria-label': S.message, maxlength: '10000' });
	const picker = h('div', { class: 'bkx-emoji', id: 'bkx-emoji', role: 'group', 'aria-label': S.emoji, hidden: true },
		PICKER.map((name) => h('button', { type: 'button', title: `:${name}:`, onclick: () => insert(EMOJI[name]) }, EMOJI[name])));
	const emojiBtn = F.emoji && h('button', {
		type: 'button',
		class: 'bkx-icon',
		'aria-label': S.emoji,
		title: S.emoji,
		'aria-expanded': 'false',
		'aria-controls': 'bkx-emoji',
		onclick: () => togglePicker(),
	}, icon(ICONS.emoji));
	const uploads = cfg.uploads && cfg.uploads.enabled;
	const fileInput = uploads && h('input', { type: 'file', hidden: true, tabindex: '-1', accept: cfg.uploads.accept || '', onchange: () => upload(fileInput.files[0]) });
	const fileBtn = uploads && h('button', { type: 'button', class: 'bkx-icon', 'aria-label': S.attach, title: S.attach, onclick: () => fileInput.click() }, icon(ICONS.attach));
	const progress = h('div', { class: 'bkx-progress', role: 'progressbar', 'aria-label': S.uploading, 'aria-valuemin': '0', 'aria-valuemax': '100', hidden: true }, h('span'));
	const sendBtn = h('button', { type: 'submit', class: 'bkx-icon bkx-send', 'aria-label': S.send, title: S.send }, icon(ICONS.send));
	const composer = h('form', { class: 'bkx-composer', onsubmit: (e) => { e.preventDefault(); submit(); } },
		progress, input, F.emoji ? [emojiBtn, picker] : null, uploads ? [fileBtn, fileInput] : null, sendBtn);

	const panel = h('section', { id: 'bkx-panel', class: 'bkx-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'bkx-title', hidden: true },
		h('header', { class: 'bkx-head' }, avatar, h('div', { class: 'bkx-who' }, title, sub), soundBtn, minBtn),
		banner, log, typingEl, offline, consent, composer);
	root.appendChild(panel);

	// ---- behaviour ------------------------------------------------------------------
	let startedId = null;
	const session = createSession(cfg, api, (what, extra) => {
		if (what === 'incoming') {
			if (!open || document.hidden) {
				unread++;
				L.setUnread(unread);
			}
			if (sound && (!open || document.hidden)) {
				beep();
			}
			return;
		}
		if (what === 'conversation') {
			const id = session.state.conversation && session.state.conversation.id;
			if (id && !startedId) {
				api.triggerEvent('chat_started', id);
			}
			startedId = id;
		}
		if (what === 'error') {
			notice = errorText(extra && extra.code);
		}
		render();
	});

	function errorText(code) {
		switch (code) {
			case 'agent_unavailable':
			case 'outside_hours':
				return S.agent_unavailable;
			case 'booking_error':
			case 'booking_unavailable':
				return S.booking_error;
			case 'payload_too_large':
				return S.file_too_large;
			case 'platform_error':
			case 'platform_unavailable':
			case 'storage_error':
			case 'network':
				return S.platform_error;
			default:
				return S.message_failed;
		}
	}

	input.addEventListener('keydown', (e) => {
		if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
			e.preventDefault();
			submit();
		}
	});
	input.addEventListener('input', () => {
		// `:smile:` becomes 😄 as soon as the closing colon is typed.
		if (F.emoji && input.value.includes(':')) {
			const pos = input.selectionStart;
			const before = input.value.slice(0, pos);
			const replaced = replaceShortcodes(before);
			if (replaced !== before) {
				input.value = replaced + input.value.slice(pos);
				input.setSelectionRange(replaced.length, replaced.length);
			}
		}
		grow();
		typing(input.value.trim() !== '');
	});

	function grow() {
		input.style.height = 'auto';
		input.style.height = Math.min(input.scrollHeight, 120) + 'px';
	}

	function typing(on) {
		clearTimeout(typingTimer);
		if (on) {
			if (!typingOn) {
				typingOn = true;
				session.typing(true);
			}
			typingTimer = setTimeout(() => typing(false), 3000);
		} else if (typingOn) {
			typingOn = false;
			session.typing(false);
		}
	}

	function insert(text) {
		const a = input.selectionStart ?? input.value.length;
		const b = input.selectionEnd ?? a;
		input.value = input.value.slice(0, a) + text + input.value.slice(b);
		input.setSelectionRange(a + text.length, a + text.length);
		togglePicker(false);
		input.focus();
		grow();
	}

	function togglePicker(force) {
		if (!emojiBtn) {
			return;
		}
		const show = force ?? picker.hidden;
		picker.hidden = !show;
		emojiBtn.setAttribute('aria-expanded', String(show));
		if (show) {
			picker.querySelector('button').focus();
		}
	}
	// Arrow keys move through the emoji grid.
	picker.addEventListener('keydown', (e) => {
		const items = Array.from(picker.children);
		const i = items.indexOf(root.activeElement);
		const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 8, ArrowUp: -8 }[e.key];
		if (step && i >= 0) {
			e.preventDefault();
			const dir = host.dir === 'rtl' && Math.abs(step) === 1 ? -step : step;
			items[Math.max(0, Math.min(items.length - 1, i + dir))].focus();
		}
	});

	function submit() {
		const text = replaceShortcodes(input.value).trim();
		if (!text || !consented) {
			return;
		}
		input.value = '';
		grow();
		typing(false);
		notice = '';
		session.begin();
		session.send(escapeText(text));
		stickToBottom = true;
	}

	async function upload(file) {
		fileInput.value = '';
		if (!file || !session.state.conversation) {
			return;
		}
		if (cfg.uploads.max_bytes && file.size > cfg.uploads.max_bytes) {
			notice = S.file_too_large;
			render();
			return;
		}
		const form = new FormData();
		form.append('file', file);
		form.append('conversation_id', String(session.state.conversation.id));
		progress.hidden = false;
		const bar = progress.firstChild;
		try {
			const res = await api.upload(cfg.uploads.route || 'chat/uploads', form, (f) => {
				bar.style.width = Math.round(f * 100) + '%';
				progress.setAttribute('aria-valuenow', String(Math.round(f * 100)));
			});
			// Step two of the uploads contract: the file becomes a message.
			await session.sendFile(res.id);
		} catch (e) {
			notice =
				e.status === 413 || e.code === 'payload_too_large'
					? S.file_too_large
					: e.code === 'unsupported_media_type'
						? S.file_type
						: errorText(e.code);
			render();
		} finally {
			progress.hidden = true;
			bar.style.width = '0';
		}
	}

	// ---- rendering ------------------------------------------------------------------
	let stickToBottom = true;
	log.addEventListener('scroll', () => {
		stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
	});

	function tick(m) {
		if (m.sender_type !== 'customer') {
			return null;
		}
		const read = F.read_receipts && session.state.agentReadUpTo >= m.id;
		return h('span', { class: 'bkx-tick' + (read ? ' read' : ''), role: 'img', 'aria-label': read ? S.read : S.sent, title: read ? S.read : S.sent }, read ? '✓✓' : '✓');
	}

	function messageItem(m, pending) {
		const me = m.sender_type === 'customer';
		const sys = m.sender_type === 'system' || m.message_type === 'system';
		const bubble = h('div', { class: 'bkx-bubble' });
		bubble.append(safeFragment(m.body));
		const card = renderCard(m, {
			h,
			S,
			book: (body) => api.book(body).then((res) => (api.triggerEvent('booking_created', body.conversation_id), res)),
			accept: session.accept,
			conversationId: () => session.state.conversation && session.state.conversation.id,
		});
		if (card) {
			bubble.classList.add('bkx-has-card');
			bubble.replaceChildren(card);
		}
		const file = !card && attachmentOf(m);
		if (file) {
			const href = withNonce(file.url, api.wpNonce);
			bubble.replaceChildren(
				h('a', { class: 'bkx-file', href, target: '_blank', rel: 'noopener noreferrer' },
					file.image ? h('img', { src: href, alt: file.name, loading: 'lazy' }) : null,
					h('span', null, icon(ICONS.attach), file.name)),
			);
		}
		const name = !me && !sys && F.agent_name && m.sender_name ? h('span', { class: 'bkx-name' }, m.sender_name) : null;
		let meta;
		if (pending) {
			meta =
				pending.status === 'failed'
					? h('div', { class: 'bkx-meta', role: 'alert' }, errorText(pending.error), ' ', h('button', { type: 'button', class: 'bkx-link', onclick: () => session.retry(pending.client_id) }, S.retry))
					: h('div', { class: 'bkx-meta' }, h('span', null, S.sending));
		} else if (!sys) {
			meta = h('div', { class: 'bkx-meta' }, name, h('time', { datetime: m.sent_at, title: formatFull(m.sent_at, cfg.locale) }, formatTime(m.sent_at, cfg.locale)), tick(m));
		}
		const showAvatar = !me && !sys && F.avatar;
		const row = h('div', { class: 'bkx-row' }, showAvatar ? h('span', { class: 'bkx-avatar', 'aria-hidden': 'true' }, initials(m.sender_name || S.agent)) : null, bubble);
		const cls = 'bkx-msg ' + (sys ? 'bkx-sys' : me ? 'bkx-me' : 'bkx-them') + (pending ? (pending.status === 'failed' ? ' bkx-failed' : ' bkx-sending') : '');
		return h('li', { class: cls, 'data-id': m.id || '' }, h('span', { class: 'bkx-sr' }, me ? S.you : sys ? '' : (m.sender_name || S.agent) + ': '), row, meta);
	}

	function renderList() {
		const st = session.state;
		const items = [];
		// The greeting opens every conversation (from the settings; not a stored message).
		if (cfg.greeting) {
			items.push(['g', { id: 0, sender_type: 'agent', sender_name: agentName || cfg.site_name, body: escapeText(cfg.greeting), sent_at: '' }, null, 'g']);
		}
		for (const m of st.messages) {
			const read = m.sender_type === 'customer' && F.read_receipts && st.agentReadUpTo >= m.id;
			items.push([m.client_id ? 'c' + m.client_id : 'i' + m.id, m, null, read + m.body]);
		}
		for (const o of st.outbox) {
			items.push(['c' + o.client_id, { sender_type: 'customer', body: o.body }, o, o.status + o.error]);
		}
		if (offlineSent && st.offline) {
			items.push(['offline-thanks', { sender_type: 'system', body: escapeText(S.offline_thanks.replace('%s', st.offline.email)) }, null, 's']);
		}
		const keep = new Set();
		let prev = null;
		for (const [key, m, pending, sig] of items) {
			keep.add(key);
			let entry = lis.get(key);
			if (!entry || entry.sig !== sig) {
				const li = key === 'g' ? greetingItem(m) : messageItem(m, pending);
				if (entry) {
					entry.li.replaceWith(li);
				}
				entry = { li, sig };
				lis.set(key, entry);
			}
			const want = prev ? prev.nextSibling : list.firstChild;
			if (want !== entry.li) {
				list.insertBefore(entry.li, want);
			}
			prev = entry.li;
		}
		for (const [key, entry] of lis) {
			if (!keep.has(key)) {
				entry.li.remove();
				lis.delete(key);
			}
		}
		older.hidden = !st.hasMore;
		if (stickToBottom) {
			log.scrollTop = log.scrollHeight;
		}
	}

	function greetingItem(m) {
		const li = messageItem(m, null);
		li.querySelector('.bkx-meta')?.remove();
		return li;
	}

	function render() {
		const st = session.state;
		for (const m of st.messages) {
			if (m.sender_type === 'agent' && m.sender_name) {
				agentName = m.sender_name;
			}
		}
		const who = F.agent_name && agentName ? agentName : cfg.site_name;
		title.textContent = who || S.title;
		avatar.replaceChildren();
		if (F.avatar) {
			avatar.hidden = false;
			if (F.agent_name && agentName) {
				avatar.textContent = initials(agentName);
			} else if (cfg.icon) {
				avatar.append(h('img', { src: cfg.icon, alt: '' }));
			} else {
				avatar.textContent = initials(who);
			}
		} else {
			avatar.hidden = true;
		}
		const online = st.agentsOnline === null ? null : st.agentsOnline > 0;
		sub.replaceChildren(h('span', { class: 'bkx-dot' + (online !== false ? ' on' : '') }), online === false ? S.status_offline : S.status_online);

		// Banner: the connection first, then the last error.
		let text = '';
		let err = false;
		const staff = st.role && st.role !== 'customer';
		if (staff) {
			text = S.staff_notice;
		} else if (st.conn === 'reconnecting') {
			text = S.connection_lost;
		} else if (st.conn === 'failed') {
			text = S.platform_error;
			err = true;
		} else if (notice) {
			text = notice;
			err = true;
		}
		banner.textContent = text;
		banner.className = 'bkx-banner' + (err ? ' err' : '');
		banner.hidden = !text;

		const closed = st.conversation && st.conversation.status === 'closed';
		const needOffline = consented && !staff && F.offline_form && !st.conversation && !st.outbox.length && st.agentsOnline === 0 && !offlineSent;
		consent.hidden = consented;
		offline.hidden = !needOffline;
		log.hidden = needOffline;
		composer.hidden = needOffline;
		const off = !consented || closed || staff;
		input.disabled = off;
		sendBtn.disabled = off;
		if (emojiBtn) {
			emojiBtn.disabled = off;
		}
		if (fileBtn) {
			fileBtn.disabled = !st.conversation || closed;
		}
		input.placeholder = closed ? S.ended : S.placeholder;

		typingEl.hidden = !(F.typing && st.typing);
		if (st.typing) {
			const who = F.agent_name && st.typing.name ? st.typing.name : S.agent;
			typingEl.replaceChildren(h('i'), h('i'), h('i'), S.typing.replace('%s', who));
		}
		renderList();
		if (closed && !list.querySelector('.bkx-ended')) {
			list.append(h('li', { class: 'bkx-msg bkx-sys bkx-ended' }, h('div', { class: 'bkx-bubble' }, S.ended, ' ', h('button', { type: 'button', class: 'bkx-link', onclick: () => session.reset() }, S.new_chat))));
		}
	}

	// ---- open / close ---------------------------------------------------------------
	function visibility() {
		session.setVisible(open && !document.hidden);
		if (open && !document.hidden && unread) {
			unread = 0;
			L.setUnread(0);
		}
	}
	document.addEventListener('visibilitychange', visibility);

	function openPanel() {
		if (open) {
			return;
		}
		open = true;
		host.classList.add('o');
		panel.hidden = false;
		L._button.setAttribute('aria-expanded', 'true');
		L._label();
		if (consented) {
			session.begin();
		}
		render();
		visibility();
		stickToBottom = true;
		log.scrollTop = log.scrollHeight;
		(consented ? (offline.hidden ? input : offName) : consentBox).focus();
	}

	function close(focusButton) {
		if (!open) {
			return;
		}
		open = false;
		host.classList.remove('o');
		panel.hidden = true;
		togglePicker(false);
		L._button.setAttribute('aria-expanded', 'false');
		L._label();
		visibility();
		if (focusButton !== false) {
			L._button.focus();
		}
	}

	panel.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') {
			e.stopPropagation();
			if (emojiBtn && !picker.hidden) {
				togglePicker(false);
				emojiBtn.focus();
			} else {
				close(true);
			}
		}
	});

	/**
	 * A proactive prompt whose decision was `booking` (nobody can answer now, the visitor is
	 * booking): accepting it takes the visitor to the booking form — on this page, or the
	 * site's booking page — rather than to a chat nobody would answer.
	 */
	function toBooking() {
		const t = L.trigger;
		if (!t || t.action !== 'booking') {
			return false;
		}
		L.trigger = null;
		const form = document.querySelector('.bkx-booking-form');
		if (form) {
			form.scrollIntoView({ block: 'start' });
			// The first field the visitor can use, on the step they are on.
			const fields = [...form.querySelectorAll('.bkx-form-active select, .bkx-form-active input, .bkx-form-active button, select, input, button')];
			fields.find((f) => (f.focus(), document.activeElement === f));
			return true;
		}
		if (cfg.booking_url) {
			window.location.assign(cfg.booking_url);
			return true;
		}
		return false;
	}

	render();
	L._register({
		open: () => toBooking() || openPanel(),
		close: () => close(true),
		toggle: () => (open ? close(true) : openPanel()),
	});
}

// Last, so every module-level constant above is initialised.
const loader = window.BKXLiveChat;
if (loader && loader._root && !loader._chat) {
	loader._chat = true;
	start(loader);
}
