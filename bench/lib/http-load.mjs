// HTTP loads from a second process (lib/load.mjs, autocannon) and the jobs the benchmarks
// share: card issuance and beacon batches.

import { execFile } from "node:child_process";
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

/** Warm-up, then REPEATS measured loads; throws when any request failed. `afterWarmUp` runs between them. */
export async function repeatLoad(job, label, afterWarmUp) {
  await load({ ...job, durationSeconds: Math.min(2, SECONDS) });
  afterWarmUp?.();
  const results = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const result = await load(job);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    results.push(result);
    log(`${label}: ${Math.round(result.perSecond)}/s, p99 ${result.p99} ms`);
  }
  return results;
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
