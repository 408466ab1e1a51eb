// The loader on a page: no cookie, no storage and no request before the visitor interacts;
// a configuration that is the same for every visitor (cache-safe); a keyboard-usable button;
// the consent step before any chat request.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, login, PAGE, BASE, widget, shot } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Requests that belong to the chat (anything but the page itself, core and theme files). */
const chatRequest = (url) =>
  /\/wp-json\/|rest_route=|admin-ajax\.php|socket\.io|\/presence|assets\/dist\/chat\.js/.test(url) ||
  !url.startsWith(BASE);

test("the loader sets no cookie, stores nothing and requests nothing before interaction", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const requests = [];
  let loaded = false;
  const afterLoad = [];
  page.on("request", (r) => {
    requests.push(r.url());
    if (loaded) {
      afterLoad.push(r.url());
    }
  });
  await page.goto(PAGE(), { waitUntil: "load" });
  loaded = true;
  const w = widget(page);
  await w.button.waitFor({ state: "visible" });
  // Give a misbehaving loader time to phone home.
  await page.waitForTimeout(2500);
  await shot(page, "widget-closed.png");

  const plugin = requests.filter((u) => u.includes("/plugins/bookingx-live-chat/"));
  assert.deepEqual(
    plugin.map((u) => u.replace(/\?.*$/, "").replace(/^.*\/plugins\//, "")),
    ["bookingx-live-chat/assets/dist/loader.js"],
    "the only file of the plugin on a page is the loader",
  );
  assert.deepEqual(requests.filter(chatRequest), [], "no chat request before interaction");
  assert.deepEqual(afterLoad, [], "nothing at all is requested after the load event");
  assert.deepEqual(await context.cookies(), [], "no cookie");
  const storage = await page.evaluate(() => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
  }));
  assert.deepEqual(storage, { cookie: "", local: 0, session: 0 }, "no script-visible cookie, no storage");
  await context.close();
});

test("a proactive prompt slides in without any request; accepting it opens the chat", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const requests = [];
  await page.goto(PAGE(), { waitUntil: "load" });
  page.on("request", (r) => requests.push(r.url()));
  const w = widget(page);
  await w.button.waitFor({ state: "visible" });
  await page.evaluate(() => window.BKXLiveChat.prompt("Need a hand with your booking?"));
  const bubble = page.locator("#bkx-livechat .bkx-prompt");
  await bubble.waitFor({ state: "visible" });
  assert.match(await bubble.textContent(), /Need a hand with your booking\?/);
  await page.waitForTimeout(500);
  assert.deepEqual(requests, [], "showing a prompt requests nothing");
  await shot(page, "widget-prompt.png");
  await page.locator("#bkx-livechat .bkx-accept").click();
  await w.panel.waitFor({ state: "visible" });
  await bubble.waitFor({ state: "hidden" });
  await context.close();
});

test("the button is reachable and usable with the keyboard; Escape closes and returns focus", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(PAGE(), { waitUntil: "load" });
  const w = widget(page);
  await w.button.waitFor({ state: "visible" });
  assert.equal(await w.button.getAttribute("aria-label"), "Open chat");
  assert.equal(await w.button.getAttribute("aria-expanded"), "false");

  // Tab through the page until the launcher has focus.
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => {
      const host = document.getElementById("bkx-livechat");
      return document.activeElement === host && host.shadowRoot.activeElement?.classList.contains("bkx-launcher");
    });
  }
  assert.ok(reached, "Tab reaches the chat button");

  await page.keyboard.press("Enter");
  await w.panel.waitFor({ state: "visible" });
  assert.equal(await w.button.getAttribute("aria-expanded"), "true");
  assert.equal(await w.panel.getAttribute("role"), "dialog");
  assert.equal(await page.locator("#bkx-livechat .bkx-log").getAttribute("role"), "log");
  const focusInside = await page.evaluate(() => document.getElementById("bkx-livechat").shadowRoot.activeElement?.id);
  assert.ok(["bkx-consent", "bkx-input", "bkx-off-name"].includes(focusInside), `focus moved into the panel (${focusInside})`);

  await page.keyboard.press("Escape");
  await w.panel.waitFor({ state: "hidden" });
  const back = await page.evaluate(() => document.getElementById("bkx-livechat").shadowRoot.activeElement?.className);
  assert.equal(back, "bkx-launcher", "focus returns to the button");
  await context.close();
});

test("with the consent step, opening the chat requests nothing from the chat until consent", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(PAGE(), { waitUntil: "load" });
  const w = widget(page);
  await w.button.click();
  await w.panel.waitFor({ state: "visible" });
  const config = JSON.parse(await page.locator("#bkx-livechat-config").textContent());
  if (!config.gdpr) {
    await context.close();
    assert.fail("the test site has gdpr_compliance off; this test needs the default (on)");
  }
  await page.waitForTimeout(1000);
  await shot(page, "widget-consent.png");
  assert.ok(await w.consent.isVisible(), "the consent box is shown");
  assert.ok(await w.input.isDisabled(), "no message before consent");
  assert.deepEqual(
    requests.filter((u) => /\/wp-json\/|rest_route=|socket\.io|\/presence/.test(u)),
    [],
    "no REST or daemon request before consent",
  );
  assert.deepEqual(await context.cookies(), [], "no cookie before consent");
  await w.consent.check();
  await page.waitForResponse((r) => r.url().includes("chat/token"));
  assert.ok((await context.cookies()).some((c) => c.name === "bkx_chat_visitor" && c.httpOnly), "the visitor cookie comes with consent");
  await context.close();
});

test("the inline configuration is the same for every visitor and matches GET /chat/widget-config", async () => {
  const guest = await newContext(browser);
  const guestPage = await guest.newPage();
  await guestPage.goto(PAGE());
  const guestConfig = await guestPage.locator("#bkx-livechat-config").textContent();

  const admin = await newContext(browser);
  const adminPage = await admin.newPage();
  await login(adminPage);
  await adminPage.goto(PAGE());
  const adminConfig = await adminPage.locator("#bkx-livechat-config").textContent();
  assert.equal(adminConfig, guestConfig, "nothing user-specific in the page's configuration");

  // A logged-in agent on the front end is told to use the inbox; its widget never connects
  // (it would count as an online agent).
  const sockets = [];
  adminPage.on("websocket", (ws) => sockets.push(ws.url()));
  const w = widget(adminPage);
  await w.button.click();
  await w.panel.waitFor({ state: "visible" });
  if (await w.consent.isVisible()) {
    await w.consent.check();
  }
  await w.banner.filter({ hasText: "Inbox" }).waitFor();
  assert.ok(await w.input.isDisabled());
  assert.deepEqual(sockets, []);
  assert.doesNotMatch(guestConfig, /nonce|visitor_id|token/i);

  const res = await guest.request.get(`${BASE}/wp-json/bookingx/v1/chat/widget-config`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["cache-control"] || "", /public/);
  assert.equal(res.headers()["x-bkx-chat-nonce"], undefined);
  assert.deepEqual(await res.json(), JSON.parse(guestConfig));
  await guest.close();
  await admin.close();
});
