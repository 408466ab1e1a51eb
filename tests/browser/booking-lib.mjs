// Helpers of the booking browser tests: the fixture's booking page (BookingX's
// [bkx_booking_form]) and REST calls made from the agent's wp-admin page (its cookie and
// nonce through wp.apiFetch).
import assert from "node:assert/strict";
import { BASE, widget } from "./lib.mjs";

/** The booking page the BookingX fixture creates on activation (option bkx_set_booking_page). */
export async function bookingPage(page) {
  await page.goto(`${BASE}/booking-form/`);
  await page.locator(".bkx-booking-form .step-1.bkx-form-active").waitFor();
}

/**
 * Step 1 (first resource, the service whose name matches) and step 2 on the first day with
 * free times in the form — and, when `ok(service, seat, day)` is given, for which it is true.
 */
export async function chooseServiceAndDay(page, name, ok = null) {
  const form = page.locator(".bkx-booking-form");
  const staff = form.locator("select.bkx-staff-lists");
  const seat = await staff.locator("option").evaluateAll((os) => os.map((o) => o.value).find((v) => /^\d+$/.test(v)));
  await staff.selectOption(seat);
  await selectByText(form.locator("select.bkx-services-lists"), name);
  const service = Number(await form.locator("select.bkx-services-lists").inputValue());
  await form.locator(".step-1 .bkx-form-submission-next").click();
  await form.locator(".step-2.bkx-form-active").waitFor();
  const date = form.locator(".bkx-calendar-date");
  for (let i = 2; i < 30; i++) {
    const day = new Date(Date.now() + i * 86400000).toISOString().slice(0, 10);
    await date.fill(day);
    await page.waitForFunction((d) => document.querySelector(".booking-slots")?.getAttribute("data-date") === d && document.querySelector(".booking-slots tr"), day);
    if ((await form.locator("table.booking-slots a.available").count()) && (!ok || (await ok(service, seat, day)))) {
      return { service, seat: Number(seat), day };
    }
  }
  assert.fail("no day with free times in the next four weeks");
}

/** Selects the option whose text contains `text` (through the select's change event). */
export async function selectByText(select, text) {
  const value = await select.locator("option").evaluateAll((os, t) => (os.find((o) => o.textContent.includes(t)) || {}).value, text);
  assert.ok(value, `an option "${text}"`);
  await select.selectOption(value);
}

/** A REST call as the logged-in agent (page must be a wp-admin page); errors throw with their body. */
export async function adminRest(page, method, path, data) {
  const r = await page.evaluate(
    ({ method, path, data }) => window.wp.apiFetch({ path, method, data }).then((ok) => ({ ok }), (error) => ({ error })),
    { method, path, data },
  );
  if (r.error) {
    throw new Error(`${method} ${path}: ${JSON.stringify(r.error)}`);
  }
  return r.ok;
}

export const conversationOf = (page, id) => adminRest(page, "GET", `/bookingx/v1/chat/conversations/${id}`);

/**
 * The agent sends a slot card without a hold (as once a hold expired), for the first
 * service with free times in the next days unless {service, day} is given.
 */
export async function slotCard(page, conversationId, at) {
  const ns = "/bookingx/v1";
  let pick = at;
  if (!pick) {
    const catalog = await (await fetch(`${BASE}/booking-form/`)).text();
    const json = JSON.parse(catalog.match(/id="bkx-fixture-catalog">([^<]*)</)[1]);
    for (let i = 3; i < 30 && !pick; i++) {
      const day = new Date(Date.now() + i * 86400000).toISOString().slice(0, 10);
      const r = await adminRest(page, "GET", `${ns}/chat/availability?service_id=${json[0].id}&resource_id=any&date=${day}`);
      if (r.slots && r.slots.length > 1) {
        pick = { service: json[0].id, day };
      }
    }
    assert.ok(pick, "a day with free times");
  }
  await adminRest(page, "POST", `${ns}/chat/availability`, {
    conversation_id: conversationId, service_id: pick.service, resource_id: "any", date: pick.day, send_card: true, hold_minutes: 0, limit: 4,
  });
  return pick;
}

/** The widget once a prompt's accept opened it: past the consent step, the message box enabled. */
export async function acceptedWidget(page) {
  const w = widget(page);
  await w.panel.waitFor({ state: "visible" });
  if (await w.consent.isVisible()) {
    await w.consent.check();
  }
  await w.input.waitFor({ state: "visible" });
  const end = Date.now() + 10000;
  while (await w.input.isDisabled()) {
    assert.ok(Date.now() < end, "the message box stayed disabled");
    await new Promise((r) => setTimeout(r, 100));
  }
  return w;
}

/**
 * Turns "Use business hours" on or off on Live Chat → Settings (the admin's page), so a
 * test decides whether the site is open now.
 */
export async function setBusinessHours(page, on) {
  await page.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat`);
  const box = page.locator('input[type="checkbox"][name="bkx_livechat_settings[business_hours_enabled]"]');
  await box.setChecked(on);
  await Promise.all([page.waitForURL(/settings-updated=true/), page.locator('form[action*="options.php"] [type="submit"]').first().click()]);
}
