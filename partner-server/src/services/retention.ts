/**
 * Retention: raw events are kept `MINICARD_EVENTS_RETENTION_DAYS` UTC days (default 30).
 * Stats, the ledger and the hot list read rollups, credits and debits, which are kept for
 * ever, so deleting raw events changes none of them. SQLite deletes in bounded batches,
 * yielding between them so that ingestion and issuance go on; PostgreSQL drops whole daily
 * partitions.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyBaseLogger } from "fastify";
import { dayOf } from "../domain/counting.js";
import type { Store } from "../store/store.js";

/** Rows deleted per statement: one batch holds the SQLite writer for a few milliseconds. */
export const PURGE_BATCH = 5000;
/** How often retention runs (also once at start). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** Deletes every raw event older than `days` UTC days before `now`; answers how many. */
export async function purgeEvents(store: Store, options: { days: number; now: number; signal?: AbortSignal }): Promise<number> {
  const beforeDay = dayOf(options.now) - options.days + 1;
  let total = 0;
  for (;;) {
    const deleted = await store.events.purge(beforeDay, PURGE_BATCH, options.now);
    total += deleted;
    if (deleted < PURGE_BATCH || options.signal?.aborted) return total;
    await sleep(10);
  }
}

/** Runs retention now and every hour until `close()`. */
export function startRetention(store: Store, options: { days: number; now: () => number; log: FastifyBaseLogger }): { close(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  const run = () => {
    running = running.then(async () => {
      if (stop.signal.aborted) return;
      try {
        const deleted = await purgeEvents(store, { days: options.days, now: options.now(), signal: stop.signal });
        if (deleted > 0) options.log.info({ deleted, retentionDays: options.days }, "retention: raw events deleted");
      } catch (error) {
        options.log.warn({ err: error }, "retention pass failed; it runs again within the hour");
      }
    });
  };
  const start = setTimeout(run, 1000);
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  start.unref();
  timer.unref();
  return {
    async close() {
      stop.abort();
      clearTimeout(start);
      clearInterval(timer);
      await running;
    },
  };
}
