#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof`): self time by function and by package.
//
//   node bench/profile.mjs <file.cpuprofile> [--top 30] [--last 8]
//
// `--last N` keeps only the samples of the profile's last N seconds (a load's measured window
// rather than the server's start-up and warm-up).
//
// Also prints inclusive time (a function and everything it called) for the product's own
// functions, which is where a request's cost is decided.
//
// How the issuance profile in the README was taken:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof partner-server/dist/bin.js start --port 8787 ...
//   (load it, stop it with SIGINT, then run this on the file it wrote)

import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node bench/profile.mjs <file.cpuprofile> [--top N]");
  process.exit(2);
}
const top = Number(process.argv[process.argv.indexOf("--top") + 1]) || 30;
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const last = process.argv.includes("--last") ? Number(process.argv[process.argv.indexOf("--last") + 1]) * 1e6 : Infinity;
if (!(last > 0)) {
  console.error("--last takes a number of seconds greater than 0");
  process.exit(2);
}
const from = profile.endTime - last;
const counts = new Map();
for (let i = 0, at = profile.startTime; i < profile.samples.length; i += 1) {
  at += profile.timeDeltas[i];
  if (at >= from) counts.set(profile.samples[i], (counts.get(profile.samples[i]) ?? 0) + 1);
}
let total = 0;
for (const [id, count] of counts) {
  total += count;
  const frame = byId.get(id).callFrame;
  self.set(id, count);
  frame.count = (frame.count ?? 0) + count;
}

function where(frame) {
  const url = frame.url || "";
  if (!url) return `(${frame.functionName || "native"})`;
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.startsWith("node:")) return url;
  return url.replace(/^file:\/\/.*?\/(partner-server|sdk|embed-widget)\//, "$1/");
}

const functions = new Map();
const packages = new Map();
for (const [id, count] of counts) {
  const frame = byId.get(id).callFrame;
  const place = where(frame);
  const name = `${frame.functionName || "(anonymous)"}  ${place}:${frame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + count);
  const pkg = place.startsWith("partner-server/") || place.startsWith("sdk/") ? place.split("/").slice(0, 3).join("/") : place;
  packages.set(pkg, (packages.get(pkg) ?? 0) + count);
}
const pct = (n) => `${((n / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${total} samples\n\nself time by place:`);
for (const [name, count] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(count)}  ${name}`);
console.log("\nself time by function:");
for (const [name, count] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(count)}  ${name}`);

// Inclusive time: each sample counts once for every distinct product function on its stack.
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map();
for (const [id, count] of counts) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at).callFrame;
    const place = where(frame);
    if (!/^(partner-server|sdk)\//.test(place)) continue;
    const name = `${frame.functionName || "(anonymous)"}  ${place}:${frame.lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
}
console.log("\ninclusive time of the product's functions:");
for (const [name, count] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(count)}  ${name}`);
