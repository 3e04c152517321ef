// A probe, not a benchmark: where card issuance's time goes. One server in this process on a
// SQLite store, loaded as `npm run bench` loads it (POST /v1/cards, 50 connections, a second
// process), with one part of the request taken away at a time, beside the sign-only ceiling:
//
//   full      the route as it is
//   nostore   the card is not written (cards.insert answers at once; the signing thread signs it)
//   nosign    the card is not signed: the token of a card issued at start is answered for
//             every card (the same size, so the answer and the stored row are unchanged)
//   nolimits  the limiter answers "allowed" without counting
//   mainsign  cards are signed on the main thread (MINICARD_SIGN_ON=main), as before
//             2026-12-06, instead of on the signing thread
//
// The configurations run in turn, ROUNDS times (default 4), in an order rotated each round, so
// the machine's drift from minute to minute falls on all of them alike; each line gives the
// median rate, its ratio to the ceiling's median, and the server's CPU per card on its main
// thread and on its other threads.
//
//   npm run build && node bench/probes/issuance-ablation.mjs      (ONLY=full,nosign to choose)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, loadConfig, openSqliteStore } from "../../partner-server/dist/index.js";
import { cardJob, load, threadCpu } from "../lib/http-load.mjs";
import { ADMIN_TOKEN, issueCard, seedBench, spawnListening } from "../lib/servers.mjs";
import { rotated, stats } from "../lib/stats.mjs";

const MODES = {
  full: () => {},
  nostore: (context) => {
    context.store.cards.insert = async () => {};
    // Signed by the key ring's signer instead of in the SQLite thread's write, which is skipped.
    context.store.cards.insertSigned = undefined;
  },
  nosign: (context, signed) => {
    context.keys.signCompact = async () => signed;
    // Not signed in the SQLite thread's write either: the card takes the sign-then-insert path.
    context.keys.prepareCompact = () => undefined;
  },
  mainsign: () => {},
  nolimits: (context) => {
    const states = [{ name: "partner", limit: 1_000_000, remaining: 999_999, reset: 3600, windowSeconds: 3600 }];
    context.limiter.acquire = async () => ({ allowed: true, states });
  },
};
const only = process.env.ONLY?.split(",");
const modes = Object.keys(MODES).filter((mode) => !only || only.includes(mode));
const SECONDS = Number(process.env.SECONDS ?? 5);

/** One measured load of `url` (after a 2 s warm-up): the rate and the CPU per request of `pid` (this process or the ceiling's). */
async function measure(job, pid) {
  await load({ ...job, durationSeconds: 2 });
  const before = threadCpu(pid);
  const result = await load(job);
  const after = threadCpu(pid);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  const requests = result.perSecond * job.durationSeconds;
  return { rate: result.perSecond, main: (after.main - before.main) / requests, other: (after.other - before.other) / requests };
}

async function withServer(mode, run) {
  const dir = mkdtempSync(join(tmpdir(), "mc-ablation-"));
  const store = openSqliteStore(join(dir, "minicard.db"));
  await store.migrate();
  const config = loadConfig({ dataDir: dir, adminToken: ADMIN_TOKEN, logLevel: "silent", signOn: mode === "mainsign" ? "main" : "auto" }, {}, dir);
  const server = await createServer(config, { store });
  try {
    const url = (await server.app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
    const apiKey = await seedBench(url);
    const signed = { token: (await issueCard(url, apiKey)).token, kid: server.context.keys.current.kid };
    MODES[mode](server.context, signed);
    return await run(cardJob([url], apiKey));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = Object.fromEntries([...modes, "ceiling"].map((name) => [name, []]));
const ceiling = await spawnListening(fileURLToPath(new URL("../lib/ceiling-server.mjs", import.meta.url)));
try {
  for (let round = 0; round < Number(process.env.ROUNDS ?? 4); round += 1) {
    for (const name of rotated(["ceiling", ...modes], round)) {
      if (name === "ceiling") results.ceiling.push(await measure({ ...cardJob([ceiling.url], "-", "/sign"), durationSeconds: SECONDS }, ceiling.pid));
      else results[name].push(await withServer(name, (job) => measure({ ...job, durationSeconds: SECONDS }, process.pid)));
    }
    console.log(`round ${round + 1}: ${Object.entries(results).map(([name, runs]) => `${name} ${Math.round(runs.at(-1).rate)}/s`).join(", ")}`);
  }
} finally {
  await ceiling.stop();
}
const median = (runs, key) => stats(runs.map((run) => run[key])).median;
const top = median(results.ceiling, "rate");
for (const [name, runs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(9)} ${Math.round(median(runs, "rate"))}/s  ${(median(runs, "rate") / top).toFixed(2)} × ceiling  main ${Math.round(median(runs, "main"))} µs + other ${Math.round(median(runs, "other"))} µs per card`,
  );
}
process.exit(0);
