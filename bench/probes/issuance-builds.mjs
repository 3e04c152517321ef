// A probe, not a benchmark: card issuance on two or more builds or settings of the partner
// server, each a server of its own (`minicard-server start`, SQLite), loaded as the bench loads
// issuance (POST /v1/cards, 50 connections, a second process), one server at a time, in an
// order reversed every round so the machine's drift falls on all of them alike. Each line gives
// the median rate and p99, the server's CPU per card (main thread, other threads) and the whole
// machine's, then each round's rate and main-thread CPU.
//
// VARIANTS lists the servers, separated by `;`: a name, then `=` and settings separated by `,`:
//   cli:<path>           another build's bin.js (e.g. a copy of the tree at an older commit)
//   node:<flag>+<flag>   node flags
//   <ENV>:<value>        an environment variable of the server
//
//   npm run build && cp -a . /tmp/base && git checkout <change> && npm run build
//   VARIANTS="base=cli:/tmp/base/partner-server/dist/bin.js;new" node bench/probes/issuance-builds.mjs
//   VARIANTS="thread;main=MINICARD_SIGN_ON:main" ROUNDS=6 SECONDS=8 node bench/probes/issuance-builds.mjs
import { cardJob, measuredLoad, warmUp } from "../lib/http-load.mjs";
import { CLI, seedBench, startPartnerServer } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const variants = (process.env.VARIANTS ?? "current").split(";").map((spec) => {
  const at = spec.indexOf("=");
  const settings = at < 0 ? [] : spec.slice(at + 1).split(",").filter(Boolean);
  const variant = { name: at < 0 ? spec : spec.slice(0, at), cli: CLI, node: [], env: {}, runs: [] };
  for (const setting of settings) {
    const colon = setting.indexOf(":");
    const [key, value] = [setting.slice(0, colon), setting.slice(colon + 1)];
    if (key === "cli") variant.cli = value;
    else if (key === "node") variant.node = value.split("+");
    else variant.env[key] = value;
  }
  return variant;
});
const SECONDS = Number(process.env.SECONDS ?? 8);

/** One variant's server, warmed up and loaded once: its rate, p99 and CPU per card. */
async function measure(variant) {
  const server = await startPartnerServer({ cli: variant.cli, env: variant.env, nodeArgs: variant.node });
  try {
    const job = { ...cardJob([server.url], await seedBench(server.url)), durationSeconds: SECONDS };
    await warmUp(job);
    const { perSecond, p99, cpu } = await measuredLoad(job, variant.name, server.pid);
    return { rate: perSecond, p99, main: cpu.mainUs, other: cpu.otherUs, machine: cpu.machineUs };
  } finally {
    await server.stop();
  }
}

for (let round = 0; round < Number(process.env.ROUNDS ?? 6); round += 1) {
  for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) variant.runs.push(await measure(variant));
}
const median = (runs, field) => stats(runs.map((run) => run[field])).median;
for (const { name, runs } of variants) {
  console.log(
    `${name.padEnd(12)} ${Math.round(median(runs, "rate"))}/s, p99 ${median(runs, "p99")} ms, CPU per card: main ${Math.round(median(runs, "main"))} µs, ` +
      `other threads ${Math.round(median(runs, "other"))} µs, the machine ${Math.round(median(runs, "machine"))} µs | ` +
      runs.map((run) => `${Math.round(run.rate)}/s ${Math.round(run.main)} µs`).join(", "),
  );
}
