/**
 * `minicard-server start` caps how far V8's heap grows between full collections
 * (`src/cli/heap.ts`). Each case runs a child process (the built module) that keeps a live set
 * and churns through garbage that survives long enough to be promoted, as a server under a
 * steady load does, and reports the largest old generation it saw. Measured on Node 20, 22
 * and 24, 16 children at once on two cores: 55–65 MB capped against 117–138 MB with a factor
 * of 4 (about 0.45 ×).
 *
 * Both children get the same small young generation (`--max-semi-space-size=4`), so the
 * churn's garbage is promoted the same way on every Node version. Without it, Node 24's young
 * generation outlives the churn's objects, and only V8's pretenuring decisions (which differ
 * from run to run) put garbage in the old generation: single runs read 34–200 MB either way,
 * capped or not, and the test failed CI twice.
 */

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HEAP = fileURLToPath(new URL("../dist/cli/heap.js", import.meta.url));

/**
 * The child: 20 MB kept, then about 1 GB allocated over 600 turns of the event loop, as a
 * server's requests are, each object surviving a few scavenges before it is dropped.
 */
const CHURN = `
import { getHeapSpaceStatistics } from "node:v8";
import { setImmediate as turn } from "node:timers/promises";
const { limitHeapGrowth } = await import(process.argv[1]);
const set = limitHeapGrowth();
const live = Array.from({ length: 20_000 }, (_, i) => ({ i, text: "x".repeat(1000) + i }));
const ring = new Array(40_000);
let peak = 0;
for (let step = 0, i = 0; step < 600; step++) {
  for (let j = 0; j < 2500; j++, i++) ring[i % ring.length] = { i, text: "y".repeat(600) + i };
  const old = getHeapSpaceStatistics().find((space) => space.space_name === "old_space");
  peak = Math.max(peak, old.space_used_size);
  await turn();
}
console.log(JSON.stringify({ set, peakMb: peak / 2 ** 20, live: live.length }));
`;

function churn(nodeArgs: string[]): Promise<{ set: boolean; peakMb: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--max-semi-space-size=4", ...nodeArgs, "--input-type=module", "-e", CHURN, HEAP],
      { timeout: 60_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout.trim().split("\n").pop()!))),
    );
  });
}

describe("the server's heap growth", () => {
  it("keeps the old generation near its live data, where V8's widest factor lets garbage pile up", async () => {
    // 300 % is the factor V8 picks by itself on a machine with a large memory (4 ×); given on
    // the command line, it is the operator's and is kept.
    // Three pairs, compared by their medians: one run's peak still depends a little on when
    // its collections happen to fall.
    const capped: number[] = [];
    const wide: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const [cappedRun, wideRun] = await Promise.all([churn([]), churn(["--heap-growing-percent=300"])]);
      expect(cappedRun.set).toBe(true);
      expect(wideRun.set).toBe(false);
      capped.push(cappedRun.peakMb);
      wide.push(wideRun.peakMb);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
    expect(median(capped), `capped ${capped.map(Math.round).join(", ")} MB, wide ${wide.map(Math.round).join(", ")} MB`).toBeLessThan(median(wide) * 0.75);
  }, 180_000);
});
