/**
 * Who the customer is and where they came from: the name and e-mail they gave (offline
 * form), the page they started on, account or visitor id, booking.
 */
import { createElement } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import { customerName } from '../state.js';

export default function CustomerPanel({ conversation: c }) {
	const m = c.metadata || {};
	const x = m.context || {};
	const rows = [
		[__('Name', 'bookingx-live-chat'), customerName(c, __)],
		[__('E-mail', 'bookingx-live-chat'), x.email],
		[__('Account', 'bookingx-live-chat'), c.customer_id ? '#' + c.customer_id : __('Guest', 'bookingx-live-chat')],
		[__('Started on', 'bookingx-live-chat'), x.page_url ? <a href={safeUrl(x.page_url)} target="_blank" rel="noopener noreferrer">{x.page_title || x.page_url}</a> : null],
		[__('Left a message while offline', 'bookingx-live-chat'), x.offline ? __('Yes', 'bookingx-live-chat') : null],
		[__('Booking', 'bookingx-live-chat'), c.booking_id ? '#' + c.booking_id : null],
		[__('Department', 'bookingx-live-chat'), m.department || null],
		[__('Messages', 'bookingx-live-chat'), String(c.message_count || 0)],
	].filter(([, v]) => v);
	return (
		<dl className="bkx-facts">
			{rows.map(([k, v]) => [<dt key={k + 't'}>{k}</dt>, <dd key={k + 'd'}>{v}</dd>])}
		</dl>
	);
}

function safeUrl(u) {
	return /^https?:\/\//i.test(String(u)) ? String(u) : '#';
}
