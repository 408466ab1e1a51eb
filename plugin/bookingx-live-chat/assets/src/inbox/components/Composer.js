/**
 * The reply box: Enter sends, Shift+Enter starts a new line; typing is announced to the
 * customer (throttled in useInbox).
 */
import { createElement, useState, useRef, useEffect } from '@wordpress/element';
import { __ } from '@wordpress/i18n';
import { Button } from '@wordpress/components';
import { escapeText } from '../../shared/html.js';

export default function Composer({ ctx, conversation, disabled }) {
	const { actions } = ctx;
	const [text, setText] = useState('');
	const ref = useRef(null);
	const id = 'bkx-reply-' + conversation.id;

	useEffect(() => {
		if (ref.current && !disabled) {
			ref.current.focus();
		}
	}, [conversation.id]);

	function send() {
		const body = text.trim();
		if (!body || disabled) {
			return;
		}
		actions.send(conversation.id, escapeText(body));
		setText('');
	}

	return (
		<form
			className="bkx-composer"
			onSubmit={(e) => {
				e.preventDefault();
				send();
			}}
		>
			<label htmlFor={id} className="screen-reader-text">
				{__('Reply', 'bookingx-live-chat')}
			</label>
			<textarea
				id={id}
				ref={ref}
				className="bkx-composer__input"
				rows={3}
				value={text}
				disabled={disabled}
				placeholder={disabled ? __('This conversation is closed.', 'bookingx-live-chat') : __('Write a reply… (Enter sends, Shift+Enter adds a line)', 'bookingx-live-chat')}
				onChange={(e) => {
					setText(e.target.value);
					actions.typing(conversation.id, e.target.value.trim() !== '');
				}}
				onKeyDown={(e) => {
					if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
						e.preventDefault();
						send();
					}
				}}
			/>
			<Button variant="primary" type="submit" disabled={disabled || !text.trim()}>
				{__('Send', 'bookingx-live-chat')}
			</Button>
		</form>
	);
}
