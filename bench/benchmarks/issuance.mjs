// Card issuance over HTTP, full path on SQLite, vs a Fastify route that only signs. Also
// measured, beside the target: the same route when it also stores the card durably (no code
// of the partner server's; signed on its worker thread, then signed on the main thread), so
// each run shows how much of the gap an fsynced row costs on this machine and how much is the
// partner server's own work.

import { cardJob, repeatLoad } from "../lib/http-load.mjs";
import { log } from "../lib/log.mjs";
import { record } from "../lib/results.mjs";
import { CEILING_SERVER, seedBench, spawnListening, startDurableCeiling, startPartnerServer } from "../lib/servers.mjs";
import { cpuPerRequest, stats } from "../lib/stats.mjs";

export async function benchIssuance() {
  const ceilingServer = await spawnListening(CEILING_SERVER);
  const server = await startPartnerServer();
  let floorServer;
  try {
    floorServer = await startDurableCeiling();
    const apiKey = await seedBench(server.url);
    const ceiling = await repeatLoad({ ...cardJob([ceilingServer.url], "-", "/sign") }, "sign-only route", undefined, { pid: ceilingServer.pid });
    const full = await repeatLoad(cardJob([server.url], apiKey), "issuance (SQLite)", undefined, { pid: server.pid });
    const floors = {
      signedInThread: await repeatLoad(cardJob([floorServer.url], "-", "/sign-durable"), "sign-only route + durable row, signed in its thread", undefined, { pid: floorServer.pid }),
      signedOnMain: await repeatLoad(cardJob([floorServer.url], "-", "/sign-then-durable"), "sign-only route + durable row, signed on the main thread", undefined, { pid: floorServer.pid }),
    };
    const rate = stats(full.map((r) => r.perSecond)).median;
    const ceilingRate = stats(ceiling.map((r) => r.perSecond)).median;
    const ratio = rate / ceilingRate;
    const p99 = stats(full.map((r) => r.p99)).median;
    const durable = Object.fromEntries(
      Object.entries(floors).map(([name, runs]) => [name, { perSecond: stats(runs.map((r) => r.perSecond)), p99Ms: stats(runs.map((r) => r.p99)), cpuUsPerRequest: cpuPerRequest(runs, []).cpuUsPerRequest }]),
    );
    const floorRate = Math.max(...Object.values(durable).map((floor) => floor.perSecond.median));
    log(
      `issuance: the sign-only route with a durable row reads ${Math.round(floorRate)}/s at best (${(floorRate / ceilingRate).toFixed(2)} × the sign-only route); ` +
        `the full path is ${(rate / floorRate).toFixed(2)} × of it`,
    );
    record({
      name: "card issuance, full path, SQLite, 50 connections",
      unit: "cards/s",
      value: full.map((r) => r.perSecond),
      ceiling: ceiling.map((r) => r.perSecond),
      ceilingName: "Fastify route that only signs the same claims",
      target: "≥ 10,000/s, ≥ 0.8 × ceiling, p99 < 15 ms",
      met: rate >= 10_000 && ratio >= 0.8 && p99 < 15,
      extra: { p99Ms: stats(full.map((r) => r.p99)), ceilingP99Ms: stats(ceiling.map((r) => r.p99)), ...cpuPerRequest(full, ceiling), durable },
    });
    // Every 201 is a stored card: count them.
    const listed = await fetch(`${server.url}/metrics`).then((r) => r.text()).catch(() => "");
    const issued = /minicard_cards_issued_total(?:\{[^}]*\})?\s+(\d+)/.exec(listed)?.[1];
    if (issued) log(`issuance: server counted ${issued} cards issued`);
  } finally {
    await server.stop();
    await ceilingServer.stop();
    await floorServer?.stop();
  }
}
