/**
 * One conversation: header with actions, the full history (older pages over REST), the
 * customer's typing indicator, read ticks on the agent's messages, and the reply box.
 */
import { createElement, useEffect, useRef, useState, useLayoutEffect } from '@wordpress/element';
import { __, sprintf } from '@wordpress/i18n';
import { Button, Spinner } from '@wordpress/components';
import { customerName } from '../state.js';
import { formatTime, formatFull } from '../../shared/time.js';
import { attachmentOf, withNonce } from '../../shared/html.js';
import MessageBody from './MessageBody.js';
import Composer from './Composer.js';

export default function ConversationView({ ctx, conversation: c }) {
	const { state, actions, me, features, locale } = ctx;
	const messages = state.messages[c.id];
	const outbox = state.outbox[c.id] || [];
	const typing = features.typing ? state.typing[c.id] : null;
	const readUpTo = state.customerRead[c.id] || 0;
	const log = useRef(null);
	const stick = useRef(true);
	const [loadingOlder, setLoadingOlder] = useState(false);
	const closed = c.status === 'closed';
	const assignedToOther = c.assigned_agent_id && Number(c.assigned_agent_id) !== me;

	// Stay at the bottom while the agent is there (older pages keep their place: older()).
	useLayoutEffect(() => {
		const el = log.current;
		if (el && stick.current) {
			el.scrollTop = el.scrollHeight;
		}
	}, [messages, outbox.length, typing]);

	useEffect(() => {
		actions.markRead(c.id);
	}, [messages && messages.length]);

	async function older() {
		const el = log.current;
		const before = el ? el.scrollHeight - el.scrollTop : 0;
		setLoadingOlder(true);
		stick.current = false;
		try {
			await actions.loadOlder(c.id);
		} catch (e) {
			actions.toast(e.message || e.code, 'error');
		}
		setLoadingOlder(false);
		requestAnimationFrame(() => {
			if (el) {
				el.scrollTop = el.scrollHeight - before;
			}
		});
	}

	const name = customerName(c, __);
	const ctxInfo = (c.metadata && c.metadata.context) || {};

	return (
		<div className="bkx-conv">
			<header className="bkx-conv__head">
				<div>
					<h2 className="bkx-conv__title">{name}</h2>
					<p className="bkx-conv__sub">
						<span className={'bkx-pill is-' + c.status}>{statusLabel(c.status)}</span>
						{ctxInfo.email ? <span>{ctxInfo.email}</span> : null}
						<span>{sprintf(__('Started %s', 'bookingx-live-chat'), formatFull(c.started_at, locale))}</span>
					</p>
				</div>
				<div className="bkx-conv__actions">
					{!c.assigned_agent_id && !closed ? (
						<Button variant="secondary" onClick={() => actions.claim(c.id)}>
							{__('Take conversation', 'bookingx-live-chat')}
						</Button>
					) : null}
					{!closed ? (
						<Button variant="tertiary" isDestructive onClick={() => actions.close(c.id)}>
							{__('Close', 'bookingx-live-chat')}
						</Button>
					) : null}
				</div>
			</header>
			{assignedToOther ? (
				<p className="bkx-conv__notice">{__('Another agent handles this conversation.', 'bookingx-live-chat')}</p>
			) : null}
			<div
				className="bkx-conv__log"
				ref={log}
				role="log"
				aria-live="polite"
				aria-relevant="additions"
				aria-label={__('Messages', 'bookingx-live-chat')}
				tabIndex={0}
				onScroll={(e) => {
					const el = e.currentTarget;
					stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
				}}
			>
				{state.hasMore[c.id] ? (
					<div className="bkx-conv__older">
						<Button variant="secondary" isSmall onClick={older} disabled={loadingOlder}>
							{loadingOlder ? __('Loading…', 'bookingx-live-chat') : __('Load older messages', 'bookingx-live-chat')}
						</Button>
					</div>
				) : null}
				{!messages ? <Spinner /> : null}
				<ol className="bkx-conv__messages">
					{(messages || []).map((m) => (
						<Message key={m.id} m={m} locale={locale} nonce={ctx.nonce} read={features.read_receipts && m.sender_type === 'agent' && (readUpTo >= m.id || !!m.read_at)} />
					))}
					{outbox.map((o) => (
						<li key={o.client_id} className={'bkx-msg is-agent ' + (o.status === 'failed' ? 'is-failed' : 'is-sending')}>
							<div className="bkx-msg__bubble">
								<MessageBody html={o.body} />
							</div>
							<div className="bkx-msg__meta">
								{o.status === 'failed' ? (
									<span role="alert">
										{__('Message failed to send. Please try again.', 'bookingx-live-chat')}{' '}
										<Button variant="link" onClick={() => actions.retry(c.id, o.client_id)}>
											{__('Retry', 'bookingx-live-chat')}
										</Button>
									</span>
								) : (
									__('Sending…', 'bookingx-live-chat')
								)}
							</div>
						</li>
					))}
				</ol>
			</div>
			<div className="bkx-conv__typing" aria-live="polite">
				{typing ? sprintf(__('%s is typing…', 'bookingx-live-chat'), name) : ''}
			</div>
			<Composer ctx={ctx} conversation={c} disabled={closed} />
		</div>
	);
}

function statusLabel(s) {
	return (
		{
			waiting: __('Waiting', 'bookingx-live-chat'),
			active: __('Active', 'bookingx-live-chat'),
			closed: __('Closed', 'bookingx-live-chat'),
		}[s] || s
	);
}

function Message({ m, locale, read, nonce }) {
	const side = m.sender_type === 'agent' ? 'is-agent' : m.sender_type === 'customer' ? 'is-customer' : 'is-system';
	const file = attachmentOf(m);
	const href = file ? withNonce(file.url, nonce) : '';
	return (
		<li className={'bkx-msg ' + side} data-id={m.id}>
			<div className="bkx-msg__bubble">
				{file ? (
					<a className="bkx-msg__file" href={href} target="_blank" rel="noopener noreferrer">
						{file.image ? <img src={href} alt={file.name} loading="lazy" /> : null}
						<span>
							<span className="dashicons dashicons-paperclip" aria-hidden="true" /> {file.name}
						</span>
					</a>
				) : (
					<MessageBody html={m.body} />
				)}
			</div>
			<div className="bkx-msg__meta">
				{m.sender_name ? <span className="bkx-msg__name">{m.sender_name}</span> : null}
				<time dateTime={m.sent_at} title={formatFull(m.sent_at, locale)}>
					{formatTime(m.sent_at, locale)}
				</time>
				{m.sender_type === 'agent' ? (
					<span className={'bkx-tick' + (read ? ' is-read' : '')} role="img" aria-label={read ? __('Read', 'bookingx-live-chat') : __('Sent', 'bookingx-live-chat')} title={read ? __('Read', 'bookingx-live-chat') : __('Sent', 'bookingx-live-chat')}>
						{read ? '✓✓' : '✓'}
					</span>
				) : null}
			</div>
		</li>
	);
}
