// A probe, not a benchmark: POST /v1/events (batches of 50, 50 connections, as the bench's
// ingestion figures) for many 10 s windows in a row on one SQLite store, printing one JSON line
// per window: batches/s, the server's RSS and its V8 heap (from /metrics). It tells two things
// the bench's three windows cannot: whether ingestion slows as the store grows (the store gains
// about 35 k events a second here), and whether memory levels off or keeps growing.
//
//   npm run build && node bench/probes/ingest-long.mjs
//   ROUNDS=12 DATA_DIR=/some/folder node bench/probes/ingest-long.mjs
//
// With DATA_DIR the store is kept and reused: run it again, or load millions of events into it
// first (`node bench/lib/load-events.mjs <DATA_DIR>/minicard.db 10000000`), to start from a
// large store. ROUNDS: how many 10 s windows (default 10). NODE_ARGS: flags for the server's
// node (`--max-semi-space-size=4`, `--trace-gc`); the server's output is printed at the end.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ANALYTICS_ENV } from "../benchmarks/analytics.mjs";
import { checkedLoad, eventsJob } from "../lib/http-load.mjs";
import { issueCard, seedBench, startPartnerServer, tempDir } from "../lib/servers.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const METRICS_TOKEN = "probe-metrics-token-0123456789";
/** The analytics bench's server settings, and /metrics on. */
const ENV = { ...ANALYTICS_ENV, MINICARD_METRICS_TOKEN: METRICS_TOKEN };

const dir = process.env.DATA_DIR ? { path: process.env.DATA_DIR, remove() {} } : tempDir();
const cardsFile = `${dir.path}/probe-cards.json`;
const nodeArgs = (process.env.NODE_ARGS ?? "").split(" ").filter(Boolean);
const server = await startPartnerServer({ dataDir: dir.path, env: ENV, nodeArgs });

/** The server's resident memory, MB. */
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))[1]) / 1024;

/** The V8 heap figures /metrics reports, MB. */
async function heapMb() {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const mb = (pattern) => {
    const value = pattern.exec(text)?.[1];
    return value === undefined ? undefined : Math.round(Number(value) / 2 ** 20);
  };
  return {
    heapUsedMb: mb(/^nodejs_heap_size_used_bytes (\S+)/m),
    newSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m),
    oldSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)/m),
    largeObjectSpaceMb: mb(/^nodejs_heap_space_size_total_bytes\{space="large_object"\} (\S+)/m),
  };
}

/** 60 feed cards of a seeded partner and brand: issued on the first run, read back on a reused store. */
async function probeCards() {
  if (existsSync(cardsFile)) return JSON.parse(readFileSync(cardsFile, "utf8"));
  const apiKey = await seedBench(server.url);
  const cards = [];
  for (let i = 0; i < 60; i += 1) cards.push((await issueCard(server.url, apiKey, { surface: "feed", title: `Offer ${i + 1}` })).id);
  writeFileSync(cardsFile, JSON.stringify(cards));
  return cards;
}

try {
  const cards = await probeCards();
  const began = Date.now();
  console.log(JSON.stringify({ seconds: 0, rssMb: Math.round(rssMb()), ...(await heapMb()) }));
  for (let round = 0; round < ROUNDS; round += 1) {
    const result = await checkedLoad({ ...eventsJob(server.url, "/v1/events", cards.slice(0, 50)), durationSeconds: 10 }, `window ${round + 1}`);
    console.log(
      JSON.stringify({ seconds: Math.round((Date.now() - began) / 1000), batchesPerSecond: Math.round(result.perSecond), rssMb: Math.round(rssMb()), ...(await heapMb()) }),
    );
  }
} finally {
  await server.stop();
  if (nodeArgs.length > 0) process.stderr.write(server.output());
  dir.remove();
}
