/**
 * Booking cards in the customer's chat: `booking_slots`, `quote`, `booking_link` and
 * `booking` messages (docs/booking.md) are drawn from `metadata.card` with DOM nodes and
 * text only — card data never reaches innerHTML. A slot card lets the customer pick a time
 * and confirm: `POST /chat/bookings`; success adds the booking card, `booking_unavailable`
 * shows the error and the fresh alternatives in the same card.
 */
import { read as readForm } from '../shared/booking-form.js';

export const CARD_TYPES = new Set(['booking_slots', 'quote', 'booking_link', 'booking']);

const SAFE_URL = /^https?:\/\//i;

/** The card of a message, or null when it has none (rendered as a normal bubble). */
export function cardOf(m) {
	const c = m && CARD_TYPES.has(m.message_type) && m.metadata && m.metadata.card;
	return c && typeof c === 'object' ? c : null;
}

function link(h, url, label) {
	return SAFE_URL.test(String(url || '')) ? h('a', { class: 'bkx-card-btn', href: url, target: '_blank', rel: 'noopener noreferrer' }, String(label || url)) : null;
}

/** The visitor's details for the booking: the form's step-3 fields when filled. */
function formDetails() {
	const v = (n) => {
		const el = document.querySelector(`.bkx-booking-form [name="${n}"]`);
		return el ? el.value.trim() : '';
	};
	return { first_name: v('bkx_first_name'), last_name: v('bkx_last_name'), email: v('bkx_email_address'), phone: v('bkx_phone_number') };
}

/**
 * @param {object} m        The message.
 * @param {object} o        {h, S (strings), book(body) -> Promise<{message}>, accept(message), conversationId}
 * @return {HTMLElement|null}
 */
export function renderCard(m, o) {
	const card = cardOf(m);
	if (!card) {
		return null;
	}
	const { h, S } = o;
	const t = (k, d) => (S && S[k]) || d;
	switch (m.message_type) {
		case 'booking_slots':
			return slotsCard(card, o, t);
		case 'quote':
			return h('div', { class: 'bkx-card bkx-card-quote' },
				h('strong', null, String(card.service_name || '')),
				h('dl', null,
					(card.lines || []).map((l) => [h('dt', null, String(l.label || '')), h('dd', null, String(l.amount ?? ''))]),
					card.formatted && card.formatted.tax && Number(card.tax) ? [h('dt', null, String(card.tax_name || t('tax', 'Tax'))), h('dd', null, String(card.formatted.tax))] : null,
					h('dt', { class: 'bkx-total' }, t('total', 'Total')), h('dd', { class: 'bkx-total' }, String((card.formatted && card.formatted.total) || card.total || '')),
					card.deposit != null && card.formatted && card.formatted.deposit ? [h('dt', null, t('deposit', 'Deposit')), h('dd', null, String(card.formatted.deposit))] : null));
		case 'booking_link':
			return h('div', { class: 'bkx-card bkx-card-link' },
				link(h, card.url, card.label || t('book_now', 'Book now')),
				link(h, card.payment_url, t('pay_now', 'Pay now')));
		case 'booking':
			return h('div', { class: 'bkx-card bkx-card-booking', 'data-booking-id': String(card.booking_id || '') },
				h('strong', null, t('booking_confirmed', 'Booking confirmed'), ' #', String(card.booking_id || '')),
				h('div', null, String(card.service_name || ''), card.resource_name ? ' · ' + card.resource_name : ''),
				h('div', null, when(card.start, card.timezone)),
				card.total_formatted ? h('div', null, String(card.total_formatted)) : null,
				h('div', { class: 'bkx-card-status' }, String(card.status || '')),
				link(h, card.manage_url, t('manage_booking', 'Manage booking')));
		default:
			return null;
	}
}

function when(start, tz) {
	const d = new Date(start);
	if (isNaN(d)) {
		return String(start || '');
	}
	try {
		return d.toLocaleString(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: tz || undefined });
	} catch (e) {
		return d.toLocaleString();
	}
}

function slotsCard(card, o, t) {
	const { h } = o;
	const root = h('div', { class: 'bkx-card bkx-card-slots' });
	let chosen = null;
	const error = h('p', { class: 'bkx-card-error', role: 'alert', hidden: true });
	const details = formDetails();
	const needs = (k) => !details[k];
	const name = needs('first_name') ? h('input', { type: 'text', class: 'bkx-card-name', placeholder: t('your_name', 'Your name'), 'aria-label': t('your_name', 'Your name') }) : null;
	const email = needs('email') ? h('input', { type: 'email', class: 'bkx-card-email', placeholder: t('your_email', 'Your e-mail'), 'aria-label': t('your_email', 'Your e-mail') }) : null;
	const confirm = h('button', { type: 'button', class: 'bkx-card-btn bkx-card-confirm', disabled: true, onclick: () => book() }, t('confirm_booking', 'Confirm booking'));
	const list = h('div', { class: 'bkx-slots', role: 'group', 'aria-label': t('pick_time', 'Pick a time') });

	function slots(items) {
		chosen = null;
		confirm.disabled = true;
		list.replaceChildren(
			...(items || []).map((s) =>
				h('button', {
					type: 'button',
					class: 'bkx-slot',
					'aria-pressed': 'false',
					'data-start': String(s.start || ''),
					onclick: (e) => {
						chosen = s;
						list.querySelectorAll('.bkx-slot').forEach((b) => b.setAttribute('aria-pressed', String(b === e.currentTarget)));
						confirm.disabled = false;
					},
				}, String(s.label || when(s.start, card.timezone)))),
		);
		if (!(items || []).length) {
			list.append(h('p', null, t('no_slots', 'No free times.')));
		}
	}

	async function book() {
		if (!chosen) {
			return;
		}
		const body = {
			conversation_id: o.conversationId(),
			slot: { start: chosen.start, resource_id: chosen.resource_id ?? card.resource_id ?? 'any' },
			service_id: card.service_id,
			extras: (card.extras || []).map((x) => x.id),
			extension: card.extension || 0,
		};
		const f = { ...details, first_name: details.first_name || (name && name.value.trim()), email: details.email || (email && email.value.trim()) };
		for (const k of ['first_name', 'last_name', 'email', 'phone']) {
			if (f[k]) {
				body[k] = f[k];
			}
		}
		const form = readForm();
		if (form && form.extension && !body.extension) {
			body.extension = form.extension;
		}
		confirm.disabled = true;
		error.hidden = true;
		try {
			const res = await o.book(body);
			root.classList.add('bkx-card-done');
			list.replaceChildren();
			if (res && res.message) {
				o.accept(res.message);
			}
		} catch (e) {
			error.textContent = String((e && e.message) || t('booking_error', 'The booking could not be made.'));
			error.hidden = false;
			const alt = e && e.data && e.data.alternatives;
			if (e && e.code === 'booking_unavailable' && alt) {
				slots(Array.isArray(alt) ? alt : alt.slots);
			} else {
				confirm.disabled = false;
			}
		}
	}

	slots(card.slots);
	root.append(
		h('strong', null, String(card.service_name || ''), card.resource_name ? ' · ' + card.resource_name : ''),
		list, error, name, email, confirm);
	return root;
}
