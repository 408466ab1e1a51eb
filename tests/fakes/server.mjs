#!/usr/bin/env node
// A faithful local stand-in for one chat vendor's server API and webhooks (tests only).
//
//   node tests/fakes/server.mjs --vendor intercom [--port 0] [--config '{"access_token":"..."}']
//
// Prints one line of JSON first — {"vendor","url","pid"} — then serves until killed. See
// tests/fakes/README.md for the credentials, the routes and the /__fake/ control API.

import { serve } from "./lib.mjs";

const VENDORS = ["intercom", "zendesk", "livechat", "drift", "tawk"];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const name = arg("vendor");
if (!VENDORS.includes(name)) {
  process.stderr.write(`usage: server.mjs --vendor <${VENDORS.join("|")}> [--port N] [--config JSON]\n`);
  process.exit(2);
}
let config = {};
try {
  config = JSON.parse(arg("config", "{}"));
} catch (e) {
  process.stderr.write(`--config is not JSON: ${e.message}\n`);
  process.exit(2);
}
const { create } = await import(`./${name}.mjs`);
const { url } = await serve(create(config), Number(arg("port", "0")));
process.stdout.write(JSON.stringify({ vendor: name, url, pid: process.pid }) + "\n");
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
