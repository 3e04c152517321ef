#!/usr/bin/env node
// The embed.js size check, in the root `npm test`: prints gzip and brotli sizes of embed.js
// and of the lazily loaded QR encoder, and exits 1 when embed.js (min + gzip) is over BUDGET.
//
// The product target is 16 KB (TARGET). It is not met yet: the SDK's verifier with jose
// (jwtVerify + createRemoteJWKSet) and Preact alone come to about 15.6 KB min + gzip, before
// any widget code (see embed-widget/README.md, "Size"). Until the verifier gets leaner, BUDGET
// is a regression guard at the current size; set MINICARD_SIZE_BUDGET=16384 to check the target.

import { readFileSync, readdirSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** The product target, in bytes (min + gzip). */
export const TARGET = 16 * 1024;
/** What the check enforces, in bytes (min + gzip). */
export const BUDGET = Number(process.env.MINICARD_SIZE_BUDGET) || 23 * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;

function sizes(name) {
  const body = readFileSync(dist + name);
  return {
    min: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
let embed;
try {
  embed = sizes("embed.js");
} catch {
  console.error("size: dist/embed.js is missing: run npm run build");
  process.exit(1);
}
const qr = readdirSync(dist).find((name) => /^qr\.[0-9a-f]+\.js$/.test(name));
console.log(`size: embed.js ${kb(embed.min)} min, ${kb(embed.gzip)} gzip, ${kb(embed.brotli)} brotli (budget ${kb(BUDGET)} gzip, target ${kb(TARGET)})`);
if (qr) {
  const lazy = sizes(qr);
  console.log(`size: ${qr} (lazy) ${kb(lazy.min)} min, ${kb(lazy.gzip)} gzip, ${kb(lazy.brotli)} brotli`);
}
if (embed.gzip > TARGET && BUDGET > TARGET) console.log(`size: ${kb(embed.gzip - TARGET)} over the ${kb(TARGET)} target`);
if (embed.gzip > BUDGET) {
  console.error(`size: embed.js is ${kb(embed.gzip - BUDGET)} over its ${kb(BUDGET)} budget`);
  process.exitCode = 1;
}
