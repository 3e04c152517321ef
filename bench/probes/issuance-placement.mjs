// A probe, not a benchmark: how much of issuance's gap to the sign-only ceiling is where the
// kernel runs the threads. The bench leaves placement to the kernel; on two cores it then
// runs four busy threads (the server's event loop, its signing and SQLite threads, the load
// generator) for issuance and two (the ceiling's event loop, the load generator) for the
// ceiling. This probe loads both, as `npm run bench` does (POST, 50 connections, a second
// process), in two placements:
//
//   free    as the bench: every thread may run on every core
//   apart   the server's event-loop thread alone on core 0; its other threads, this probe
//           and the load generator on core 1 (`taskset`, per thread) — the same for the
//           ceiling, so both event loops get a core of their own
//
// Each line gives the rate, p99, the server's CPU per request (main thread, other threads),
// the machine's, and from /proc/<pid>/task/<tid>/schedstat the share of the load's wall time
// the event-loop thread ran and the share it was ready to run but waited for a core. The
// summary gives each placement's median issuance rate against its median ceiling.
//
//   npm run build && node bench/probes/issuance-placement.mjs      (ROUNDS=, SECONDS=; Linux, two or more cores)
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cardJob, measuredLoad, warmUp } from "../lib/http-load.mjs";
import { CEILING_SERVER, seedBench, spawnListening, startPartnerServer } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const SECONDS = Number(process.env.SECONDS ?? 6);
const ROUNDS = Number(process.env.ROUNDS ?? 4);

/** Nanoseconds the thread has run and has waited ready to run (the first two fields of schedstat). */
function schedstat(pid, tid = pid) {
  const [ran, waited] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
  return { ran, waited };
}

const setCpus = (tid, cpus) => execFileSync("taskset", ["-p", "-c", cpus, String(tid)], { stdio: "ignore" });

/** Places `server`'s threads and this process (whose children, the load generators, inherit it). */
function place(server, placement) {
  const all = placement === "free";
  for (const tid of readdirSync(`/proc/${server.pid}/task`)) setCpus(tid, all ? "0-1" : tid === String(server.pid) ? "0" : "1");
  setCpus(process.pid, all ? "0-1" : "1");
}

const ceiling = await spawnListening(CEILING_SERVER);
const server = await startPartnerServer();
const runs = {};
try {
  const targets = [
    { name: "ceiling", server: ceiling, job: { ...cardJob([ceiling.url], "-", "/sign"), durationSeconds: SECONDS } },
    { name: "issuance", server, job: { ...cardJob([server.url], await seedBench(server.url)), durationSeconds: SECONDS } },
  ];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const placement of round % 2 === 0 ? ["free", "apart"] : ["apart", "free"]) {
      for (const target of targets) {
        place(target.server, placement);
        await warmUp(target.job);
        const before = schedstat(target.server.pid);
        const started = process.hrtime.bigint();
        const { perSecond, p99, cpu } = await measuredLoad(target.job, target.name, target.server.pid);
        const wall = Number(process.hrtime.bigint() - started);
        const after = schedstat(target.server.pid);
        (runs[`${target.name} ${placement}`] ??= []).push(perSecond);
        console.log(
          `${target.name.padEnd(8)} ${placement.padEnd(5)} ${Math.round(perSecond)}/s, p99 ${p99} ms, CPU per request: main ${Math.round(cpu.mainUs)} µs, ` +
            `other threads ${Math.round(cpu.otherUs)} µs, the machine ${Math.round(cpu.machineUs)} µs (${Math.round(cpu.machineIdle * 100)} % idle); ` +
            `event loop ran ${Math.round(((after.ran - before.ran) / wall) * 100)} %, waited for a core ${Math.round(((after.waited - before.waited) / wall) * 100)} %`,
        );
      }
    }
  }
} finally {
  setCpus(process.pid, "0-1");
  await server.stop();
  await ceiling.stop();
}
const median = (key) => stats(runs[key]).median;
for (const placement of ["free", "apart"]) {
  console.log(
    `${placement}: issuance ${Math.round(median(`issuance ${placement}`))}/s, ceiling ${Math.round(median(`ceiling ${placement}`))}/s, ` +
      `ratio ${(median(`issuance ${placement}`) / median(`ceiling ${placement}`)).toFixed(2)} ×`,
  );
}
