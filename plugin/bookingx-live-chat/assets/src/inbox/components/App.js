/**
 * The inbox screen: the status bar, the two lists, the open conversation and its panels.
 */
import { createElement, useEffect } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import useInbox from '../useInbox.js';
import { waitingList, mineList } from '../state.js';
import StatusBar from './StatusBar.js';
import ConversationList from './ConversationList.js';
import ConversationView from './ConversationView.js';
import Toasts from './Toasts.js';
import Panels from '../panels/index.js';

const baseTitle = document.title;

export default function App({ boot }) {
	const { state, actions, me, features } = useInbox(boot);
	const waiting = waitingList(state);
	const mine = mineList(state, me);
	const selected = state.selected ? state.conversations[state.selected] : null;
	// Unread messages of the conversations the agent can see in the lists.
	const unreadTotal = waiting.concat(mine).reduce((n, c) => n + (state.unread[c.id] || 0), 0);

	// Title badge: waiting conversations plus unread messages, visible from any tab.
	useEffect(() => {
		const n = waiting.length + unreadTotal;
		document.title = n ? `(${n}) ${baseTitle}` : baseTitle;
	}, [waiting.length, unreadTotal]);

	const ctx = { state, actions, me, features, locale: boot.locale, nonce: boot.nonce || '' };

	return (
		<div className="bkx-inbox wp-exclude-emoji">
			<StatusBar ctx={ctx} />
			<div className="bkx-inbox__main">
				<nav className="bkx-inbox__lists" aria-label={__('Conversations', 'bookingx-live-chat')}>
					<ConversationList
						ctx={ctx}
						id="bkx-waiting"
						title={sprintf(__('Waiting (%d)', 'bookingx-live-chat'), waiting.length)}
						empty={__('Nobody is waiting.', 'bookingx-live-chat')}
						items={waiting}
					/>
					<ConversationList
						ctx={ctx}
						id="bkx-mine"
						title={sprintf(__('My conversations (%d)', 'bookingx-live-chat'), mine.length)}
						empty={__('No open conversations.', 'bookingx-live-chat')}
						items={mine}
					/>
				</nav>
				<section className="bkx-inbox__conversation" aria-label={__('Conversation', 'bookingx-live-chat')}>
					{selected ? (
						<ConversationView key={selected.id} ctx={ctx} conversation={selected} />
					) : (
						<div className="bkx-inbox__empty">
							<p>{__('Pick a conversation from the lists to read and reply.', 'bookingx-live-chat')}</p>
						</div>
					)}
				</section>
				{selected ? <Panels ctx={ctx} conversation={selected} /> : null}
			</div>
			<Toasts ctx={ctx} />
		</div>
	);
}
