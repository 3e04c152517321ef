// A probe, not a benchmark: how much of issuance's gap to the sign-only ceiling is the durable
// write itself. It loads four routes as `npm run bench` loads issuance (POST, 50 connections,
// a second process), in turn, ROUNDS times, in an order reversed every round:
//
//   sign-only     the bench's ceiling (`ceiling-server.mjs`, POST /sign)
//   durable       POST /sign-durable: /sign plus the card's row in a store file the partner
//                 server migrated, group-committed and fsynced on a worker thread before the
//                 answer, signed on that thread; no code of the partner server's
//   durable-main  POST /sign-then-durable: the same, signed on the main thread
//   issuance      the partner server's full path on SQLite (`minicard-server start`), as the bench
//
// Each round's line gives the load's rate, p99, mean and p99 / mean, and the server's CPU per
// request (main thread, other threads, the machine); each route's summary line the medians, and
// the last line the ratios. With a fixed number of connections each waiting for its answer, the
// mean latency is the connections over the rate (Little's law), so where p99 / mean is the same
// for two routes, their p99s differ only as their rates do. `npm run bench` measures the same routes
// (one after the other rather than interleaved). Where a durable route falls short of 0.8 × the
// sign-only route, the target is out of reach of any durable issuance on the machine; where it
// does not, the rest of the gap is the partner server's own work.
//
//   npm run build && node bench/probes/issuance-durable.mjs      (ROUNDS=, SECONDS=)
import { cardJob, measuredLoad, warmUp } from "../lib/http-load.mjs";
import { CEILING_SERVER, seedBench, spawnListening, startDurableCeiling, startPartnerServer } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const SECONDS = Number(process.env.SECONDS ?? 6);
const ROUNDS = Number(process.env.ROUNDS ?? 4);

const ceiling = await spawnListening(CEILING_SERVER);
const floor = await startDurableCeiling();
const server = await startPartnerServer();
const runs = { "sign-only": [], durable: [], "durable-main": [], issuance: [] };
try {
  const targets = [
    { name: "sign-only", pid: ceiling.pid, job: { ...cardJob([ceiling.url], "-", "/sign"), durationSeconds: SECONDS } },
    { name: "durable", pid: floor.pid, job: { ...cardJob([floor.url], "-", "/sign-durable"), durationSeconds: SECONDS } },
    { name: "durable-main", pid: floor.pid, job: { ...cardJob([floor.url], "-", "/sign-then-durable"), durationSeconds: SECONDS } },
    { name: "issuance", pid: server.pid, job: { ...cardJob([server.url], await seedBench(server.url)), durationSeconds: SECONDS } },
  ];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      await warmUp(target.job);
      const { perSecond, p99, latency, cpu } = await measuredLoad(target.job, target.name, target.pid);
      const tail = p99 / latency.average;
      runs[target.name].push({ rate: perSecond, p99, tail, main: cpu.mainUs, other: cpu.otherUs, machine: cpu.machineUs });
      console.log(
        `round ${round + 1} ${target.name.padEnd(12)} ${Math.round(perSecond)}/s, p99 ${p99} ms, mean ${latency.average.toFixed(1)} ms, p99 / mean ${tail.toFixed(2)}, ` +
          `CPU main ${Math.round(cpu.mainUs)} + other ${Math.round(cpu.otherUs)} µs, the machine ${Math.round(cpu.machineUs)} µs`,
      );
    }
  }
} finally {
  await server.stop();
  await floor.stop();
  await ceiling.stop();
}
const median = (name, field) => stats(runs[name].map((run) => run[field])).median;
for (const name of Object.keys(runs)) {
  console.log(
    `${name.padEnd(12)} ${Math.round(median(name, "rate"))}/s, p99 ${median(name, "p99")} ms, p99 / mean ${median(name, "tail").toFixed(2)}, CPU per request: main ${Math.round(median(name, "main"))} µs, ` +
      `other threads ${Math.round(median(name, "other"))} µs, the machine ${Math.round(median(name, "machine"))} µs`,
  );
}
const ratio = (a, b) => (median(a, "rate") / median(b, "rate")).toFixed(2);
console.log(
  `durable / sign-only ${ratio("durable", "sign-only")} ×; durable-main / sign-only ${ratio("durable-main", "sign-only")} ×; ` +
    `issuance / sign-only ${ratio("issuance", "sign-only")} ×; issuance / durable ${ratio("issuance", "durable")} ×; issuance / durable-main ${ratio("issuance", "durable-main")} ×`,
);
