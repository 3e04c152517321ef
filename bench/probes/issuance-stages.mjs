// A probe, not a benchmark: where card issuance's 50 requests are, on average, while the
// bench's load runs. One server in this process on a SQLite store (as `issuance-ablation.mjs`
// runs it), loaded as `npm run bench` loads it (POST /v1/cards, 50 connections, a second
// process). Each request is in one of five stages; the probe integrates how many are in each
// over the load's wall time (Little's law: the average count is the rate times the average
// time in the stage):
//
//   main, before the write   from the `onRequest` hook until the card goes to the group commit
//                            (parsing, auth, validation, limits, the JWS input, and any wait
//                            for the event loop between them)
//   queued                   until its group commit is posted to the SQLite thread
//   in the thread            until the batch's answer reaches the event loop (signing, the
//                            write, the fsync, the message back)
//   main, answering          until the `onResponse` hook
//   outside the server       the rest of the 50 (the bench's connections): on the wire, in
//                            the load generator, or waiting for the event loop to read them
//
// It also gives the group commits' average size and rate, and the event loop's utilization
// (`performance.eventLoopUtilization`) over the load.
//
//   npm run build && node bench/probes/issuance-stages.mjs      (ROUNDS=, SECONDS=)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { createServer, loadConfig, openSqliteStore } from "../../partner-server/dist/index.js";
import { CONNECTIONS } from "../lib/args.mjs";
import { cardJob, load, warmUp } from "../lib/http-load.mjs";
import { ADMIN_TOKEN, seedBench } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const SECONDS = Number(process.env.SECONDS ?? 6);
const STAGES = ["main, before the write", "queued", "in the thread", "main, answering"];

/** Time-weighted counts of requests per stage. */
function createStages() {
  const count = [0, 0, 0, 0];
  const area = [0, 0, 0, 0];
  let last = performance.now();
  let on = false;
  let batches = 0;
  let batched = 0;
  const advance = () => {
    const now = performance.now();
    if (on) for (let i = 0; i < 4; i += 1) area[i] += count[i] * (now - last);
    last = now;
  };
  return {
    move(from, to, n = 1) {
      advance();
      if (from >= 0) count[from] -= n;
      if (to >= 0) count[to] += n;
    },
    /** A group commit was posted: every queued card is in it. */
    posted() {
      if (on) {
        batches += 1;
        batched += count[1];
      }
      this.move(1, 2, count[1]);
    },
    start() {
      advance();
      // Between loads no request is in the server: what is left are requests the last load's
      // end cut off (their client closed them, so no response finished).
      count.fill(0);
      on = true;
      area.fill(0);
      batches = 0;
      batched = 0;
      return performance.now();
    },
    stop(started) {
      advance();
      on = false;
      const ms = performance.now() - started;
      return { averages: area.map((value) => value / ms), batches: (batches * 1000) / ms, batchSize: batched / batches };
    },
  };
}

async function measure() {
  const dir = mkdtempSync(join(tmpdir(), "mc-stages-"));
  const stages = createStages();
  // A signed group commit is the one message to the SQLite thread that carries `sign`.
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message?.sign) stages.posted();
    return post.call(this, message, ...rest);
  };
  const store = openSqliteStore(join(dir, "minicard.db"));
  await store.migrate();
  const config = loadConfig({ dataDir: dir, adminToken: ADMIN_TOKEN, logLevel: "warn" }, {}, dir);
  const server = await createServer(config, { store });
  const issuing = (request) => request.method === "POST" && request.url === "/v1/cards";
  server.app.addHook("onRequest", (request, reply, done) => {
    if (issuing(request)) stages.move(-1, 0);
    done();
  });
  server.app.addHook("onResponse", (request, reply, done) => {
    if (issuing(request)) stages.move(3, -1);
    done();
  });
  // The store the service calls (the server wraps the one it is given).
  const { cards } = server.context.store;
  const insertSigned = cards.insertSigned;
  if (!insertSigned) throw new Error("the SQLite store has no insertSigned");
  cards.insertSigned = async (...args) => {
    stages.move(0, 1);
    try {
      return await insertSigned(...args);
    } finally {
      stages.move(2, 3);
    }
  };
  try {
    const url = (await server.app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
    const job = { ...cardJob([url], await seedBench(url)), durationSeconds: SECONDS };
    await warmUp(job);
    const utilization = performance.eventLoopUtilization();
    const started = stages.start();
    const result = await load(job);
    const found = stages.stop(started);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rate: result.perSecond, p99: result.p99, eventLoop: performance.eventLoopUtilization(utilization).utilization, ...found };
  } finally {
    Worker.prototype.postMessage = post;
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round += 1) {
  const run = await measure();
  runs.push(run);
  console.log(
    `round ${round + 1}: ${Math.round(run.rate)}/s, p99 ${run.p99} ms, event loop busy ${Math.round(run.eventLoop * 100)} %, ` +
      `group commits ${Math.round(run.batches)}/s of ${run.batchSize.toFixed(1)} cards | ` +
      STAGES.map((name, i) => `${name} ${run.averages[i].toFixed(1)}`).join(", "),
  );
}
const median = (pick) => stats(runs.map(pick)).median;
const rate = median((run) => run.rate);
console.log(`median: ${Math.round(rate)}/s, group commits of ${median((run) => run.batchSize).toFixed(1)} cards, event loop busy ${Math.round(median((run) => run.eventLoop) * 100)} %`);
console.log("requests in each stage, on average (and the time each spends there):");
const inServer = STAGES.map((_, i) => median((run) => run.averages[i]));
for (const [i, name] of STAGES.entries()) console.log(`  ${name.padEnd(24)} ${inServer[i].toFixed(1)}  (${((inServer[i] / rate) * 1000).toFixed(2)} ms)`);
const outside = CONNECTIONS - inServer.reduce((sum, value) => sum + value, 0);
console.log(`  ${"outside the server".padEnd(24)} ${outside.toFixed(1)}  (${((outside / rate) * 1000).toFixed(2)} ms)`);
process.exit(0);
