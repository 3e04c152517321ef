#!/usr/bin/env node
// The embed.js size check, in the root `npm test`: prints min, gzip and brotli sizes of
// embed.js and of the lazily loaded sheet chunk, and exits 1 when embed.js (min + gzip,
// Preact and the verifier included) is over BUDGET: 16 KB, the product's promise to partners.
// `--json` prints the figures as JSON instead (the benchmark records them).

import { readFileSync, readdirSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** What the check enforces, in bytes (min + gzip). */
export const BUDGET = 16 * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;

/** min, gzip (level 9) and brotli (quality 11) sizes of a file in dist/, in bytes. */
export function sizes(name) {
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
const lazy = readdirSync(dist).filter((name) => /^[a-z]+\.[0-9a-f]{8,}\.js$/.test(name));
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ budget: BUDGET, "embed.js": embed, ...Object.fromEntries(lazy.map((name) => [name, sizes(name)])) }));
} else {
  console.log(`size: embed.js ${kb(embed.min)} min, ${kb(embed.gzip)} gzip, ${kb(embed.brotli)} brotli (budget ${kb(BUDGET)} gzip)`);
  for (const name of lazy) {
    const size = sizes(name);
    console.log(`size: ${name} (lazy) ${kb(size.min)} min, ${kb(size.gzip)} gzip, ${kb(size.brotli)} brotli`);
  }
}
if (embed.gzip > BUDGET) {
  console.error(`size: embed.js is ${kb(embed.gzip - BUDGET)} over its ${kb(BUDGET)} budget`);
  process.exitCode = 1;
}
