// Event ingestion, batches of 50, vs a bare route that accepts and drops.

import { eventsJob, repeatLoad } from "../lib/http-load.mjs";
import { record } from "../lib/results.mjs";
import { CEILING_SERVER, issueCard, seedBench, spawnListening, startPartnerServer } from "../lib/servers.mjs";
import { cpuPerRequest, stats } from "../lib/stats.mjs";

export async function benchEvents() {
  const ceilingServer = await spawnListening(CEILING_SERVER);
  // One load generator is one client: lift the per-client beacon limit (default 120 a minute) for the run.
  const server = await startPartnerServer({ env: { MINICARD_EVENTS_PER_MINUTE: "10000000" } });
  try {
    const apiKey = await seedBench(server.url);
    const cards = [];
    for (let i = 0; i < 50; i += 1) {
      cards.push((await issueCard(server.url, apiKey)).id);
    }
    const job = (url, path) => eventsJob(url, path, cards);
    const ceiling = await repeatLoad(job(ceilingServer.url, "/drop"), "accept-and-drop route", undefined, { pid: ceilingServer.pid });
    const full = await repeatLoad(job(server.url, "/v1/events"), "event ingestion (SQLite)", undefined, { pid: server.pid });
    const eventsPerSecond = full.map((r) => r.perSecond * 50);
    const ratio = stats(full.map((r) => r.perSecond)).median / stats(ceiling.map((r) => r.perSecond)).median;
    record({
      name: "event ingestion, batches of 50, SQLite, 50 connections",
      unit: "batches/s",
      value: full.map((r) => r.perSecond),
      ceiling: ceiling.map((r) => r.perSecond),
      ceilingName: "bare Fastify route that accepts and drops",
      target: "≥ 0.5 × ceiling",
      met: ratio >= 0.5,
      extra: { eventsPerSecond: stats(eventsPerSecond), p99Ms: stats(full.map((r) => r.p99)), ...cpuPerRequest(full, ceiling) },
    });
  } finally {
    await server.stop();
    await ceilingServer.stop();
  }
}
