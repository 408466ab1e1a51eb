// The widget losing its connection: "Reconnecting..." shows, and a message written while
// offline is delivered exactly once when the connection is back.
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

test("offline → Reconnecting..., back online → recovers, the offline message arrives once", { timeout: 120000 }, async () => {
  const agent = await openInbox(browser); // an agent online: the widget shows the chat, not the offline form
  const a = agent.page;

  const guest = await newContext(browser);
  const g = await guest.newPage();
  await g.goto(PAGE());
  const w = await openWidget(g);
  const first = unique("Before the tunnel");
  await w.input.fill(first);
  await w.input.press("Enter");
  await w.mine.filter({ hasText: first }).locator(".bkx-tick").waitFor();

  await guest.setOffline(true);
  await w.banner.waitFor({ state: "visible" });
  assert.match(await w.banner.textContent(), /Reconnecting/);

  const during = unique("Written in the tunnel");
  await w.input.fill(during);
  await w.input.press("Enter");
  const pending = w.mine.filter({ hasText: during });
  await pending.waitFor();
  assert.equal(await pending.locator(".bkx-tick").count(), 0, "not acknowledged while offline");
  await g.waitForTimeout(1500);
  await shot(g, "widget-reconnecting.png");

  await guest.setOffline(false);
  await w.banner.waitFor({ state: "hidden", timeout: 40000 });
  await pending.locator(".bkx-tick").waitFor({ timeout: 20000 });

  // The agent gets it, once.
  const item = a.locator(".bkx-list__item", { hasText: first });
  if (await item.count()) {
    await item.first().click();
  } else {
    await a.locator(".bkx-list__item", { hasText: during }).first().click();
  }
  const log = a.locator(".bkx-conv__log");
  await log.locator(".bkx-msg", { hasText: during }).waitFor();
  await a.waitForTimeout(1500);
  assert.equal(await log.locator(".bkx-msg", { hasText: during }).count(), 1, "delivered once to the agent");
  assert.equal(await w.mine.filter({ hasText: during }).count(), 1, "shown once to the guest");

  // And the history on the server has it once (a fresh join without since_id replays the latest).
  const g2 = await guest.newPage();
  await g2.goto(PAGE());
  const w2 = await openWidget(g2);
  await w2.mine.filter({ hasText: first }).waitFor();
  assert.equal(await w2.mine.filter({ hasText: during }).count(), 1, "stored once");

  await guest.close();
  await agent.context.close();
});
