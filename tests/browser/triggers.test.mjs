// Proactive triggers in a real browser: the loader's sensors (time on page, exit intent,
// hesitation on the booking form) pre-filter the rules of the cached widget config, make ONE
// POST /chat/triggers/evaluate, show the slide-in prompt and record impression / accept /
// dismiss through /chat/triggers/events; nothing is requested before a rule fires.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, login, openInbox, PAGE, BASE, widget, shot } from "./lib.mjs";
import { adminRest, bookingPage, chooseServiceAndDay, setBusinessHours } from "./booking-lib.mjs";

const NS = "/bookingx/v1";
let browser;
let admin;
const created = [];

before(async () => {
  browser = await launch();
  const context = await newContext(browser);
  admin = await context.newPage();
  await login(admin);
  // Open now (the default hours are New York's office hours) ...
  await setBusinessHours(admin, false);
  // ... and an agent is online (the inbox connects to bkx-chatd): prompts may promise a live answer.
  await admin.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat-inbox`);
  await admin.locator(".bkx-inbox__conn.is-connected").waitFor();
  // Only this file's rules are active while it runs.
  const existing = await adminRest(admin, "GET", `${NS}/chat/triggers`);
  for (const rule of Array.isArray(existing) ? existing : existing.rules || []) {
    if (rule.is_active) {
      await adminRest(admin, "PUT", `${NS}/chat/triggers/${rule.id}`, { is_active: false });
    }
  }
});
after(async () => {
  for (const id of created) {
    await adminRest(admin, "DELETE", `${NS}/chat/triggers/${id}`).catch(() => {});
  }
  await setBusinessHours(admin, true);
  await browser?.close();
});

async function rule(fields) {
  const r = await adminRest(admin, "POST", `${NS}/chat/triggers`, { name: `browser ${fields.trigger_type}`, priority: 10, is_active: true, conditions: {}, ...fields });
  created.push(r.id);
  return r;
}
async function only(id) {
  for (const other of created) {
    await adminRest(admin, "PUT", `${NS}/chat/triggers/${other}`, { is_active: other === id });
  }
}

/** Records the trigger requests of a page: [{route, body}]. */
function recorder(page) {
  const seen = [];
  page.on("request", (r) => {
    const m = r.url().match(/chat\/triggers\/(evaluate|events)/);
    if (m) {
      seen.push({ route: m[1], body: JSON.parse(r.postData() || "{}") });
    }
  });
  return seen;
}

async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    assert.ok(Date.now() < end, what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("time on page: nothing before the delay, one evaluate, the prompt, accept opens the chat", async () => {
  const r = await rule({ trigger_type: "time_on_page", delay_seconds: 3, message: "Questions about our services?" });
  await only(r.id);
  const context = await newContext(browser);
  const page = await context.newPage();
  const seen = recorder(page);
  await page.goto(PAGE());
  await page.waitForTimeout(1500);
  assert.deepEqual(seen, [], "nothing requested before the rule's delay");
  assert.deepEqual(await context.cookies(), [], "no cookie before a trigger fires");
  const bubble = page.locator("#bkx-livechat .bkx-prompt");
  await bubble.waitFor({ state: "visible" });
  assert.match(await bubble.textContent(), /Questions about our services\?/);
  const evaluations = seen.filter((s) => s.route === "evaluate");
  assert.equal(evaluations.length, 1, "one evaluate call");
  assert.deepEqual(evaluations[0].body.rule_ids, [r.id]);
  assert.equal(evaluations[0].body.visitor.event, "time_on_page");
  assert.ok(evaluations[0].body.visitor.time_on_page >= 3);
  await until(() => seen.some((s) => s.route === "events" && s.body.event === "impression"), "impression recorded");
  await shot(page, "trigger-time-on-page.png");
  await page.locator("#bkx-livechat .bkx-accept").click();
  await widget(page).panel.waitFor({ state: "visible" });
  await until(() => seen.some((s) => s.route === "events" && s.body.event === "accept" && s.body.rule_id === r.id), "accept recorded");
  await context.close();
});

test("the device is told apart: desktop, phone and tablet (a touch screen wider than a phone)", async () => {
  const r = await rule({ trigger_type: "time_on_page", delay_seconds: 1, message: "Hello from the device test" });
  await only(r.id);
  const devices = [
    ["desktop", {}],
    ["mobile", { viewport: { width: 390, height: 800 }, hasTouch: true, isMobile: true }],
    ["tablet", { viewport: { width: 1024, height: 1366 }, hasTouch: true, isMobile: true }],
  ];
  for (const [expected, opts] of devices) {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    const seen = recorder(page);
    await page.goto(PAGE());
    await until(() => seen.some((s) => s.route === "evaluate"), `an evaluate call (${expected})`);
    assert.equal(seen.find((s) => s.route === "evaluate").body.visitor.device, expected);
    await context.close();
  }
});

test("exit intent: the pointer leaving through the top shows the prompt; dismiss is recorded", async () => {
  const r = await rule({ trigger_type: "exit_intent", delay_seconds: 0, message: "Leaving already? We can help." });
  await only(r.id);
  const context = await newContext(browser);
  const page = await context.newPage();
  const seen = recorder(page);
  await page.goto(PAGE());
  await page.mouse.move(600, 300);
  await page.waitForTimeout(1000);
  assert.deepEqual(seen, [], "moving inside the page fires nothing");
  // The pointer leaves the window through its top edge.
  await page.evaluate(() => document.documentElement.dispatchEvent(new MouseEvent("mouseout", { bubbles: true, clientX: 600, clientY: -1, relatedTarget: null })));
  const bubble = page.locator("#bkx-livechat .bkx-prompt");
  await bubble.waitFor({ state: "visible" });
  assert.match(await bubble.textContent(), /Leaving already\?/);
  assert.equal(seen.filter((s) => s.route === "evaluate").length, 1);
  assert.equal(seen.find((s) => s.route === "evaluate").body.visitor.event, "exit_intent");
  await page.locator("#bkx-livechat .bkx-dismiss").click();
  await bubble.waitFor({ state: "hidden" });
  await until(() => seen.some((s) => s.route === "events" && s.body.event === "dismiss"), "dismiss recorded");
  await context.close();
});

test("booking hesitation: idle on the date step shows the prompt; with nobody online, accepting it returns to the booking form", async () => {
  const r = await rule({ trigger_type: "booking_hesitation", delay_seconds: 4, message: "Not sure which time suits you?" });
  await only(r.id);
  // The agent of this file leaves the inbox (nobody online); the site caches who is online
  // for 5 seconds.
  await admin.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat`);
  try {
    await hesitateWithNobodyOnline();
  } finally {
    await admin.goto(`${BASE}/wp-admin/admin.php?page=bkx-livechat-inbox`);
    await admin.locator(".bkx-inbox__conn.is-connected").waitFor();
  }
});

async function hesitateWithNobodyOnline() {
  await new Promise((res) => setTimeout(res, 5500));
  const context = await newContext(browser);
  const page = await context.newPage();
  const seen = recorder(page);
  const decisions = [];
  page.on("response", async (res) => {
    if (/chat\/triggers\/evaluate/.test(res.url())) decisions.push(await res.json().catch(() => null));
  });
  await bookingPage(page);
  await chooseServiceAndDay(page, "Massage");
  const bubble = page.locator("#bkx-livechat .bkx-prompt");
  await bubble.waitFor({ state: "visible", timeout: 20000 });
  const evaluation = seen.find((s) => s.route === "evaluate");
  assert.equal(evaluation.body.visitor.event, "booking_hesitation");
  assert.equal(evaluation.body.visitor.booking_step, 2);
  assert.ok(evaluation.body.visitor.service_id > 0);
  // Idle for the rule's delay — or sooner, when the visitor kept changing the date.
  assert.ok(evaluation.body.visitor.idle_seconds >= 4 || evaluation.body.visitor.time_on_page > 0);
  await shot(page, "trigger-hesitation.png");
  await until(() => decisions.length > 0, "the decision arrived");
  await page.locator("#bkx-livechat .bkx-accept").click();
  // Nobody can answer now (no agent is online in this test): the prompt offers the booking,
  // so accepting it goes back to the booking form instead of a chat nobody would answer.
  assert.equal(decisions[0].action, "booking", JSON.stringify(decisions[0]));
  await until(() => page.evaluate(() => !!document.activeElement?.closest(".bkx-booking-form")), "the booking form has the focus");
  assert.equal(await widget(page).panel.isVisible(), false, "no chat panel");
  await context.close();
}

test("booking hesitation with an agent online: the prompt opens the chat", async () => {
  const r = await rule({ trigger_type: "booking_hesitation", delay_seconds: 2, message: "Can I help you pick a time?" });
  await only(r.id);
  const inbox = await openInbox(browser); // an agent online
  // The site caches who is online for 5 seconds.
  await new Promise((r) => setTimeout(r, 5500));
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    const decisions = [];
    page.on("response", async (res) => {
      if (/chat\/triggers\/evaluate/.test(res.url())) decisions.push(await res.json().catch(() => null));
    });
    await bookingPage(page);
    await chooseServiceAndDay(page, "Massage");
    await page.locator("#bkx-livechat .bkx-prompt").waitFor({ state: "visible", timeout: 20000 });
    await until(() => decisions.length > 0, "the decision arrived");
    assert.equal(decisions[0].action, "chat", JSON.stringify(decisions[0]));
    await page.locator("#bkx-livechat .bkx-accept").click();
    await widget(page).panel.waitFor({ state: "visible" });
    await context.close();
  } finally {
    await inbox.context.close();
  }
});
