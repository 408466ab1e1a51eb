// The vendor widgets' two-stage loading with identity verification, for the five vendors:
// the platform is chosen and configured on Live Chat → Settings; a visitor's page loads only
// our small loader (nothing from the vendor, no chat request) until the visitor interacts;
// then vendor.js asks the site for the vendor's boot data and loads the vendor's documented
// script, which the test stands in for (page.route) to record how it was booted. Logged in,
// the visitor's identity is signed with the saved secrets (checked here with node:crypto);
// a guest gets none; the page HTML never holds a secret or an identity. Also: the boot route
// is never cached, answers JSON errors, a vendor without its id shows no widget, and a vendor
// script that cannot load leaves our button with the spec's error (and a retry).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { launch, newContext, login, PAGE, BASE, widget } from "./lib.mjs";

let browser;
let admin; // { context, page } of the administrator
let me; // the administrator's WordPress user: { id, email, name }
before(async () => {
  browser = await launch();
  const context = await newContext(browser);
  const page = await context.newPage();
  await login(page);
  admin = { context, page };
  // Who the administrator is, from their profile screen.
  await page.goto(`${BASE}/wp-admin/profile.php`);
  me = {
    id: await page.locator('input[name="user_id"], #user_id').first().inputValue(),
    email: await page.locator("#email").inputValue(),
  };
});
after(async () => {
  if (admin) {
    await save({ platform: "custom" }); // the other browser tests expect the native chat
  }
  await browser?.close();
});

const rand = (p) => p + Math.random().toString(36).slice(2, 12);
const SECRETS = {
  intercom_secret_key: rand("ic-id-"),
  zendesk_jwt_secret: rand("zd-jwt-"),
  drift_identity_secret: rand("dr-id-"),
  tawk_js_api_key: rand("tk-js-").padEnd(40, "x"),
};

/** Each vendor: its settings, the host its script comes from, and what the stand-in records. */
const VENDORS = {
  intercom: {
    settings: { intercom_app_id: "a86dr8yl", intercom_identity_verification: true, intercom_secret_key: SECRETS.intercom_secret_key },
    script: /^https:\/\/widget\.intercom\.io\/widget\/a86dr8yl$/,
    // Intercom's script replays the stub's queue (Intercom.q) and calls onShow/onHide.
    stub: `var q = (window.Intercom.q || []).slice(), on = {};
           var plain = function (a) { return [].slice.call(a).filter(function (x) { return typeof x !== 'function'; }); };
           window.__booted = { settings: window.intercomSettings, queued: q.map(plain) };
           window.Intercom = function (c, f) { (window.__calls = window.__calls || []).push(plain(arguments));
             if (c === 'onShow' || c === 'onHide') on[c] = f;
             if ((c === 'show' || c === 'showNewMessage') && on.onShow) on.onShow();
             if (c === 'hide' && on.onHide) on.onHide(); };
           q.forEach(function (a) { window.Intercom.apply(null, a); });`,
  },
  zendesk: {
    settings: { zendesk_widget_key: "zd-widget-key", zendesk_jwt_key_id: "app_65f1", zendesk_jwt_secret: SECRETS.zendesk_jwt_secret },
    script: /^https:\/\/static\.zdassets\.com\/ekr\/snippet\.js\?key=zd-widget-key$/,
    stub: `window.__booted = { id: document.currentScript && document.currentScript.id };
           window.zE = function () { var a = [].slice.call(arguments);
             if (a[1] === 'loginUser') { a[2](function (jwt) { window.__booted.jwt = jwt; }); a[2] = 'cb'; }
             (window.__calls = window.__calls || []).push(a); };`,
  },
  livechat: {
    settings: { livechat_license: "12345678", livechat_group: "2" },
    script: /^https:\/\/cdn\.livechatinc\.com\/tracking\.js$/,
    // tracking.js takes over the documented stub's queue through its handler (_h).
    stub: `var W = window.LiveChatWidget; window.__booted = { lc: window.__lc, v: W && W._v };
           W._h = function (kind, args) { if (kind === 'call') (window.__calls = window.__calls || []).push(args); };
           W._q.splice(0).forEach(function (n) { W._h.apply(null, n); });`,
  },
  drift: {
    settings: { drift_widget_id: "x7k2m9", drift_identity_secret: SECRETS.drift_identity_secret },
    script: /^https:\/\/js\.driftt\.com\/include\/\d+\/x7k2m9\.js$/,
    stub: `var q = window.drift.slice(); window.__booted = { queued: q };
           window.drift = { on: function (ev, f) { if (ev === 'ready') f({ openChat: function () { (window.__calls = window.__calls || []).push(['openChat']); } }); } };
           q.forEach(function (c) { if (c[0] === 'on') window.drift.on(c[1], c[2]); });`,
  },
  tawk: {
    settings: { tawk_property_id: "5f1b2c3d", tawk_widget_id: "1abcd", tawk_js_api_key: SECRETS.tawk_js_api_key },
    script: /^https:\/\/embed\.tawk\.to\/5f1b2c3d\/1abcd$/,
    stub: `var me = document.currentScript;
           window.__booted = { visitor: window.Tawk_API.visitor || null, loadStart: window.Tawk_LoadStart instanceof Date,
                               crossorigin: me && me.getAttribute('crossorigin'), charset: me && me.getAttribute('charset') };
           window.Tawk_API.maximize = function () { (window.__calls = window.__calls || []).push(['maximize']); };`,
  },
};
const VENDOR_HOSTS = /intercom\.io|zdassets\.com|livechatinc\.com|driftt\.com|tawk\.to/;

/** Saves settings on Live Chat → Settings, as the administrator does. */
async function save(values) {
  const page = admin.page;
  await page.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat`);
  for (const [key, value] of Object.entries(values)) {
    const field = page.locator(`[name="bkx_livechat_settings[${key}]"]`).first();
    const tag = await field.evaluate((el) => (el.tagName === "INPUT" ? el.type : el.tagName.toLowerCase()));
    if (tag === "select") await field.selectOption(String(value));
    else if (tag === "checkbox") await field.setChecked(Boolean(value));
    else await field.fill(String(value));
  }
  await Promise.all([page.waitForURL(/settings-updated=true/), page.locator('form[action*="options.php"] [type="submit"]').first().click()]);
}

/**
 * A visitor's page with the vendor's script stood in for; records every request and the boot
 * route's answers. `fail`: the vendor's script cannot be loaded while it returns true.
 */
async function visit(context, vendor, fail = () => false) {
  const page = await context.newPage();
  const requests = [];
  const boots = []; // responses of GET /chat/platform-widget
  page.on("request", (r) => requests.push(r.url()));
  page.on("response", (r) => /platform-widget/.test(r.url()) && boots.push(r));
  await page.route(VENDOR_HOSTS, (route) => {
    const ok = VENDORS[vendor].script.test(route.request().url());
    if (ok && fail()) return route.abort("connectionrefused");
    return route.fulfill({ status: ok ? 200 : 404, contentType: "application/javascript", body: ok ? VENDORS[vendor].stub : "" });
  });
  const response = await page.goto(PAGE(), { waitUntil: "load" });
  return { page, requests, boots, html: await response.text() };
}

/** GET /chat/platform-widget outside a page: status, Cache-Control and JSON body. */
async function bootRoute(context) {
  const r = await context.request.get(`${BASE}/?rest_route=/bookingx/v1/chat/platform-widget`);
  return { status: r.status(), cache: r.headers()["cache-control"] || "", body: await r.json() };
}

const b64json = (s) => JSON.parse(Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
function verifyJwt(jwt, secret) {
  const [h, c, sig] = jwt.split(".");
  assert.equal(createHmac("sha256", secret).update(`${h}.${c}`).digest("base64url"), sig, "the JWT is signed with the saved secret");
  return [b64json(h), b64json(c)];
}

for (const vendor of Object.keys(VENDORS)) {
  test(`${vendor}: nothing before interaction, then the vendor's widget with a verified identity`, async () => {
    await save({ platform: vendor, ...VENDORS[vendor].settings });

    // A guest.
    const guest = await newContext(browser);
    const g = await visit(guest, vendor);
    const w = widget(g.page);
    await w.button.waitFor({ state: "visible" });
    await g.page.waitForTimeout(1500);
    assert.deepEqual(g.requests.filter((u) => VENDOR_HOSTS.test(u)), [], "no vendor request before interaction");
    assert.deepEqual(g.requests.filter((u) => /rest_route=|\/wp-json\/|vendor\.js/.test(u)), [], "no chat request before interaction");
    for (const s of Object.values(SECRETS)) assert.ok(!g.html.includes(s), "no secret in the page");
    await w.button.click();
    await g.page.waitForFunction(() => window.__booted, null, { timeout: 10000 });
    assert.ok(g.requests.some((u) => u.includes("assets/dist/vendor.js")), "vendor.js, the second stage");
    assert.ok(g.requests.some((u) => /platform-widget/.test(u)), "the boot data came from the site");
    const vendorRequests = g.requests.filter((u) => VENDOR_HOSTS.test(u));
    assert.equal(vendorRequests.length, 1, "one request to the vendor: its script");
    assert.match(vendorRequests[0], VENDORS[vendor].script);
    assert.equal(g.boots.length, 1);
    assert.equal(g.boots[0].headers()["cache-control"], "no-store, private", "the boot data is never cached");
    assert.equal((await g.boots[0].json()).identity, undefined, "a guest gets no identity");
    const booted = await g.page.evaluate(() => window.__booted);
    if (vendor === "intercom") {
      assert.equal(booted.settings.app_id, "a86dr8yl");
      assert.equal(booted.settings.api_base, "https://api-iam.intercom.io");
      assert.equal(booted.settings.hide_default_launcher, true, "Intercom's own launcher is hidden: ours opens it");
      assert.equal(booted.settings.user_hash, undefined, "a guest has no identity");
      assert.equal(booted.settings.user_id, undefined);
      // Queued before Intercom's script ran, or called after: either way the click opened it.
      await g.page.waitForFunction(() => window.__booted.queued.concat(window.__calls || []).some((c) => c[0] === "show"));
      // Our button stays the launcher and toggles the messenger.
      await w.button.waitFor({ state: "visible" });
      assert.equal(await w.button.getAttribute("aria-expanded"), "true");
      await w.button.click();
      await g.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "hide"));
      assert.equal(await w.button.getAttribute("aria-expanded"), "false");
    } else if (vendor === "zendesk") {
      assert.equal(booted.id, "ze-snippet", "the snippet is found by its id");
      assert.equal(booted.jwt, undefined);
      await g.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "messenger" && c[1] === "open"));
    } else if (vendor === "livechat") {
      assert.deepEqual(booted.lc, { license: 12345678, group: 2 });
      assert.equal(booted.v, "2.0", "the documented LiveChatWidget stub was in place");
      await g.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "maximize"));
      const calls = await g.page.evaluate(() => window.__calls);
      assert.ok(!calls.some((c) => /^set_customer/.test(c[0])), "a guest is not named");
    } else if (vendor === "drift") {
      assert.ok(!booted.queued.some((c) => c[0] === "identify"), "a guest is not identified");
      // The include URL's 5-minute bucket, as Drift's snippet computes it.
      const bucket = Number(vendorRequests[0].match(/include\/(\d+)\//)[1]);
      assert.equal(bucket % 300000, 0);
      assert.ok(bucket >= Date.now() - 60000 && bucket <= Date.now() + 360000, "the current bucket");
      await g.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "openChat"));
    } else if (vendor === "tawk") {
      assert.equal(booted.visitor, null);
      assert.equal(booted.loadStart, true, "Tawk_LoadStart set before the script");
      assert.equal(booted.crossorigin, "*");
      assert.equal(booted.charset, "UTF-8");
      await g.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "maximize"));
    }
    if (vendor !== "intercom") await w.button.waitFor({ state: "hidden" }); // the vendor shows its own launcher now
    await guest.close();

    // The administrator, logged in: the identity is signed with the saved secret.
    const u = await visit(admin.context, vendor);
    for (const s of Object.values(SECRETS)) assert.ok(!u.html.includes(s), "no secret in the page");
    assert.ok(!u.html.includes(me.email), "no identity printed into the page");
    await widget(u.page).button.click();
    await u.page.waitForFunction(() => window.__booted, null, { timeout: 10000 });
    assert.ok(u.requests.some((r) => r.includes("action=rest-nonce")), "the REST nonce came from core's Ajax action");
    assert.equal(u.boots[0].headers()["cache-control"], "no-store, private", "not even core's logged-in no-cache");
    const identity = (await u.boots[0].json()).identity;
    assert.ok(identity, "a logged-in visitor gets an identity");
    const leaves = (v) => (v && typeof v === "object" ? Object.values(v).flatMap(leaves) : [String(v)]);
    for (const s of leaves(identity).filter((s) => s.length >= 20)) assert.ok(!u.html.includes(s), "no signed identity in the page");
    if (vendor === "zendesk") await u.page.waitForFunction(() => window.__booted.jwt, null, { timeout: 10000 });
    const id = await u.page.evaluate(() => window.__booted);
    if (vendor === "intercom") {
      assert.equal(id.settings.user_id, me.id);
      assert.equal(id.settings.user_hash, createHmac("sha256", SECRETS.intercom_secret_key).update(me.id).digest("hex"));
    } else if (vendor === "zendesk") {
      const [header, claims] = verifyJwt(id.jwt, SECRETS.zendesk_jwt_secret);
      assert.equal(header.kid, "app_65f1");
      assert.equal(claims.external_id, me.id);
      assert.equal(claims.scope, "user");
    } else if (vendor === "livechat") {
      await u.page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "set_customer_email"));
      const calls = await u.page.evaluate(() => window.__calls);
      assert.deepEqual(calls.find((c) => c[0] === "set_customer_email"), ["set_customer_email", me.email]);
    } else if (vendor === "drift") {
      const identify = id.queued.find((c) => c[0] === "identify");
      assert.equal(identify[1], me.id);
      const [, claims] = verifyJwt(identify[3].userJwt, SECRETS.drift_identity_secret);
      assert.equal(claims.sub, me.id);
    } else if (vendor === "tawk") {
      assert.equal(id.visitor.email, me.email);
      assert.equal(id.visitor.hash, createHmac("sha256", SECRETS.tawk_js_api_key).update(me.email).digest("hex"));
    }
    await u.page.close();
  });
}

test("a proactive prompt accepted on a vendor platform opens the vendor with its message", async () => {
  await save({ platform: "intercom", ...VENDORS.intercom.settings });
  const context = await newContext(browser);
  const { page } = await visit(context, "intercom");
  await widget(page).button.waitFor({ state: "visible" });
  // What a fired trigger does (the trigger tests cover the sensors and the engine).
  await page.evaluate(() => window.BKXLiveChat.prompt("Need a hand choosing a massage?", { rule_id: 1, variant: "A" }));
  await page.locator("#bkx-livechat .bkx-accept").click();
  await page.waitForFunction(() => window.__booted, null, { timeout: 10000 });
  const booted = await page.evaluate(() => window.__booted);
  assert.ok(
    booted.queued.some((c) => c[0] === "showNewMessage" && c[1] === "Need a hand choosing a massage?"),
    "Intercom opens a new message with the prompt's text",
  );
  await context.close();
});

test("the settings screen refuses a vendor id that could break out of the script URL", async () => {
  await save({ platform: "intercom", intercom_app_id: "good1" });
  await save({ intercom_app_id: 'x"><script>alert(1)</script>' });
  await admin.page.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat`);
  assert.equal(await admin.page.locator('[name="bkx_livechat_settings[intercom_app_id]"]').inputValue(), "good1", "the bad id was not saved");
});

test("a vendor script that cannot load: our button stays with the spec's error, and the next click retries", async () => {
  await save({ platform: "zendesk", ...VENDORS.zendesk.settings });
  const context = await newContext(browser);
  let down = true;
  const { page, requests } = await visit(context, "zendesk", () => down);
  const w = widget(page);
  await w.button.click();
  const status = page.locator("#bkx-livechat .bkx-prompt p");
  await status.waitFor({ state: "visible", timeout: 10000 });
  assert.equal(await status.textContent(), "Chat service temporarily unavailable.");
  assert.equal(await w.button.getAttribute("title"), "Chat service temporarily unavailable.");
  assert.ok(await w.button.isVisible(), "our button is still there");
  assert.ok(!(await page.locator("#bkx-livechat .bkx-accept").isVisible()), "nothing to accept in an error");
  // The vendor is back: the next click boots it.
  down = false;
  await w.button.click();
  await page.waitForFunction(() => window.__booted, null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.querySelectorAll("script#ze-snippet").length), 1, "the failed script was removed");
  await page.waitForFunction(() => (window.__calls || []).some((c) => c[0] === "messenger" && c[1] === "open"));
  await w.button.waitFor({ state: "hidden" });
  assert.equal(requests.filter((u) => /platform-widget/.test(u)).length, 2);
  await context.close();
});

test("a vendor without its widget id shows no widget; the boot route answers JSON errors", async () => {
  const guest = await newContext(browser);
  await save({ platform: "zendesk", zendesk_widget_key: "" });
  const { page, html } = await visit(guest, "zendesk");
  assert.ok(!html.includes("bkx-livechat-config"), "no widget configuration in the page");
  assert.equal(await page.locator("#bkx-livechat").count(), 0, "no widget");
  let r = await bootRoute(guest);
  assert.equal(r.status, 400, "the missing id is an invalid argument");
  assert.equal(r.body.code, "invalid_argument");
  assert.match(r.cache, /no-store/);

  await save({ platform: "custom" });
  r = await bootRoute(guest);
  assert.equal(r.status, 404, "the native chat has no vendor widget");
  assert.equal(r.body.code, "not_found");
  assert.match(r.cache, /no-store/);
  await guest.close();
});
