#!/usr/bin/env node
// `make conformance`: our vendor clients' requests against the vendors' own OpenAPI
// documents (Intercom REST 2.14, Zendesk Sunshine Conversations), read in place from the
// shared reference folder (never copied into the repository).
//
//   node tests/fakes/conformance/check.mjs <shared-ref-dir>
//
// For each vendor: start its fake, drive the extension's clients through the public PHP API
// (drive-clients.php: Test connection, contacts incl. the 409 path, conversations, agent and
// customer messages, history, data events), then take every request the fake recorded and
// check it against the document: the operation exists for that method and path, the
// `Intercom-Version` header is one the document lists, and the JSON body validates against
// the operation's request schema (an OpenAPI 3.0 subset: $ref, type + nullable, properties,
// required, enum, items, allOf/anyOf/oneOf, additionalProperties). Exits non-zero with every violation listed; a missing document is a failure, not a skip.

import { spawn, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DOCS, load, checkRequest } from "./openapi.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const ref = process.argv[2];
if (!ref || !existsSync(ref)) {
  console.error(`usage: check.mjs <shared-ref-dir> (got ${ref})`);
  process.exit(2);
}

async function startFake(vendor, config) {
  const proc = spawn("node", [path.join(root, "tests/fakes/server.mjs"), "--vendor", vendor, "--config", JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    proc.stdout.once("data", (d) => resolve(d.toString()));
    proc.once("exit", (c) => reject(new Error(`the ${vendor} fake exited (${c})`)));
  });
  return { proc, url: JSON.parse(line).url };
}

const CONFIG = {
  intercom: { access_token: "conf-token", admin_id: "991267459", client_secret: "conf-cs" },
  zendesk: { app_id: "5ebee0975ac5304b664a12fa", key_id: "app_conf", secret: "conf-secret", webhook_secret: "conf-wh" },
};

const db = process.env.BKX_DB_NAME || "bkx_livechat_conformance";
execFileSync("mariadb", ["-h", process.env.BKX_DB_HOST || "127.0.0.1", "-P", process.env.BKX_DB_PORT || "3306", "-u", process.env.BKX_DB_USER || "root", "-e", `CREATE DATABASE IF NOT EXISTS \`${db}\``], {
  env: { ...process.env, MYSQL_PWD: process.env.BKX_DB_PASS || "" },
});

let failures = 0;
for (const vendor of Object.keys(DOCS)) {
  const doc = await load(ref, vendor);
  const fake = await startFake(vendor, CONFIG[vendor]);
  try {
    execFileSync(path.join(root, "scripts/php-ext.sh"), [path.join(here, "drive-clients.php"), vendor, fake.url, JSON.stringify(CONFIG[vendor])], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, BKX_DB_NAME: db },
    });
    const requests = await (await fetch(`${fake.url}/__fake/requests`)).json();
    const seen = new Set();
    for (const r of requests) {
      const { template, problems } = checkRequest(doc, vendor, r);
      if (template) seen.add(`${r.method} ${template}`);
      const line = `${vendor} ${r.method} ${r.path}`;
      if (problems.length) {
        failures += problems.length;
        console.log(`FAIL ${line}\n  ${problems.join("\n  ")}`);
      } else {
        console.log(`ok   ${line}`);
      }
    }
    console.log(`${vendor}: ${requests.length} requests, ${seen.size} operations: ${[...seen].sort().join(", ")}`);
  } finally {
    fake.proc.kill();
  }
}
if (failures) {
  console.error(`${failures} violation(s) of the vendors' OpenAPI documents`);
  process.exit(1);
}
console.log("every request conforms to the vendors' OpenAPI documents");
