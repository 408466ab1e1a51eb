/**
 * In-page notices (new conversations, errors). A toast about a conversation opens it.
 */
import { createElement } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import { Button } from '@wordpress/components';

export default function Toasts({ ctx }) {
	const { state, actions } = ctx;
	return (
		<div className="bkx-toasts" role="status" aria-live="polite">
			{state.toasts.map((t) => (
				<div key={t.id} className={'bkx-toast is-' + t.kind}>
					<span>{t.text}</span>
					{t.conversationId ? (
						<Button variant="link" onClick={() => actions.select(t.conversationId)}>
							{__('Open', 'bookingx-live-chat')}
						</Button>
					) : null}
				</div>
			))}
		</div>
	);
}
