// A probe, not a benchmark: the shape of issuance's latency at the bench's 50 connections,
// beside the routes it is measured against. It loads three routes as `npm run bench` loads
// issuance (POST, 50 connections, a second process), in turn, ROUNDS times, in an order
// reversed every round:
//
//   sign-only   the bench's ceiling (`ceiling-server.mjs`, POST /sign)
//   durable     POST /sign-durable: /sign plus the card's row, group-committed and fsynced on a
//               worker thread that also signs (no code of the partner server's)
//   issuance    the partner server's full path on SQLite (`minicard-server start`)
//
// Each line gives one load's rate, mean and percentiles (autocannon's, in whole milliseconds),
// and p99 / mean. With a fixed number of connections each waiting for its answer, the mean
// latency is the connections over the rate (Little's law), so where p99 / mean is the same for
// two routes, their p99s differ only as their rates do.
//
//   npm run build && node bench/probes/issuance-tail.mjs      (ROUNDS=, SECONDS=)
import { cardJob, checkedLoad, warmUp } from "../lib/http-load.mjs";
import { CEILING_SERVER, seedBench, spawnListening, startDurableCeiling, startPartnerServer } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const SECONDS = Number(process.env.SECONDS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PERCENTILES = ["p50", "p90", "p97_5", "p99", "p99_9", "max"];

const ceiling = await spawnListening(CEILING_SERVER);
const floor = await startDurableCeiling();
const server = await startPartnerServer();
try {
  const apiKey = await seedBench(server.url);
  const jobs = [
    ["sign-only", cardJob([ceiling.url], apiKey, "/sign")],
    ["durable", cardJob([floor.url], apiKey, "/sign-durable")],
    ["issuance", cardJob([server.url], apiKey)],
  ];
  const ratios = new Map(jobs.map(([name]) => [name, []]));
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [name, job] of round % 2 === 1 ? jobs : [...jobs].reverse()) {
      const timed = { ...job, durationSeconds: SECONDS };
      await warmUp(timed);
      const { perSecond, latency } = await checkedLoad(timed, name);
      ratios.get(name).push(latency.p99 / latency.average);
      const shown = PERCENTILES.map((key) => `${key.replace("_", ".")} ${latency[key]}`).join(", ");
      console.log(
        `round ${round} ${name.padEnd(9)} ${Math.round(perSecond)}/s, mean ${latency.average.toFixed(1)} ms, ${shown} ms, p99 / mean ${(latency.p99 / latency.average).toFixed(2)}`,
      );
    }
  }
  console.log(`p99 / mean, median of the rounds: ${[...ratios].map(([name, values]) => `${name} ${stats(values).median.toFixed(2)}`).join(", ")}`);
} finally {
  await Promise.all([server.stop(), floor.stop(), ceiling.stop()]);
}
