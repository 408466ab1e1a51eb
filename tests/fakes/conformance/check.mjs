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
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const ref = process.argv[2];
if (!ref || !existsSync(ref)) {
  console.error(`usage: check.mjs <shared-ref-dir> (got ${ref})`);
  process.exit(2);
}

const DOCS = {
  intercom: { file: "openapi/intercom-2.14/api.intercom.io.yaml", strip: "" },
  zendesk: { file: "openapi/zendesk-sunshine/openapi.yaml", strip: "/sc" },
};

function load(vendor) {
  const file = path.join(ref, DOCS[vendor].file);
  if (!existsSync(file)) throw new Error(`missing ${file}`);
  return parse(readFileSync(file, "utf8"), { maxAliasCount: -1 });
}

/** The document's operation for a method and a concrete path, with its path template. */
function operation(doc, method, p) {
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
    if (re.test(p) && item[method.toLowerCase()]) return { template, op: item[method.toLowerCase()] };
  }
  return null;
}

function resolve(doc, s) {
  let seen = 0;
  while (s && s.$ref) {
    if (++seen > 50) throw new Error(`$ref loop at ${s.$ref}`);
    s = s.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  }
  return s;
}

/** Violations of `value` against `schema` (empty when valid). */
function validate(doc, schema, value, at = "$", depth = 0) {
  const s = resolve(doc, schema);
  if (!s || depth > 40) return [];
  if (value === null) return s.nullable || s.type === undefined ? [] : [`${at}: null is not allowed`];
  const errs = [];
  if (s.allOf) for (const x of s.allOf) errs.push(...validate(doc, x, value, at, depth + 1));
  for (const key of ["anyOf", "oneOf"]) {
    if (s[key]) {
      const results = s[key].map((x) => validate(doc, x, value, at, depth + 1));
      if (!results.some((r) => r.length === 0)) {
        errs.push(`${at}: matches none of ${key} (${results.map((r) => r[0]).join(" | ")})`);
      }
    }
  }
  const t = s.type;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (t && !(t === actual || (t === "number" && actual === "integer"))) {
    return [...errs, `${at}: expected ${t}, got ${actual} (${JSON.stringify(value).slice(0, 60)})`];
  }
  if (s.enum && !s.enum.includes(value)) errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (actual === "object" && (t === "object" || s.properties)) {
    for (const r of s.required ?? []) if (!(r in value)) errs.push(`${at}: missing required ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (s.properties?.[k]) errs.push(...validate(doc, s.properties[k], v, `${at}.${k}`, depth + 1));
      else if (s.additionalProperties === false) errs.push(`${at}: unexpected property ${k}`);
      else if (typeof s.additionalProperties === "object") errs.push(...validate(doc, s.additionalProperties, v, `${at}.${k}`, depth + 1));
    }
  }
  if (actual === "array" && s.items) value.forEach((v, i) => errs.push(...validate(doc, s.items, v, `${at}[${i}]`, depth + 1)));
  return errs;
}

function headerEnum(doc, op, name) {
  const p = (op.parameters ?? []).map((x) => resolve(doc, x)).find((x) => x.in === "header" && x.name.toLowerCase() === name);
  return p ? resolve(doc, p.schema)?.enum ?? null : null;
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
  const doc = load(vendor);
  const fake = await startFake(vendor, CONFIG[vendor]);
  try {
    execFileSync(path.join(root, "scripts/php-ext.sh"), [path.join(here, "drive-clients.php"), vendor, fake.url, JSON.stringify(CONFIG[vendor])], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, BKX_DB_NAME: db },
    });
    const requests = await (await fetch(`${fake.url}/__fake/requests`)).json();
    const seen = new Set();
    for (const r of requests) {
      const p = r.path.slice(DOCS[vendor].strip.length);
      const found = operation(doc, r.method, p);
      const problems = [];
      if (!found) {
        problems.push("no such operation in the document");
      } else {
        seen.add(`${r.method} ${found.template}`);
        const versions = headerEnum(doc, found.op, "intercom-version");
        if (versions && !versions.includes(r.headers["intercom-version"])) {
          problems.push(`Intercom-Version ${r.headers["intercom-version"]} is not one of the document's`);
        }
        const schema = found.op.requestBody && resolve(doc, found.op.requestBody)?.content?.["application/json"]?.schema;
        if (schema) problems.push(...validate(doc, schema, r.body === "" ? undefined : r.body));
        else if (r.body && r.body !== "") problems.push("a body where the document has none");
      }
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
