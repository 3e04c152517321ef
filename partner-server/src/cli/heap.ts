/**
 * How much the server's V8 heap may grow between full collections.
 *
 * After each full (mark-compact) collection V8 sets the size at which the next one starts: what
 * survived times a growing factor. On a machine with a large memory that factor is up to 4, so
 * a server whose live data is 25 MB lets garbage pile up to about 100 MB before collecting it.
 * Under a steady beacon load that is 60 to 70 MB of resident memory that serves nothing, on
 * every instance. `minicard-server start` sets the factor to 1.5
 * (`--heap-growing-percent=50`): the heap tops out near 40 MB at the same load, with no
 * measurable cost in throughput (docs/scale.md has the figures).
 *
 * Only the process the CLI owns is changed: `createServer` embedded in another program leaves
 * that program's heap alone. An operator who starts node with the flag
 * (`node --heap-growing-percent=N dist/bin.js start`; node refuses it in `NODE_OPTIONS`) keeps
 * their value, and `--heap-growing-percent=0` is V8's own sizing.
 */

import { setFlagsFromString } from "node:v8";

/** The server's growing factor is 1 + this / 100. */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Sets {@link HEAP_GROWING_PERCENT} unless node was started with the flag (`execArgv`).
 * V8 reads it each time it sizes the heap after a collection, so setting it at start takes
 * effect from the next collection on. Returns whether it was set here.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((flag) => FLAG.test(flag))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
