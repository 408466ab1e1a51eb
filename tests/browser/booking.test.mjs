// The chat that books, in a real browser on the BookingX fixture's booking page: the visitor
// hesitates on the date step and the proactive prompt opens the chat; the agent
// sees the visitor's booking form live beside the conversation, fills it for them, sends a
// quote, a booking link and a slot card; the visitor picks a slot and confirms in the chat; the booking exists in
// BookingX's storage, linked to the conversation, with BookingX's confirmation e-mail; a
// second visitor racing for the same slot gets booking_unavailable and fresh options.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, openInbox, openWidget, BASE, shot, unique } from "./lib.mjs";
import { bookingPage, chooseServiceAndDay, adminRest, slotCard, conversationOf, selectByText, acceptedWidget, setBusinessHours } from "./booking-lib.mjs";

let browser;
before(async () => {
  browser = await launch();
  // The fixture's sample catalog (Massage, Haircut; Alex, Sam), whatever earlier suites seeded.
  const { context, page } = await openInbox(browser);
  await adminRest(page, "POST", "/bkx-fixture/v1/seed", { reset: true, sample: true });
  await context.close();
});
after(async () => {
  await browser?.close();
});

test("live form context, agent fill, slot card, booking in BookingX storage with its e-mail", async () => {
  const agent = await openInbox(browser);
  const a = agent.page;
  // Open now (the default hours are New York's office hours), the agent in the inbox.
  await setBusinessHours(a, false);
  await a.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat-inbox`);
  await a.locator(".bkx-inbox__conn.is-connected").waitFor();
  // A hesitation rule: 4 idle seconds on a started booking.
  const existing = await adminRest(a, "GET", "/bookingx/v1/chat/triggers");
  for (const r of Array.isArray(existing) ? existing : existing.rules || []) {
    if (r.is_active) {
      await adminRest(a, "PUT", `/bookingx/v1/chat/triggers/${r.id}`, { is_active: false });
    }
  }
  const rule = await adminRest(a, "POST", "/bookingx/v1/chat/triggers", {
    name: "booking browser hesitation", trigger_type: "booking_hesitation", message: "Can we help you pick a time?",
    delay_seconds: 4, priority: 10, is_active: true, conditions: {},
  });
  const guest = await newContext(browser);
  const g = await guest.newPage();
  await bookingPage(g);
  // A day the chat offers too (slots another run's card still holds are not offered).
  const { service, day } = await chooseServiceAndDay(g, "Massage", async (svc, seat, d) => {
    const r = await adminRest(a, "GET", `/bookingx/v1/chat/availability?service_id=${svc}&resource_id=${seat}&date=${d}`);
    return r.slots.length > 1;
  });

  // The visitor hesitates on the date step: the prompt slides in; accepting opens the chat.
  const bubble = g.locator("#bkx-livechat .bkx-prompt");
  await bubble.waitFor({ state: "visible", timeout: 20000 });
  assert.match(await bubble.textContent(), /Can we help you pick a time\?/);
  await shot(g, "widget-hesitation-prompt.png");
  await g.locator("#bkx-livechat .bkx-accept").click();
  const w = await acceptedWidget(g);
  const hello = unique("Can you help me book?");
  await w.input.fill(hello);
  await w.input.press("Enter");
  await w.mine.filter({ hasText: hello }).locator(".bkx-tick").waitFor();
  const item = a.locator(".bkx-list__item", { hasText: hello });
  await item.waitFor();
  const cid = Number(await item.getAttribute("data-conversation"));
  await item.click();

  // The agent sees the form's state beside the conversation, and it follows the visitor.
  const live = a.locator(".bkx-booking-live");
  await live.filter({ hasText: "Massage" }).waitFor();
  await live.filter({ hasText: day }).waitFor();
  assert.match(await live.textContent(), /Step2/, "the date step is the active one");
  await g.locator(".bkx-booking-form .bkx-form-submission-previous:visible").click();
  await live.filter({ hasText: /Step1/ }).waitFor();
  await shot(a, "inbox-booking-live.png");

  // "Assist with form filling": the agent's values land in the visitor's form through its
  // own change handlers (the service list is rebuilt by the resource's handler first).
  await selectByText(g.locator(".bkx-booking-form .bkx-services-lists"), "Haircut");
  await live.filter({ hasText: "Haircut" }).waitFor();
  const panel = a.locator(".bkx-booking-panel");
  await panel.getByLabel("Service ID").fill(String(service));
  await panel.getByLabel("Date", { exact: true }).fill(day);
  await panel.locator(".bkx-qa-fill").click();
  await g.locator(".bkx-booking-form .bkx-services-lists").filter({ has: g.locator("option:checked", { hasText: "Massage" }) }).waitFor();
  await live.filter({ hasText: "Massage" }).waitFor();
  assert.equal(await g.locator(".bkx-booking-form .bkx-calendar-date").inputValue(), day);

  // Quick actions: a price card and a booking link, drawn as cards in the visitor's chat.
  await panel.locator(".bkx-qa-quote").click();
  const quote = w.panel.locator(".bkx-card-quote").last();
  await quote.waitFor();
  assert.match(await quote.textContent(), /Massage/);
  assert.match(await quote.locator("dd.bkx-total").textContent(), /\d/, "the quote shows a total");
  await panel.locator(".bkx-qa-link").click();
  const link = w.panel.locator(".bkx-card-link a").first();
  await link.waitFor();
  assert.match(await link.getAttribute("href"), /^http:\/\/127\.0\.0\.1:\d+\//, "a link to the booking page");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");

  // The agent sends the available times as a card; the visitor picks one and confirms.
  await adminRest(a, "DELETE", "/bkx-fixture/v1/mails");
  await panel.locator(".bkx-qa-availability").click();
  const card = w.panel.locator(".bkx-card-slots").last();
  await card.locator(".bkx-slot").first().waitFor();
  await shot(g, "widget-slot-card.png");
  const slots = card.locator(".bkx-slot");
  assert.ok((await slots.count()) > 0, "the card offers times");
  const start = await slots.nth(1).getAttribute("data-start");
  await slots.nth(1).click();
  const email = `booker-${Date.now()}@example.test`;
  await card.locator(".bkx-card-name").fill("Bea Booker");
  await card.locator(".bkx-card-email").fill(email);
  await card.locator(".bkx-card-confirm").click();
  const confirmed = w.panel.locator(".bkx-card-booking");
  await confirmed.waitFor();
  await shot(g, "widget-booking-card.png");
  const bookingId = Number(await confirmed.getAttribute("data-booking-id"));
  assert.ok(bookingId > 0, "the booking card names the booking");

  // In BookingX's storage, linked to the conversation, with the confirmation e-mail.
  const stored = await adminRest(a, "GET", `/bkx-fixture/v1/booking/${bookingId}`);
  assert.equal(stored.post.post_type, "bkx_booking");
  assert.equal(String(stored.meta.base_id), String(service));
  assert.equal(stored.meta.booking_date, day);
  assert.equal(Number(stored.meta.bkx_livechat_conversation_id), cid);
  assert.equal(stored.meta.email, email);
  assert.equal(stored.meta.booking_source, "chat");
  const conversation = await conversationOf(a, cid);
  assert.equal(Number(conversation.booking_id), bookingId, "the conversation is linked to the booking");
  const mails = await adminRest(a, "GET", "/bkx-fixture/v1/mails");
  const mine = mails.filter((m) => (m.to || []).includes(email));
  assert.equal(mine.length, 1, "BookingX's confirmation to the customer, once");
  assert.match(mine[0].subject, new RegExp(`#${bookingId}\\b`));
  assert.ok(start);

  // The prompt's funnel, counted for its variant: shown, accepted, chat started, booked.
  const end = Date.now() + 10000;
  let funnel;
  do {
    const stats = await adminRest(a, "GET", `/bookingx/v1/chat/triggers/${rule.id}/stats`);
    funnel = stats.variants.reduce((o, v) => ({ impression: o.impression + v.impression, accept: o.accept + v.accept, chat_started: o.chat_started + v.chat_started, booking_created: o.booking_created + v.booking_created }), { impression: 0, accept: 0, chat_started: 0, booking_created: 0 });
  } while (funnel.booking_created < 1 && Date.now() < end && (await new Promise((r) => setTimeout(r, 300))) === undefined);
  assert.deepEqual(funnel, { impression: 1, accept: 1, chat_started: 1, booking_created: 1 });
  await adminRest(a, "DELETE", `/bookingx/v1/chat/triggers/${rule.id}`);
  await setBusinessHours(a, true);
  await guest.close();
  await agent.context.close();
});

test("a second visitor racing for the same slot gets booking_unavailable and fresh options", async () => {
  const agent = await openInbox(browser);
  const a = agent.page;
  const visitors = [];
  for (const who of ["one", "two"]) {
    const context = await newContext(browser);
    const page = await context.newPage();
    await bookingPage(page);
    const w = await openWidget(page);
    const hello = unique(`Racer ${who} here`);
    await w.input.fill(hello);
    await w.input.press("Enter");
    const item = a.locator(".bkx-list__item", { hasText: hello });
    await item.waitFor();
    visitors.push({ context, page, w, cid: Number(await item.getAttribute("data-conversation")) });
  }
  // Both get the same times (no hold, as after a hold expired).
  const { service, day } = await slotCard(a, visitors[0].cid, null);
  await slotCard(a, visitors[1].cid, { service, day });
  const cards = visitors.map((v) => v.w.panel.locator(".bkx-card-slots").last());
  for (const c of cards) {
    await c.locator(".bkx-slot").first().waitFor();
  }
  const target = await cards[0].locator(".bkx-slot").first().getAttribute("data-start");
  assert.equal(await cards[1].locator(".bkx-slot").first().getAttribute("data-start"), target, "the same slot is offered to both");

  const pickAndConfirm = async (c, n, name) => {
    await c.locator(".bkx-slot").nth(n).click();
    if (await c.locator(".bkx-card-name").count()) {
      await c.locator(".bkx-card-name").fill(name);
      await c.locator(".bkx-card-email").fill(`${name.toLowerCase()}-${Date.now()}@example.test`);
    }
    await c.locator(".bkx-card-confirm").click();
  };
  await pickAndConfirm(cards[0], 0, "One");
  await visitors[0].w.panel.locator(".bkx-card-booking").waitFor();

  await pickAndConfirm(cards[1], 0, "Two");
  const error = cards[1].locator(".bkx-card-error");
  await error.waitFor();
  assert.match(await error.textContent(), /taken|other times/i);
  await shot(visitors[1].page, "widget-booking-unavailable.png");
  // Fresh options replace the old ones, without the taken slot; one of them books.
  await cards[1].locator(".bkx-slot").first().waitFor();
  const fresh = await cards[1].locator(".bkx-slot").evaluateAll((els) => els.map((e) => e.dataset.start));
  assert.ok(fresh.length > 0, "fresh options");
  assert.ok(!fresh.includes(target), "the taken slot is not offered again");
  await cards[1].locator(".bkx-slot").first().click();
  await cards[1].locator(".bkx-card-confirm").click();
  await visitors[1].w.panel.locator(".bkx-card-booking").waitFor();

  for (const v of visitors) {
    await v.context.close();
  }
  await agent.context.close();
});
