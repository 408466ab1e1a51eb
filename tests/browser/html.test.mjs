// The front end's own HTML filter (assets/src/shared/html.js), the second line of defence
// behind the server's sanitiser: every payload of the end-to-end XSS corpus, fed to it raw
// (as if the server had let it through), must come out as inert, allowed markup only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launch, newContext, PAGE, BASE } from "./lib.mjs";

const corpus = readFileSync(new URL("../e2e/fixtures/xss-payloads.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.startsWith("## "));

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("safeFragment keeps only the sanitiser's tags and safe links for every XSS payload", async () => {
  assert.ok(corpus.length > 50, "the corpus was read");
  const context = await newContext(browser);
  const page = await context.newPage();
  let alerted = false;
  page.on("dialog", async (d) => {
    alerted = true;
    await d.dismiss();
  });
  await page.goto(PAGE());
  const src = `${BASE}/wp-content/plugins/bookingx-live-chat/assets/src/shared/html.js`;
  const problems = await page.evaluate(
    async ({ src, corpus }) => {
      const { safeFragment } = await import(src);
      const allowed = new Set(["B", "STRONG", "I", "EM", "U", "S", "CODE", "PRE", "BR", "P", "A", "BLOCKQUOTE", "UL", "OL", "LI"]);
      const out = [];
      const sink = document.createElement("div");
      document.body.appendChild(sink);
      for (const payload of corpus) {
        sink.replaceChildren(safeFragment(payload));
        for (const el of sink.querySelectorAll("*")) {
          if (!allowed.has(el.tagName)) {
            out.push(`${payload} -> <${el.tagName}>`);
          }
          for (const attr of el.attributes) {
            const ok = el.tagName === "A" && ["href", "target", "rel"].includes(attr.name);
            if (!ok) {
              out.push(`${payload} -> ${el.tagName}[${attr.name}]`);
            }
            if (attr.name === "href" && !/^(https?:|mailto:)/i.test(attr.value)) {
              out.push(`${payload} -> href=${attr.value}`);
            }
          }
        }
      }
      // Plain text and the allowed formatting survive.
      sink.replaceChildren(safeFragment('<p>Book <strong>Friday</strong> <a href="https://example.com/b">here</a></p>'));
      if (sink.innerHTML !== '<p>Book <strong>Friday</strong> <a href="https://example.com/b" target="_blank" rel="nofollow noopener noreferrer">here</a></p>') {
        out.push("allowed markup changed: " + sink.innerHTML);
      }
      sink.remove();
      return out;
    },
    { src, corpus },
  );
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  assert.equal(alerted, false, "no payload ran");
  await context.close();
});
