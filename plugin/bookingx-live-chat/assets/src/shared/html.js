/**
 * Message bodies are stored as sanitised HTML (the core's sanitiser runs once, on write),
 * so readers render them as HTML. This is the second line of defence: the body is parsed
 * into an inert <template> (no scripts run, no images load), then only the sanitiser's own
 * vocabulary is copied out. Anything else is dropped (dangerous elements) or unwrapped
 * (unknown formatting elements keep their text).
 */

// The core sanitiser's tags (docs/rest-api.md): b strong i em u s code pre br p a blockquote ul ol li.
const TAGS = new Set(['B', 'STRONG', 'I', 'EM', 'U', 'S', 'CODE', 'PRE', 'BR', 'P', 'A', 'BLOCKQUOTE', 'UL', 'OL', 'LI']);
// Elements whose content is never text a reader should see.
const DROP = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'NOSCRIPT', 'SVG', 'MATH', 'TEXTAREA', 'SELECT', 'HEAD', 'TITLE']);
const SAFE_HREF = /^(https?:|mailto:)/i;

function copy(from, to, doc) {
	for (const node of Array.from(from.childNodes)) {
		if (node.nodeType === 3) {
			to.appendChild(doc.createTextNode(node.nodeValue));
		} else if (node.nodeType === 1) {
			const tag = node.tagName.toUpperCase();
			if (DROP.has(tag)) {
				continue;
			}
			if (!TAGS.has(tag)) {
				copy(node, to, doc); // unwrap
				continue;
			}
			const el = doc.createElement(tag.toLowerCase());
			if (tag === 'A') {
				const href = (node.getAttribute('href') || '').trim();
				if (SAFE_HREF.test(href)) {
					el.setAttribute('href', href);
					el.setAttribute('target', '_blank');
					el.setAttribute('rel', 'nofollow noopener noreferrer');
				}
			}
			copy(node, el, doc);
			to.appendChild(el);
		}
	}
}

/**
 * A DocumentFragment with the allowed part of `html`.
 *
 * @param {string}   html
 * @param {Document} [doc]
 */
export function safeFragment(html, doc = document) {
	const t = doc.createElement('template');
	t.innerHTML = String(html == null ? '' : html);
	const out = doc.createDocumentFragment();
	copy(t.content, out, doc);
	return out;
}

/** Plain text of a body (for previews, notifications and titles). */
export function toText(html, doc = document) {
	const t = doc.createElement('template');
	t.innerHTML = String(html == null ? '' : html);
	return (t.content.textContent || '').replace(/\s+/g, ' ').trim();
}

/** Escapes text for use as a message body (the server sanitises again). */
export function escapeText(text) {
	return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/**
 * The file of a message with an attachment, as {url, name}, or null. Only http(s) and
 * same-site relative URLs are kept; the name comes from the message metadata or the URL.
 */
export function attachmentOf(m) {
	const url = m && ((m.attachment && m.attachment.url) || m.attachment_url);
	if (!url || !/^(https?:\/\/|\/(?!\/))/i.test(String(url))) {
		return null;
	}
	const a = (m && m.attachment) || {};
	const meta = (m && m.metadata) || {};
	const name = a.name || meta.file_name || decodeURIComponent(String(url).split(/[?#]/)[0].split('/').pop() || '') || 'file';
	return { url: String(url), name: String(name), image: /^image\/(jpeg|png|gif|webp)$/.test(a.mime || '') };
}

/** A download URL with the REST nonce that logged-in users need on a plain link. */
export function withNonce(url, nonce) {
	return nonce ? url + (url.includes('?') ? '&' : '?') + '_wpnonce=' + encodeURIComponent(nonce) : url;
}
