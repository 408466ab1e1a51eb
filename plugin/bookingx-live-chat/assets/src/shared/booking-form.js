/**
 * The visitor's BookingX form, read from and written to its DOM (BookingX 1.1.2 keeps its
 * state in a closure, so the DOM is the only public surface): `read()` gives the live
 * booking context sent as `booking:context`; `fill(fields)` applies an agent's
 * `booking:fill` through the form's own handlers (`.val(...).trigger('change')`, a click
 * on the slot link), waiting for each AJAX-filled list before the next field.
 */
const FORM = '.bkx-booking-form';

const q = (sel) => document.querySelector(`${FORM} ${sel}`);
const text = (el) => (el ? el.textContent.trim() : '');
const jq = () => window.jQuery;

/** True when the page holds a BookingX booking form. */
export const hasForm = () => !!document.querySelector(FORM);

function option(sel) {
	const el = q(sel);
	if (!el || !el.value || el.selectedIndex < 0) {
		return [null, null];
	}
	return [el.value, text(el.options[el.selectedIndex])];
}

/** The form's state: {step, resource_id, resource_name, service_id, service_name, extras, extension, date, time, price}. */
export function read() {
	if (!hasForm()) {
		return null;
	}
	const active = q('.bkx-form-active');
	const step = active ? parseInt((active.className.match(/\bstep-(\d+)/) || [])[1] || active.dataset.active, 10) || null : null;
	const [resource, resourceName] = option('.bkx-staff-lists');
	const [service, serviceName] = option('.bkx-services-lists');
	const extras = Array.from(document.querySelectorAll(`${FORM} input[name^="bkx-extra-service"]:checked`)).map((el) => ({
		id: el.value,
		name: text(el.closest('label')) || el.value,
	}));
	const ext = q('.bkx-services-extend');
	const table = q('table.booking-slots');
	const $ = jq();
	const picked = q('.booking-slots a.selected');
	const total = q('.bkx-booking-total span');
	return {
		step,
		resource_id: resource,
		resource_name: resource ? resourceName : null,
		service_id: service,
		service_name: service ? serviceName : null,
		extras,
		extension: ext && !ext.disabled ? parseInt(ext.value, 10) || 0 : 0,
		date: (picked && picked.dataset.date) || ($ && table ? $(table).data('date') : table && table.dataset.date) || null,
		time: picked ? picked.dataset.time : null,
		slot: picked ? picked.dataset.slot : null,
		price: text(total) || null,
		url: location.pathname + location.search,
	};
}

/** A fingerprint of the state, to send only changes. */
export const key = (c) => JSON.stringify(c && { ...c, url: 0 });

const wait = (test, ms = 4000) =>
	new Promise((resolve) => {
		const t0 = Date.now();
		(function poll() {
			const v = test();
			if (v || Date.now() - t0 > ms) {
				resolve(v);
			} else {
				setTimeout(poll, 100);
			}
		})();
	});

function change(el, value) {
	const $ = jq();
	if ($) {
		$(el).val(value).trigger('change');
	} else {
		el.value = value;
		el.dispatchEvent(new Event('change', { bubbles: true }));
	}
}

/**
 * Applies {resource_id, service_id, extras: [ids], extension, date, time} in the form's own
 * order. Resolves to the list of fields applied.
 */
export async function fill(fields) {
	const f = fields || {};
	const done = [];
	const has = (sel, v) => wait(() => q(`${sel} option[value="${CSS.escape(String(v))}"]`));
	if (f.resource_id != null && (await has('.bkx-staff-lists', f.resource_id))) {
		change(q('.bkx-staff-lists'), String(f.resource_id));
		done.push('resource_id');
	}
	if (f.service_id != null && (await has('.bkx-services-lists', f.service_id))) {
		change(q('.bkx-services-lists'), String(f.service_id));
		done.push('service_id');
	}
	for (const id of Array.isArray(f.extras) ? f.extras : []) {
		const box = await wait(() => q(`input[name^="bkx-extra-service"][value="${CSS.escape(String(id))}"]`));
		if (box && !box.checked) {
			const $ = jq();
			$ ? $(box).prop('checked', true).trigger('change') : box.click();
			done.push('extras');
		}
	}
	if (f.extension != null && q('.bkx-services-extend') && !q('.bkx-services-extend').disabled) {
		change(q('.bkx-services-extend'), String(f.extension));
		done.push('extension');
	}
	if (f.date) {
		const date = q('.bkx-calendar-date') || q('#bkx-calendar input');
		if (date) {
			change(date, String(f.date));
			done.push('date');
		}
	}
	if (f.time) {
		const a = await wait(() => q(`.booking-slots a.available[data-time="${CSS.escape(String(f.time))}"]`));
		if (a) {
			a.click();
			done.push('time');
		}
	}
	return done;
}
