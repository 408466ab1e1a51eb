// A guest and an agent, live: the guest writes from the widget, the agent sees it in the
// inbox, types and replies; the guest sees the typing indicator, the reply, the read tick
// on its own message and the unread badge while the widget is closed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, openInbox, PAGE, widget, openWidget, shot, unique } from "./lib.mjs";

async function assertEventually(check, message, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("nobody online: the offline form takes name, e-mail and message; agents see them later", { timeout: 120000 }, async () => {
  // Runs first in this file: no agent is connected yet.
  const guest = await newContext(browser);
  const g = await guest.newPage();
  await g.goto(PAGE());
  const w = widget(g);
  await w.button.click();
  await w.panel.waitFor({ state: "visible" });
  if (await w.consent.isVisible()) {
    await w.consent.check();
  }
  const name = g.locator("#bkx-livechat #bkx-off-name");
  await name.waitFor({ state: "visible" });
  await shot(g, "widget-offline-form.png");
  // Invalid e-mail: refused with a message, nothing sent.
  const who = unique("Vera");
  await name.fill(who);
  await g.locator("#bkx-livechat #bkx-off-email").fill("not-an-address");
  await g.locator("#bkx-livechat #bkx-off-msg").fill("Do you open on Sundays?");
  await g.locator("#bkx-livechat .bkx-offline .bkx-primary").click();
  await g.locator("#bkx-livechat .bkx-offline .bkx-error").waitFor({ state: "visible" });
  await g.locator("#bkx-livechat #bkx-off-email").fill("vera@example.test");
  await g.locator("#bkx-livechat .bkx-offline .bkx-primary").click();
  await w.mine.filter({ hasText: "Do you open on Sundays?" }).locator(".bkx-tick").waitFor();
  await g.locator("#bkx-livechat .bkx-sys", { hasText: "vera@example.test" }).waitFor();

  const agent = await openInbox(browser);
  const a = agent.page;
  await a.locator("#bkx-waiting .bkx-list__item", { hasText: who }).click();
  await a.locator(".bkx-conv__log .bkx-msg.is-customer", { hasText: "Do you open on Sundays?" }).waitFor();
  await a.locator(".bkx-facts dd", { hasText: "vera@example.test" }).waitFor();
  await guest.close();
  await agent.context.close();
});

test("guest ↔ agent: message, live inbox, typing, reply, read ticks, unread badge", { timeout: 120000 }, async () => {
  const agent = await openInbox(browser);
  const a = agent.page;

  const guest = await newContext(browser);
  const g = await guest.newPage();
  await g.goto(PAGE());
  const w = await openWidget(g);
  const question = unique("Is Friday 10:00 free?");
  await w.input.fill(question);
  await w.input.press("Enter");
  // Acked by the daemon: the bubble gets its ✓.
  await w.mine.filter({ hasText: question }).locator(".bkx-tick").waitFor();

  // The agent sees it arrive without reloading.
  const item = a.locator(".bkx-list__item", { hasText: question });
  await item.waitFor();
  await shot(a, "inbox-queue.png");
  await item.click();
  const agentLog = a.locator(".bkx-conv__log");
  await agentLog.locator(".bkx-msg.is-customer", { hasText: question }).waitFor();

  // The agent opened it, so the guest's message shows as read.
  await w.mine.filter({ hasText: question }).locator(".bkx-tick.read").waitFor();

  // The guest's typing reaches the agent...
  await w.input.pressSequentially("One more thing", { delay: 30 });
  await a.locator(".bkx-conv__typing", { hasText: "typing" }).waitFor();
  await w.input.fill("");
  await w.input.dispatchEvent("input");
  await assertEventually(async () => !(await a.locator(".bkx-conv__typing").textContent()).includes("typing"), "the agent's typing indicator clears");

  // ...and the agent's reaches the guest.
  const reply = unique("Yes, 10:00 is free.");
  await a.locator(".bkx-composer__input").pressSequentially("Yes, 10", { delay: 30 });
  await w.typing.waitFor({ state: "visible" });
  assert.match(await w.typing.textContent(), /typing/);
  await a.locator(".bkx-composer__input").fill(reply);
  await a.locator(".bkx-composer__input").press("Enter");

  await w.theirs.filter({ hasText: reply }).waitFor();
  await w.typing.waitFor({ state: "hidden" });
  await shot(g, "widget-conversation.png");
  // The guest has the widget open: the agent's reply is marked read by the customer.
  await agentLog.locator(".bkx-msg.is-agent", { hasText: reply }).locator(".bkx-tick.is-read").waitFor();
  await shot(a, "inbox-conversation.png");

  // Closed widget: a new reply raises the unread badge; opening clears it.
  await w.button.click();
  await w.panel.waitFor({ state: "hidden" });
  const second = unique("Shall I book it?");
  await a.locator(".bkx-composer__input").fill(second);
  await a.locator(".bkx-composer__input").press("Enter");
  await w.badge.waitFor({ state: "visible" });
  assert.equal((await w.badge.textContent()).trim(), "1");
  assert.match(await w.button.getAttribute("aria-label"), /1 unread/);
  await shot(g, "widget-unread.png");
  await w.button.click();
  await w.theirs.filter({ hasText: second }).waitFor();
  await w.badge.waitFor({ state: "hidden" });

  // Exactly one copy of each message on both sides.
  assert.equal(await w.mine.filter({ hasText: question }).count(), 1);
  assert.equal(await agentLog.locator(".bkx-msg", { hasText: reply }).count(), 1);

  // The agent closes the conversation; the guest is told and may start a new one.
  await a.getByRole("button", { name: "Close", exact: true }).click();
  await g.locator("#bkx-livechat .bkx-ended").waitFor();
  assert.ok(await w.input.isDisabled());
  await g.locator("#bkx-livechat .bkx-ended button").click();
  await assertEventually(async () => !(await w.input.isDisabled()), "a new chat can be written");
  assert.equal(await w.mine.count(), 0, "the new chat starts empty");

  await guest.close();
  await agent.context.close();
});

test("history is paged: the newest 50 first, older ones on request (inbox and widget)", { timeout: 120000 }, async () => {
  const agent = await openInbox(browser);
  const a = agent.page;
  const guest = await newContext(browser);
  const g = await guest.newPage();
  await g.goto(PAGE());
  const w = await openWidget(g);
  const oldest = unique("The oldest question");
  await w.input.fill(oldest);
  await w.input.press("Enter");
  await w.mine.filter({ hasText: oldest }).locator(".bkx-tick").waitFor();

  const item = a.locator(".bkx-list__item", { hasText: oldest });
  await item.waitFor();
  const id = Number(await item.getAttribute("data-conversation"));
  assert.ok(id > 0);
  // 55 agent replies through the REST route (wp.apiFetch: the admin's cookie and nonce).
  await a.evaluate(async (cid) => {
    for (let i = 1; i <= 55; i++) {
      await window.wp.apiFetch({ path: `/bookingx/v1/chat/conversations/${cid}/messages`, method: "POST", data: { body: `Filler ${i}` } });
    }
  }, id);

  // The inbox, fresh: the newest 50, then the rest on request.
  await a.reload();
  await a.locator(".bkx-inbox__conn.is-connected").waitFor();
  await a.locator(`.bkx-list__item[data-conversation="${id}"]`).click();
  const log = a.locator(".bkx-conv__log");
  await log.locator(".bkx-msg", { hasText: "Filler 55" }).waitFor();
  assert.equal(await log.locator(".bkx-msg", { hasText: oldest }).count(), 0, "the oldest is not on the first page");
  await a.getByRole("button", { name: "Load older messages" }).click();
  await log.locator(".bkx-msg", { hasText: oldest }).waitFor();
  assert.equal(await log.locator(".bkx-msg").count(), 56);

  // The widget after a page load: same conversation (the visitor cookie), same paging.
  await g.reload();
  const w2 = await openWidget(g);
  await w2.theirs.filter({ hasText: "Filler 55" }).waitFor();
  assert.equal(await w2.mine.filter({ hasText: oldest }).count(), 0);
  await g.locator("#bkx-livechat .bkx-older").click();
  await w2.mine.filter({ hasText: oldest }).waitFor();

  await guest.close();
  await agent.context.close();
});
