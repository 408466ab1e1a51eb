// A guest and an agent, live: the guest writes from the widget, the agent sees it in the
// inbox, types and replies; the guest sees the typing indicator, the reply, the read tick
// on its own message and the unread badge while the widget is closed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, openInbox, PAGE, openWidget, shot, unique } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
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

  // Typing reaches the guest.
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

  await guest.close();
  await agent.context.close();
});
