// File sharing from the widget (two steps of the uploads contract: POST /chat/uploads, then a
// file message): progress, the picture in the conversation, the agent's download, and the
// refusals (too large before any request; a type the extension refuses).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, newContext, openInbox, PAGE, openWidget, shot, unique } from "./lib.mjs";

// A valid 8×8 PNG (red).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC",
  "base64",
);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a guest sends a picture; the agent sees and downloads it; refused files say why", { timeout: 120000 }, async () => {
  const agent = await openInbox(browser);
  const a = agent.page;
  const guest = await newContext(browser);
  const g = await guest.newPage();
  await g.goto(PAGE());
  const w = await openWidget(g);

  const config = JSON.parse(await g.locator("#bkx-livechat-config").textContent());
  assert.equal(config.uploads.enabled, true, "the site has the uploads route and file sharing on");
  const attach = g.locator("#bkx-livechat .bkx-composer button[aria-label='Attach a file']");
  assert.ok(await attach.isDisabled(), "no upload before the conversation exists");

  const first = unique("Here is the room");
  await w.input.fill(first);
  await w.input.press("Enter");
  await w.mine.filter({ hasText: first }).locator(".bkx-tick").waitFor();
  assert.ok(!(await attach.isDisabled()));
  const item = a.locator(".bkx-list__item", { hasText: first });
  await item.waitFor();
  const conversationId = await item.getAttribute("data-conversation");
  // The agent has the conversation open: the file must arrive live, without a reload.
  await item.click();

  const input = g.locator("#bkx-livechat .bkx-composer input[type=file]");
  const name = `${unique("room").replace(/\s+/g, "-")}.png`;
  await input.setInputFiles({ name, mimeType: "image/png", buffer: PNG });
  const sent = w.mine.filter({ hasText: name });
  await sent.waitFor();
  await assertImageLoaded(sent.locator(`img[alt="${name}"]`));
  await shot(g, "widget-file.png");

  // Too large: refused in the browser, before any request.
  const uploads = [];
  g.on("request", (r) => r.url().includes("chat/uploads") && uploads.push(r.url()));
  await input.setInputFiles({ name: "big.png", mimeType: "image/png", buffer: Buffer.alloc(config.uploads.max_bytes + 1, 1) });
  await w.banner.filter({ hasText: "File size exceeds limit" }).waitFor();
  assert.deepEqual(uploads, []);

  // A type the extension refuses (judged by content): the widget says so.
  await input.setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<html><script>alert(1)</script></html>") });
  await w.banner.filter({ hasText: "This type of file cannot be sent" }).waitFor();

  // The agent: the file message arrived live; a download that works with its nonce.
  const file = a.locator(".bkx-conv__log .bkx-msg.is-customer .bkx-msg__file", { hasText: name });
  await file.waitFor();
  await assertImageLoaded(file.locator(`img[alt="${name}"]`));
  const href = await file.getAttribute("href");
  assert.match(href, /_wpnonce=/);
  const res = await a.request.get(href);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()["content-type"], "image/png");
  assert.ok((await res.body()).equals(PNG), "the same bytes");
  await shot(a, "inbox-file.png");

  await guest.close();
  await agent.context.close();
});

async function assertImageLoaded(img) {
  await img.waitFor();
  const deadline = Date.now() + 10000;
  for (;;) {
    const w = await img.evaluate((el) => (el.complete ? el.naturalWidth : 0));
    if (w > 0) {
      return;
    }
    assert.ok(Date.now() < deadline, "the picture loads");
    await new Promise((r) => setTimeout(r, 100));
  }
}
