/**
 * One list of conversations (the waiting queue, or the agent's own), newest activity shown.
 */
import { createElement } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import { customerName } from '../state.js';
import { toText } from '../../shared/html.js';
import { formatTime } from '../../shared/time.js';

export default function ConversationList({ ctx, id, title, empty, items }) {
	const { state, actions, locale } = ctx;
	return (
		<div className="bkx-list" id={id}>
			<h2 className="bkx-list__title">{title}</h2>
			{items.length ? (
				<ul className="bkx-list__items">
					{items.map((c) => {
						const unread = state.unread[c.id] || 0;
						const last = c._last;
						const current = state.selected === c.id;
						const typing = state.typing[c.id];
						return (
							<li key={c.id}>
								<button
									type="button"
									className={'bkx-list__item' + (current ? ' is-current' : '') + (unread ? ' has-unread' : '')}
									aria-current={current ? 'true' : undefined}
									data-conversation={c.id}
									onClick={() => actions.select(c.id)}
								>
									<span className="bkx-list__name">{customerName(c, __)}</span>
									<time className="bkx-list__time" dateTime={(last && last.sent_at) || c.started_at}>
										{formatTime((last && last.sent_at) || c.started_at, locale)}
									</time>
									<span className="bkx-list__preview">
										{typing ? __('typing…', 'bookingx-live-chat') : last ? toText(last.body) : sprintf(__('Conversation #%d', 'bookingx-live-chat'), c.id)}
									</span>
									{unread ? (
										<span className="bkx-list__badge">
											{unread}
											<span className="screen-reader-text">{__('unread messages', 'bookingx-live-chat')}</span>
										</span>
									) : null}
								</button>
							</li>
						);
					})}
				</ul>
			) : (
				<p className="bkx-list__empty">{empty}</p>
			)}
		</div>
	);
}
