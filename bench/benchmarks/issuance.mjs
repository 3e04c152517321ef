// Card issuance over HTTP, full path on SQLite, vs a Fastify route that only signs.

import { cardJob, repeatLoad } from "../lib/http-load.mjs";
import { log } from "../lib/log.mjs";
import { record } from "../lib/results.mjs";
import { CEILING_SERVER, seedBench, spawnListening, startPartnerServer } from "../lib/servers.mjs";
import { cpuPerRequest, stats } from "../lib/stats.mjs";

export async function benchIssuance() {
  const ceilingServer = await spawnListening(CEILING_SERVER);
  const server = await startPartnerServer();
  try {
    const apiKey = await seedBench(server.url);
    const ceiling = await repeatLoad({ ...cardJob([ceilingServer.url], "-", "/sign") }, "sign-only route", undefined, { pid: ceilingServer.pid });
    const full = await repeatLoad(cardJob([server.url], apiKey), "issuance (SQLite)", undefined, { pid: server.pid });
    const rate = stats(full.map((r) => r.perSecond)).median;
    const ratio = rate / stats(ceiling.map((r) => r.perSecond)).median;
    const p99 = stats(full.map((r) => r.p99)).median;
    record({
      name: "card issuance, full path, SQLite, 50 connections",
      unit: "cards/s",
      value: full.map((r) => r.perSecond),
      ceiling: ceiling.map((r) => r.perSecond),
      ceilingName: "Fastify route that only signs the same claims",
      target: "≥ 10,000/s, ≥ 0.8 × ceiling, p99 < 15 ms",
      met: rate >= 10_000 && ratio >= 0.8 && p99 < 15,
      extra: { p99Ms: stats(full.map((r) => r.p99)), ceilingP99Ms: stats(ceiling.map((r) => r.p99)), ...cpuPerRequest(full, ceiling) },
    });
    // Every 201 is a stored card: count them.
    const listed = await fetch(`${server.url}/metrics`).then((r) => r.text()).catch(() => "");
    const issued = /minicard_cards_issued_total(?:\{[^}]*\})?\s+(\d+)/.exec(listed)?.[1];
    if (issued) log(`issuance: server counted ${issued} cards issued`);
  } finally {
    await server.stop();
    await ceilingServer.stop();
  }
}
