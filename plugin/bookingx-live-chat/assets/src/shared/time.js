/**
 * Localised timestamps (Intl.DateTimeFormat in the site's locale, the viewer's time zone).
 * The daemon and REST send RFC 3339 UTC strings.
 */
const cache = {};

function fmt(locale, opts) {
	const key = locale + JSON.stringify(opts);
	if (!cache[key]) {
		try {
			cache[key] = new Intl.DateTimeFormat(locale || undefined, opts);
		} catch (e) {
			cache[key] = new Intl.DateTimeFormat(undefined, opts);
		}
	}
	return cache[key];
}

/** "14:05" today, "Mon 14:05" this week, "12 Mar, 14:05" before. */
export function formatTime(iso, locale, now = new Date()) {
	const d = new Date(iso);
	if (isNaN(d)) {
		return '';
	}
	const time = { hour: 'numeric', minute: '2-digit' };
	if (d.toDateString() === now.toDateString()) {
		return fmt(locale, time).format(d);
	}
	if (now - d < 6 * 864e5 && now > d) {
		return fmt(locale, { weekday: 'short', ...time }).format(d);
	}
	return fmt(locale, { day: 'numeric', month: 'short', ...time }).format(d);
}

/** Full date and time, for a title/tooltip. */
export function formatFull(iso, locale) {
	const d = new Date(iso);
	return isNaN(d) ? '' : fmt(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A client message id: crypto.randomUUID where available (secure contexts), else random hex. */
export function uuid() {
	if (typeof crypto !== 'undefined' && crypto.randomUUID) {
		return crypto.randomUUID();
	}
	const b = new Uint8Array(16);
	crypto.getRandomValues(b);
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
