#!/usr/bin/env node
// A faithful local stand-in for one chat vendor's server API and webhooks (tests only).
//
//   node tests/fakes/server.mjs --vendor intercom [--port 0] [--config '{"access_token":"..."}']
//
// Prints one line of JSON first — {"vendor","url","pid"} — then serves until killed. See
// tests/fakes/README.md for the credentials, the routes and the /__fake/ control API.

import { serve } from "./lib.mjs";

export const VENDORS = ["intercom", "zendesk", "livechat", "drift", "tawk"];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function fail(message) {
  process.stderr.write(`${message}\nusage: server.mjs --vendor <${VENDORS.join("|")}> [--port N] [--config JSON]\n`);
  process.exit(2);
}

const name = arg("vendor");
if (!VENDORS.includes(name)) fail(`unknown vendor ${name ?? "(none)"}`);
let config;
try {
  config = JSON.parse(arg("config", "{}"));
} catch (e) {
  fail(`--config is not JSON: ${e.message}`);
}
if (!config || typeof config !== "object" || Array.isArray(config)) fail("--config must be a JSON object");
const port = Number(arg("port", "0"));
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535`);

const { create } = await import(`./${name}.mjs`);
let started;
try {
  started = await serve(create(config), port);
} catch (e) {
  fail(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
}
process.stdout.write(JSON.stringify({ vendor: name, url: started.url, pid: process.pid }) + "\n");
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(sig, () => {
    started.close();
    process.exit(0);
  });
}
