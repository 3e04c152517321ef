#!/usr/bin/env node
// `npm run bench`: every figure next to a ceiling measured in the same run on this machine.
//
//   npm run bench                 full run: ≥ 3 repeats per figure, 10 s HTTP loads
//   npm run bench -- --quick      smoke test (CI): 1 repeat, 1 s loads; checks each benchmark runs
//   npm run bench -- --only issuance,verify
//
// HTTP load comes from a second process (bench/lib/load.mjs, autocannon) on loopback; every
// server is started here and stopped at the end. Prints a table and writes
// bench/results/latest.json (machine, Node, commit, each figure's min/median/max).
// Needs a build (`npm run build`); the scale-out figure needs PostgreSQL and Redis on
// loopback (MINICARD_BENCH_DATABASE_URL / MINICARD_BENCH_REDIS_URL to point elsewhere).
// The analytics figures load 10 M events into a SQLite store first (quick: 100 k): expect
// about 5 GB in the temporary folder and several minutes of loading on a full run.
//
// Wiring only: the settings (lib/args.mjs), one module per benchmark (benchmarks/), the
// figures they record and the table and file written at the end (lib/results.mjs).

import { only } from "./lib/args.mjs";
import { log } from "./lib/log.mjs";
import { figures, printTable, writeResults } from "./lib/results.mjs";
import { benchAnalytics } from "./benchmarks/analytics.mjs";
import { benchBrowser } from "./benchmarks/browser.mjs";
import { benchEvents } from "./benchmarks/events.mjs";
import { benchIssuance } from "./benchmarks/issuance.mjs";
import { benchLimiter } from "./benchmarks/limiter.mjs";
import { benchScaleOut } from "./benchmarks/scale-out.mjs";
import { benchSize } from "./benchmarks/size.mjs";
import { benchVerify } from "./benchmarks/verify.mjs";

const BENCHMARKS = {
  issuance: benchIssuance,
  "scale-out": benchScaleOut,
  verify: benchVerify,
  limiter: benchLimiter,
  size: benchSize,
  browser: benchBrowser,
  events: benchEvents,
  analytics: benchAnalytics,
};

const failures = [];
for (const [name, bench] of Object.entries(BENCHMARKS)) {
  if (only && !only.includes(name)) continue;
  log(`— ${name}`);
  try {
    await bench();
  } catch (error) {
    failures.push(name);
    console.error(`bench: ${name} failed:`, error);
  }
}

printTable();
writeResults(failures);
if (failures.length > 0 || figures.some((f) => !f.value.runs.every(Number.isFinite))) {
  console.error(`bench: failed: ${failures.join(", ")}`);
  process.exitCode = 1;
}
