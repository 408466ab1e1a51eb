/**
 * The agent's status selector (agent:status), the connection state and the switch for
 * browser notifications.
 */
import { createElement, useState } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import { SelectControl, Button } from '@wordpress/components';

export default function StatusBar({ ctx }) {
	const { state, actions } = ctx;
	const [perm, setPerm] = useState(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
	const conn = {
		connecting: __('Connecting…', 'bookingx-live-chat'),
		connected: __('Connected', 'bookingx-live-chat'),
		reconnecting: __('Connection lost. Reconnecting...', 'bookingx-live-chat'),
		failed: __('Chat service temporarily unavailable.', 'bookingx-live-chat'),
	}[state.conn];
	return (
		<div className="bkx-inbox__bar">
			<SelectControl
				className="bkx-inbox__status"
				label={__('My status', 'bookingx-live-chat')}
				value={state.status}
				disabled={state.conn !== 'connected'}
				options={[
					{ value: 'online', label: __('Online', 'bookingx-live-chat') },
					{ value: 'away', label: __('Away', 'bookingx-live-chat') },
					{ value: 'offline', label: __('Offline', 'bookingx-live-chat') },
				]}
				onChange={(v) => actions.setStatus(v)}
			/>
			<span className={'bkx-inbox__conn is-' + state.conn} role="status">
				<span className="bkx-inbox__dot" aria-hidden="true" />
				{conn}
			</span>
			{perm === 'default' ? (
				<Button variant="secondary" onClick={() => Notification.requestPermission().then(setPerm)}>
					{__('Enable desktop notifications', 'bookingx-live-chat')}
				</Button>
			) : null}
			{state.error ? <span className="bkx-inbox__error">{state.error}</span> : null}
		</div>
	);
}
