// HTTP loads from a second process (lib/load.mjs, autocannon) and the jobs the benchmarks
// share: card issuance and beacon batches.

import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CONNECTIONS, REPEATS, SECONDS } from "./args.mjs";
import { log } from "./log.mjs";
import { CARD_REQUEST, ORIGIN } from "./servers.mjs";

const run = promisify(execFile);

/** Runs one autocannon job in a second process. */
export async function load(job) {
  const { stdout } = await run(process.execPath, [fileURLToPath(new URL("./load.mjs", import.meta.url)), JSON.stringify(job)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop());
}

export const cardJob = (urls, apiKey, path = "/v1/cards") => ({
  urls,
  path,
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
  body: JSON.stringify(CARD_REQUEST),
  connections: CONNECTIONS,
  durationSeconds: SECONDS,
});

/** A short load that is not measured: JIT, caches and connections settle first. */
export const warmUp = (job) => load({ ...job, durationSeconds: Math.min(2, SECONDS) });

/** One measured load of `job`; throws, naming `label`, when any request failed. */
export async function checkedLoad(job, label) {
  const result = await load(job);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/**
 * One measured load of `job` (as {@link checkedLoad}). With `pid` (a server on this machine),
 * the result also carries `cpu`: the server's CPU time per request in microseconds, on its
 * main thread and on all its other threads (a SQLite worker, GC and libuv helpers), and the
 * whole machine's (every process: the server, the load generator, the kernel's loopback),
 * with the share of the machine left idle, read from /proc around the load.
 */
export async function measuredLoad(job, label, pid) {
  const before = pid === undefined ? undefined : threadCpu(pid);
  const machineBefore = pid === undefined ? undefined : machineCpu();
  const result = await checkedLoad(job, label);
  if (before) {
    const after = threadCpu(pid);
    const machineAfter = machineCpu();
    const requests = result.perSecond * job.durationSeconds;
    if (after && requests > 0) {
      result.cpu = { mainUs: (after.main - before.main) / requests, otherUs: (after.other - before.other) / requests };
      const busy = machineAfter && machineBefore ? machineAfter.busy - machineBefore.busy : 0;
      const idle = machineAfter && machineBefore ? machineAfter.idle - machineBefore.idle : 0;
      if (busy + idle > 0) {
        result.cpu.machineUs = busy / requests;
        result.cpu.machineIdle = idle / (busy + idle);
      }
    }
  }
  return result;
}

/**
 * Warm-up, then REPEATS measured loads ({@link measuredLoad}, `cpu` included with `pid`);
 * throws when any request failed. `afterWarmUp` runs between them.
 */
export async function repeatLoad(job, label, afterWarmUp, { pid } = {}) {
  await warmUp(job);
  afterWarmUp?.();
  const results = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const result = await measuredLoad(job, label, pid);
    results.push(result);
    const machine = result.cpu?.machineUs === undefined ? "" : `; machine ${Math.round(result.cpu.machineUs)} µs per request, ${Math.round(result.cpu.machineIdle * 100)} % idle`;
    const cpu = result.cpu ? `, CPU ${Math.round(result.cpu.mainUs)} µs main + ${Math.round(result.cpu.otherUs)} µs other threads per request${machine}` : "";
    log(`${label}: ${Math.round(result.perSecond)}/s, p99 ${result.p99} ms${cpu}`);
  }
  return results;
}

/** Microseconds of CPU a process has used, on its main thread and on its other threads (Linux /proc; undefined elsewhere). */
export function threadCpu(pid) {
  const TICK_US = 10_000; // USER_HZ is 100 on Linux
  try {
    let main = 0;
    let other = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      } catch {
        continue; // the thread ended while we read
      }
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const used = (Number(fields[11]) + Number(fields[12])) * TICK_US;
      if (tid === String(pid)) main += used;
      else other += used;
    }
    return { main, other };
  } catch {
    return undefined;
  }
}

/** Microseconds of CPU the whole machine has spent busy and idle, over all its cores (Linux /proc/stat; undefined elsewhere). */
export function machineCpu() {
  const TICK_US = 10_000;
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq (steal, time the host gave to others, is
    // neither; guest time is already in user and nice)
    const [user, nice, system, idle, iowait, irq, softirq] = fields.map(Number);
    return { busy: (user + nice + system + irq + softirq) * TICK_US, idle: (idle + iowait) * TICK_US };
  } catch {
    return undefined;
  }
}

/** Beacon batches of 50 events on `cards`, as the widget sends them from a partner page. */
export const eventsJob = (url, path, cards) => ({
  urls: [url],
  path,
  method: "POST",
  headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN },
  bodies: "events",
  cards,
  connections: CONNECTIONS,
  durationSeconds: SECONDS,
});
