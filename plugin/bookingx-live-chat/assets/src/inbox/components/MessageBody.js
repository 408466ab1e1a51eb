/**
 * A stored message body: sanitised HTML, inserted through the inert-template filter of
 * shared/html.js (never dangerouslySetInnerHTML).
 */
import { createElement, useLayoutEffect, useRef } from '@wordpress/element';
import { safeFragment } from '../../shared/html.js';

export default function MessageBody({ html }) {
	const ref = useRef(null);
	useLayoutEffect(() => {
		if (ref.current) {
			ref.current.replaceChildren(safeFragment(html));
		}
	}, [html]);
	return <div className="bkx-msg__body" ref={ref} />;
}
