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

test("a dropped connection is retried on the spec's schedule: at once, 2 s, 5 s, 10 s", { timeout: 120000 }, async () => {
  const agent = await openInbox(browser);
  const guest = await newContext(browser);
  const g = await guest.newPage();

  // Every websocket to the daemon goes through here: passed through while `block` is off,
  // refused (opened then closed at once) while it is on.
  let block = false;
  const attempts = [];
  const live = [];
  await g.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (block) {
      attempts.push(Date.now());
      ws.close({ code: 1011, reason: "test: daemon unreachable" });
      return;
    }
    ws.connectToServer();
    live.push(ws);
  });

  await g.goto(PAGE());
  const w = await openWidget(g);
  const first = unique("Before the drop");
  await w.input.fill(first);
  await w.input.press("Enter");
  await w.mine.filter({ hasText: first }).locator(".bkx-tick").waitFor();

  // The daemon goes away without the browser going offline (no `offline` event).
  block = true;
  const dropped = Date.now();
  for (const ws of live.splice(0)) {
    await ws.close({ code: 1001, reason: "test: daemon restart" });
  }
  await w.banner.waitFor({ state: "visible" });
  assert.match(await w.banner.textContent(), /Reconnecting/);
  const during = unique("Sent during the outage");
  await w.input.fill(during);
  await w.input.press("Enter");

  // Attempts 1-3 fail: at once, then 2 s and 5 s after the failures.
  while (attempts.length < 3) {
    assert.ok(Date.now() - dropped < 20000, `only ${attempts.length} reconnect attempts in 20 s`);
    await g.waitForTimeout(100);
  }
  block = false; // attempt 4 (10 s later) gets through
  const gaps = [attempts[0] - dropped, attempts[1] - attempts[0], attempts[2] - attempts[1]];
  assert.ok(gaps[0] < 1000, `first retry at once (${gaps[0]} ms)`);
  assert.ok(gaps[1] >= 1700 && gaps[1] < 3500, `second retry after ~2 s (${gaps[1]} ms)`);
  assert.ok(gaps[2] >= 4500 && gaps[2] < 6500, `third retry after ~5 s (${gaps[2]} ms)`);

  const t3 = attempts[2];
  await w.banner.waitFor({ state: "hidden", timeout: 20000 });
  const back = Date.now() - t3;
  assert.ok(back >= 9000 && back < 14000, `fourth retry after ~10 s (${back} ms)`);
  await w.mine.filter({ hasText: during }).locator(".bkx-tick").waitFor();
  assert.equal(await w.mine.filter({ hasText: during }).count(), 1);

  await guest.close();
  await agent.context.close();
});
