#!/usr/bin/env node
// Writes docs/card.md from the SDK's schemas: the card contract has one source, and the
// docs are generated from it. `--check` fails when docs/card.md is out of date (CI).

import { readFileSync, writeFileSync } from "node:fs";
import { cardInputSchema, cardSchema } from "@minicard/sdk";

const target = new URL("../docs/card.md", import.meta.url);

function constraints(schema) {
  const parts = [];
  if (schema.enum) parts.push(schema.enum.map((value) => `\`${value}\``).join(" | "));
  if (schema.const !== undefined) parts.push(`always \`${schema.const}\``);
  if (schema.minLength !== undefined && schema.maxLength !== undefined) parts.push(`${schema.minLength}–${schema.maxLength} characters`);
  else if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} characters`);
  if (schema["x-maxBytes"] !== undefined) parts.push(`≤ ${schema["x-maxBytes"]} bytes (UTF-8)`);
  if (schema.format === "https-url") parts.push("absolute `https:` URL");
  if (schema.minimum !== undefined || schema.maximum !== undefined) parts.push(`${schema.minimum ?? "−∞"} … ${schema.maximum ?? "∞"}`);
  if (schema.errorMessage) parts.push(schema.errorMessage);
  return parts.join("; ");
}

function rows(schema, path = "") {
  const out = [];
  for (const [name, field] of Object.entries(schema.properties)) {
    const fieldPath = path ? `${path}.${name}` : name;
    const required = (schema.required ?? []).includes(name) ? "yes" : "";
    const cell = (text) => text.replace(/(?<!\\)\|/g, "\\|");
    out.push(`| \`${fieldPath}\` | ${field.type} | ${required} | ${cell(constraints(field))} | ${cell(field.description ?? "")} |`);
    if (field.type === "object") out.push(...rows(field, fieldPath));
  }
  return out;
}

function table(schema) {
  return ["| field | type | required | rules | meaning |", "|---|---|---|---|---|", ...rows(schema)].join("\n");
}

const text = `# The card contract

Generated from \`sdk/src/card/schema.ts\` by \`node scripts/card-docs.mjs\`; do not edit by hand.
The same schema validates issuance requests on the server and the \`card\` claim in the
verifier, and the SDK's TypeScript types are inferred from it.

Rules across fields: a \`product\` card needs \`price\`; a \`membership\` card needs
\`membership\` (and may carry the \`price\` paid when the trial ends); \`app\` cards carry
neither; \`feed\` and \`profile\` shares need a \`sharer\` (whitelisted by the partner). The
\`app.id\` must also match the pattern of the host \`app.host\` names (absent: Alipay, 16
digits; \`wechat\`: \`wx\` and 16 lowercase hex digits), and a WeChat \`app.page\` is a path
without \`?\` (WeChat's URL Scheme takes the page's parameters in \`query\` only).

## Hosts

A card opens its mini-program in one host app, named by \`app.host\`. The SDK's host profiles
(\`hosts\` in \`sdk/src/links/hosts.ts\`) are data: the scheme template, the https hop that
relays it, the Android package and the appId pattern. Links are always built from \`app\` by
the profile, never taken from the card as URLs.

| \`app.host\` | scheme | web fallback (desktop QR, "open in browser") | Android |
|---|---|---|---|
| absent or \`alipay\` | \`alipays://platformapi/startapp?appId=…&page=…&query=…\` | \`https://ds.alipay.com/?scheme=<the scheme>\` | \`intent:\` URL for \`com.eg.android.AlipayGphone\`, the web hop as browser fallback |
| \`wechat\` | \`weixin://dl/business/?appid=…&path=…&query=…\` | the card's landing page, \`<issuer>/c/<id>\` (WeChat has no https hop) | the scheme itself (no package: a page navigating to the scheme opens WeChat) |

The server leaves \`host: "alipay"\` out of the signed claim, so an Alipay card's token is what
it was before hosts were named, and verifiers that predate \`app.host\` still accept it (they
refuse WeChat cards as \`malformed\`).

## Issuance request (\`POST /v1/cards\`)

${table(cardInputSchema)}

## The \`card\` claim of a token

${table(cardSchema)}
`;

if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== text) {
    console.error("docs/card.md is out of date: run node scripts/card-docs.mjs");
    process.exit(1);
  }
  console.log("docs/card.md: up to date");
} else {
  writeFileSync(target, text);
  console.log("wrote docs/card.md");
}
