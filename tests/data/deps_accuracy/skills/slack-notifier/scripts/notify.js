#!/usr/bin/env node
// Post a status message to Slack through an incoming webhook.
const os = require("os");
const { parseArgs } = require("node:util");
const fetch = require("node-fetch");
const { buildPayload } = require("./format");

async function main() {
  const { values } = parseArgs({
    options: {
      status: { type: "string", default: "success" },
      title: { type: "string" },
      field: { type: "string", multiple: true, default: [] },
      link: { type: "string" },
    },
  });
  const url = process.env.SLACK_WEBHOOK_URL;
  if (!url) {
    console.error("SLACK_WEBHOOK_URL is not set");
    process.exit(2);
  }
  const fields = Object.fromEntries(values.field.map((f) => f.split("=", 2)));
  fields.host = fields.host || os.hostname();
  const payload = buildPayload({ ...values, fields });
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok || text !== "ok") {
    console.error(`Slack rejected the message: ${res.status} ${text}`);
    process.exit(1);
  }
  console.log("posted");
}

main();
