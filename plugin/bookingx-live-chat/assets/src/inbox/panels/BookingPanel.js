/**
 * The visitor's BookingX form, live beside the conversation (`booking:context`), and the
 * agent's booking quick actions: check availability (a slot-picker card), quote (a price
 * card), booking link — each stored as a card message by the booking REST routes
 * (`send_card`) — and "fill the form" (`booking:fill`) with the values chosen here.
 */
import { createElement, useEffect, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import apiFetch from '@wordpress/api-fetch';
import { getBookingContext, subscribe } from './booking-context.js';

const NS = () => '/' + ((window.bkxLiveChatInbox && window.bkxLiveChatInbox.namespace) || 'bookingx/v1');
const STEPS = ['', __('Service', 'bookingx-live-chat'), __('Date & time', 'bookingx-live-chat'), __('Details', 'bookingx-live-chat'), __('Payment', 'bookingx-live-chat'), __('Confirmed', 'bookingx-live-chat')];

function today() {
	const d = new Date();
	return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}

export default function BookingPanel({ ctx, conversation: c }) {
	const initial = (c.metadata && c.metadata.context && c.metadata.context.booking) || null;
	const [live, setLive] = useState(() => getBookingContext(c.id) || initial);
	const [busy, setBusy] = useState('');
	const [error, setError] = useState('');
	const b = live || {};
	const [form, setForm] = useState({ service_id: '', resource_id: '', date: '', time: '' });
	useEffect(() => subscribe((id) => id === c.id && setLive(getBookingContext(c.id))), [c.id]);
	useEffect(() => {
		setForm((f) => ({
			service_id: f.service_id || b.service_id || '',
			resource_id: f.resource_id || (b.resource_id && /^\d+$/.test(b.resource_id) ? b.resource_id : '') || '',
			date: f.date || b.date || today(),
			time: f.time || b.time || '',
		}));
	}, [b.service_id, b.resource_id, b.date, b.time]);

	const query = () => ({
		conversation_id: c.id,
		service_id: Number(form.service_id),
		resource_id: form.resource_id ? Number(form.resource_id) : 'any',
		extras: (b.extras || []).map((x) => Number(x.id)).filter(Boolean),
		extension: b.extension || 0,
		send_card: true,
	});
	async function act(name, path, extra) {
		setBusy(name);
		setError('');
		try {
			await apiFetch({ path: NS() + path, method: 'POST', data: { ...query(), ...extra } });
		} catch (e) {
			setError((e && e.message) || String(e && e.code));
		}
		setBusy('');
	}
	const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
	const rows = [
		[__('Step', 'bookingx-live-chat'), b.step ? b.step + ' · ' + (STEPS[b.step] || '') : null],
		[__('Service', 'bookingx-live-chat'), b.service_name],
		[__('Resource', 'bookingx-live-chat'), b.resource_name],
		[__('Extras', 'bookingx-live-chat'), (b.extras || []).map((x) => x.name).join(', ') || null],
		[__('Extension', 'bookingx-live-chat'), b.extension ? String(b.extension) : null],
		[__('Date', 'bookingx-live-chat'), b.date],
		[__('Time', 'bookingx-live-chat'), b.time],
		[__('Price', 'bookingx-live-chat'), b.price],
	].filter(([, v]) => v);
	const noService = !form.service_id;
	return (
		<div className="bkx-booking-panel">
			{live ? (
				<dl className="bkx-facts bkx-booking-live" aria-live="polite">
					{rows.map(([k, v]) => [<dt key={k + 't'}>{k}</dt>, <dd key={k + 'd'}>{String(v)}</dd>])}
				</dl>
			) : (
				<p className="bkx-muted">{__('The visitor has not used the booking form yet.', 'bookingx-live-chat')}</p>
			)}
			<div className="bkx-booking-actions">
				<label>
					{__('Service ID', 'bookingx-live-chat')} <input type="number" min="1" value={form.service_id} onChange={set('service_id')} />
				</label>
				<label>
					{__('Resource ID (empty: any)', 'bookingx-live-chat')} <input type="number" min="1" value={form.resource_id} onChange={set('resource_id')} />
				</label>
				<label>
					{__('Date', 'bookingx-live-chat')} <input type="date" value={form.date} onChange={set('date')} />
				</label>
				<label>
					{__('Time', 'bookingx-live-chat')} <input type="time" step="900" value={form.time} onChange={set('time')} />
				</label>
				<div className="bkx-booking-buttons">
					<button type="button" className="button bkx-qa-availability" disabled={noService || !!busy} onClick={() => act('availability', '/chat/availability', { date: form.date })}>
						{__('Send available times', 'bookingx-live-chat')}
					</button>
					<button type="button" className="button bkx-qa-quote" disabled={noService || !!busy} onClick={() => act('quote', '/chat/quote')}>
						{__('Send quote', 'bookingx-live-chat')}
					</button>
					<button type="button" className="button bkx-qa-link" disabled={noService || !!busy} onClick={() => act('link', '/chat/booking-links', { date: form.date || undefined, time: form.time || undefined })}>
						{__('Send booking link', 'bookingx-live-chat')}
					</button>
					<button
						type="button"
						className="button bkx-qa-fill"
						disabled={noService || !live}
						onClick={() =>
							ctx.actions.bookingFill(c.id, {
								resource_id: form.resource_id || (b.resource_id === 'any' ? 'any' : undefined),
								service_id: form.service_id,
								date: form.date || undefined,
								time: form.time || undefined,
							})
						}
					>
						{__('Fill the visitor\'s form', 'bookingx-live-chat')}
					</button>
				</div>
				{error ? <p className="bkx-error" role="alert">{error}</p> : null}
			</div>
		</div>
	);
}
