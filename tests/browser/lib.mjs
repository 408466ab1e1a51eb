// Shared helpers of the browser tests: the site under test, Debian's chromium through
// playwright-core, logins through wp-login.php, and the widget's shadow-DOM locators.
//
// Environment (the same as tests/e2e):
//   BKX_TEST_URL          base URL of a running WordPress with the plugin active (and bkx-chatd)
//   BKX_TEST_ADMIN_USER   an administrator's login (acts as the agent)
//   BKX_TEST_ADMIN_PASS   its password
//   BKX_TEST_WP_PATH      the WordPress folder (optional; unused by these tests today)
//   BKX_CHROMIUM          the browser binary (default /usr/bin/chromium)
//   BKX_TEST_SCREENSHOTS  a folder to write screenshots into (optional)
//
// Nothing is skipped: a missing variable or browser fails the tests loudly.

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

export const BASE = (process.env.BKX_TEST_URL || "").replace(/\/+$/, "");
export const ADMIN_USER = process.env.BKX_TEST_ADMIN_USER || "";
export const ADMIN_PASS = process.env.BKX_TEST_ADMIN_PASS || "";
export const CHROMIUM = process.env.BKX_CHROMIUM || "/usr/bin/chromium";
export const SHOTS = process.env.BKX_TEST_SCREENSHOTS || "";

/** The sample page scripts/site.sh creates. */
export const PAGE = () => `${BASE}/chat-demo/`;

export function requireEnv() {
  assert.ok(BASE, "BKX_TEST_URL is not set (the URL of a running test site)");
  assert.ok(ADMIN_USER && ADMIN_PASS, "BKX_TEST_ADMIN_USER / BKX_TEST_ADMIN_PASS are not set");
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM} (apt-get install chromium, or set BKX_CHROMIUM)`);
}

export async function launch() {
  requireEnv();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function newContext(browser, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US", ...opts });
  context.setDefaultTimeout(15000);
  return context;
}

/** Logs in through wp-login.php (real cookies, as a person would). */
export async function login(page, user = ADMIN_USER, pass = ADMIN_PASS) {
  // wp-login.php's own scripts (user-profile.js with zxcvbn) load late and may reset the
  // password field after it was filled, so a refused login is tried again (3 times) before
  // failing with WordPress's own error text.
  let error = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.goto(`${BASE}/wp-login.php`, { waitUntil: "load" });
    await page.fill("#user_login", user);
    await page.fill("#user_pass", pass);
    await page.click("#wp-submit");
    await page.waitForLoadState("load");
    if (/\/wp-admin\//.test(page.url())) {
      return;
    }
    error = (await page.locator("#login_error").textContent().catch(() => "")) || page.url();
  }
  assert.fail(`could not log in as ${user}: ${error.trim()}`);
}

/** An agent (the administrator) logged in, on Live Chat → Inbox, connected to the daemon. */
export async function openInbox(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await login(page);
  await page.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat-inbox`);
  await page.locator(".bkx-inbox__conn.is-connected").waitFor();
  return { context, page };
}

/** Locators inside the widget (its shadow root; Playwright's CSS pierces open shadow roots). */
export const widget = (page) => ({
  button: page.locator("#bkx-livechat .bkx-launcher"),
  badge: page.locator("#bkx-livechat .bkx-badge"),
  panel: page.locator("#bkx-livechat #bkx-panel"),
  input: page.locator("#bkx-livechat #bkx-input"),
  consent: page.locator("#bkx-livechat #bkx-consent"),
  banner: page.locator("#bkx-livechat .bkx-banner"),
  typing: page.locator("#bkx-livechat .bkx-typing"),
  mine: page.locator("#bkx-livechat .bkx-me"),
  theirs: page.locator("#bkx-livechat .bkx-them"),
});

/** Opens the widget as a guest and gets past the consent step when the site asks for one. */
export async function openWidget(page) {
  const w = widget(page);
  await w.button.click();
  await w.panel.waitFor({ state: "visible" });
  if (await w.consent.isVisible()) {
    await w.consent.check();
  }
  await assertEnabled(w.input);
  return w;
}

async function assertEnabled(locator) {
  await locator.waitFor({ state: "visible" });
  const deadline = Date.now() + 10000;
  while (await locator.isDisabled()) {
    assert.ok(Date.now() < deadline, "the message box stayed disabled");
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function shot(page, name) {
  if (!SHOTS) {
    return;
  }
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name) });
}

/** A unique text, so assertions never match an earlier run's messages. */
export const unique = (label) => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
