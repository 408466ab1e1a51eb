/**
 * The side panels of an open conversation. One component per panel; add a panel by adding
 * it to PANELS (planned: booking context, canned responses, transfer and routing, internal
 * notes). Each gets {ctx, conversation}.
 */
import { createElement } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import CustomerPanel from './CustomerPanel.js';
import BookingPanel from './BookingPanel.js';

export const PANELS = [
	{ id: 'customer', title: () => __('Customer', 'bookingx-live-chat'), Component: CustomerPanel },
	{ id: 'booking', title: () => __('Booking', 'bookingx-live-chat'), Component: BookingPanel },
];

export default function Panels({ ctx, conversation }) {
	return (
		<aside className="bkx-inbox__panels" aria-label={__('Details', 'bookingx-live-chat')}>
			{PANELS.map(({ id, title, Component }) => (
				<section key={id} className="bkx-panel" aria-labelledby={'bkx-panel-' + id}>
					<h3 className="bkx-panel__title" id={'bkx-panel-' + id}>
						{title()}
					</h3>
					<Component ctx={ctx} conversation={conversation} />
				</section>
			))}
		</aside>
	);
}
