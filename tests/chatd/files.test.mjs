// File messages over the socket: the file was uploaded through the site's REST route (here:
// an attachment row written the way the uploads route records it); `message:send` names it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { World, connect, call, okData, errCode, visitor, agent, clientId, sql, table } from "./lib/harness.mjs";

const world = new World("files");
const REST = "http://127.0.0.1:9/wp-json/";
let daemon;
let bare;

before(async () => {
  daemon = await world.daemon({ restUrl: REST });
  bare = await world.daemon({ name: "norest" });
});
after(() => world.close());

function upload(conversationId, side, name = "plan.png") {
  const t = table(world.prefix, "attachments");
  const storage = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  sql(
    `INSERT INTO ${t} (conversation_id, storage_name, original_name, mime, size, sha256, scan_status, uploader_type, created_at)
     VALUES (${conversationId}, '${storage}', '${name}', 'image/png', 68, '${"0".repeat(64)}', 'clean', '${side}', UTC_TIMESTAMP())`,
  );
  return Number(sql(`SELECT MAX(id) FROM ${t}`)[0][0]);
}

test("a customer's file message reaches the agent live with its download URL; it is sent once", async () => {
  const cu = await connect(daemon, world.token(visitor()));
  const ag = await connect(daemon, world.token(agent(2)));
  const conv = okData(await call(cu, "conversation:start", { message: "here is my plan" })).conversation;
  const aid = upload(conv.id, "customer");
  const sent = okData(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), attachment_id: aid }),
  ).message;
  assert.equal(sent.message_type, "file");
  assert.equal(sent.attachment.id, aid);
  assert.equal(sent.attachment.url, `${REST}bookingx/v1/chat/uploads/${aid}`);
  assert.equal(sent.body, "plan.png", "a file without a caption shows its name");
  const got = await ag.inbox.take("message:new", (d) => d.message.id === sent.id);
  assert.equal(got.message.attachment.url, sent.attachment.url);
  // The same file cannot be sent twice, and the agent cannot send the customer's upload.
  errCode(await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), attachment_id: aid }), "conflict");
  const other = upload(conv.id, "customer", "second.png");
  errCode(await call(ag, "message:send", { conversation_id: conv.id, client_id: clientId(), attachment_id: other }), "forbidden");
  errCode(await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), attachment_id: 999999 }), "not_found");
});

test("without rest_url the daemon refuses file messages clearly", async () => {
  const cu = await connect(bare, world.token(visitor()));
  const conv = okData(await call(cu, "conversation:start", { message: "hi" })).conversation;
  const aid = upload(conv.id, "customer");
  errCode(
    await call(cu, "message:send", { conversation_id: conv.id, client_id: clientId(), attachment_id: aid }),
    "unsupported_media_type",
  );
});
