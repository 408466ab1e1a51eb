/**
 * The agent inbox (wp-admin → Live Chat → Inbox), on WordPress's own React.
 *
 * Layout: components/ holds the screen's parts (lists, conversation, composer, status,
 * toasts); panels/ holds the side panels next to a conversation — one component per panel,
 * listed in panels/index.js, so routing, transfer, canned responses and the booking context
 * can be added as panels without touching the rest.
 */
import { createElement, render } from '@wordpress/element';
import App from './components/App.js';
import './inbox.css';

function mount() {
	const el = document.getElementById('bkx-inbox-root');
	if (el) {
		render(<App boot={window.bkxLiveChatInbox || {}} />, el);
	}
}

if (document.readyState === 'loading') {
	document.addEventListener('DOMContentLoaded', mount);
} else {
	mount();
}
