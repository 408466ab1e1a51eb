// The inbox for a Chat Agent (not an administrator): the menu, the capability, a live
// connection, and the status selector.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, login, BASE, shot } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a Chat Agent reaches Live Chat → Inbox (and not the settings), connects and sets a status", { timeout: 90000 }, async () => {
  // A fresh agent, created by the administrator through the REST API.
  const admin = await newContext(browser);
  const ap = await admin.newPage();
  await login(ap);
  const user = `agent${Date.now().toString(36)}`;
  const pass = `pw-${Math.random().toString(36).slice(2)}-Aa1!`;
  await ap.goto(`${BASE}/wp-admin/`);
  await ap.evaluate(
    ({ user, pass }) =>
      window.wp.apiFetch({
        path: "/wp/v2/users",
        method: "POST",
        data: { username: user, email: `${user}@example.test`, password: pass, name: "Agent Browser", roles: ["bkx_chat_agent"] },
      }),
    { user, pass },
  ).catch(async () => {
    // wp.apiFetch is not on every admin screen: use a screen that has it.
    await ap.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat-inbox`);
    return ap.evaluate(
      ({ user, pass }) =>
        window.wp.apiFetch({
          path: "/wp/v2/users",
          method: "POST",
          data: { username: user, email: `${user}@example.test`, password: pass, name: "Agent Browser", roles: ["bkx_chat_agent"] },
        }),
      { user, pass },
    );
  });
  await admin.close();

  const context = await newContext(browser);
  const page = await context.newPage();
  await login(page, user, pass);
  // "Live Chat" leads an agent straight to the inbox, the only entry it can use.
  await page.locator("#adminmenu a.menu-top", { hasText: "Live Chat" }).click();
  await page.waitForURL(/page=bkx-livechat-inbox/);
  const entries = await page.locator("#adminmenu li.wp-has-current-submenu .wp-submenu a").allTextContents();
  assert.deepEqual(entries.map((t) => t.trim()), ["Inbox"], "the agent's Live Chat menu has the inbox only");
  await page.locator(".bkx-inbox__conn.is-connected").waitFor();

  // The status selector talks to the daemon (agent:status).
  await page.locator(".bkx-inbox__status select").selectOption("away");
  await page.waitForTimeout(500);
  assert.equal(await page.locator(".bkx-inbox__status select").inputValue(), "away");
  await shot(page, "inbox-agent.png");

  // The settings screen is the administrators'.
  const res = await page.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat`);
  assert.ok(res.status() === 403 || (await page.content()).includes("not allowed"), "agents cannot open the settings");
  await context.close();
});
