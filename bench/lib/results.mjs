// The figures a run records, the table it prints, and the JSON file it writes
// (bench/results/latest.json for a full run; quick.json or partial.json otherwise).

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { CONNECTIONS, REPEATS, SECONDS, only, quick } from "./args.mjs";
import { stats } from "./stats.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every figure recorded so far, in order. */
export const figures = [];

/** Records a figure; `ratio` is figure.median / ceiling.median unless given. */
export function record({ name, unit, value, ceiling, ceilingName, target, met, note, ratio, extra }) {
  const figure = {
    name,
    unit,
    value: stats(value),
    ...(ceiling ? { ceiling: { name: ceilingName, ...stats(ceiling) } } : {}),
    ...(ratio !== undefined ? { ratio } : ceiling ? { ratio: stats(value).median / stats(ceiling).median } : {}),
    target,
    met,
    ...(note ? { note } : {}),
    ...(extra ? extra : {}),
  };
  figures.push(figure);
  return figure;
}

/** Prints the figures as a Markdown table on standard output. */
export function printTable() {
  const fmt = (value, unit) => (unit === "ms" ? value.toFixed(0) : Math.round(value).toLocaleString("en-US"));
  console.log("\n| figure | median (min–max) | ceiling, same run | ratio | target | met |\n|---|---|---|---|---|---|");
  for (const f of figures) {
    const value = `${fmt(f.value.median, f.unit)} ${f.unit}${f.value.runs.length > 1 ? ` (${fmt(f.value.min, f.unit)}–${fmt(f.value.max, f.unit)})` : ""}`;
    const ceiling = f.ceiling ? `${fmt(f.ceiling.median, f.unit)}: ${f.ceiling.name}` : "—";
    console.log(`| ${f.name} | ${value} | ${ceiling} | ${f.ratio !== undefined ? f.ratio.toFixed(2) + " ×" : "—"} | ${f.target} | ${f.met ? "yes" : "no"} |`);
  }
  const cpu = (use) =>
    `${use.main} µs on the main thread + ${use.other} µs on other threads` +
    (use.machine === undefined ? "" : ` (the machine: ${use.machine} µs, ${Math.round(use.machineIdle * 100)} % idle)`);
  const withCpu = figures.filter((f) => f.cpuUsPerRequest && f.ceilingCpuUsPerRequest);
  if (withCpu.length > 0) console.log("\nServer CPU per request (median of runs):");
  for (const f of withCpu) console.log(`- ${f.name}: ${cpu(f.cpuUsPerRequest)}; its ceiling: ${cpu(f.ceilingCpuUsPerRequest)}`);
}

/** Writes the run's figures, machine, Node and commit to bench/results/ and names the file. */
export function writeResults(failures) {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  const result = {
    date: new Date().toISOString(),
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    quick,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()} ${os.arch()}` },
    node: process.version,
    commit,
    repeats: REPEATS,
    loadSeconds: SECONDS,
    connections: CONNECTIONS,
    figures,
    failures,
  };
  // Only a full run of every benchmark is the record (latest.json); quick and partial runs go beside it.
  const file = quick ? "quick" : only ? "partial" : "latest";
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/${file}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten: bench/results/${file}.json`);
}
