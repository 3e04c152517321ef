/**
 * The in-process limiter: a sliding log per window (the exact timestamps of the charges
 * still inside it), so there is no burst at a window edge. JavaScript runs one decision at
 * a time, so check-and-charge is atomic without locks. Windows are rebuilt from the stored
 * cards at start (`restore`), so limits survive a restart.
 */

import type { LimitCheck, LimitDecision, Limiter, LimitState } from "./limiter.js";

interface Charge {
  at: number;
  id: string;
}

/** Creates an in-process limiter. */
export function createMemoryLimiter(): Limiter {
  const windows = new Map<string, Charge[]>();
  let decisions = 0;

  function live(check: LimitCheck, now: number): Charge[] {
    const log = windows.get(check.key);
    if (log === undefined) return [];
    const cutoff = now - check.windowSeconds * 1000;
    let expired = 0;
    while (expired < log.length && log[expired]!.at <= cutoff) expired++;
    if (expired > 0) log.splice(0, expired);
    if (log.length === 0) windows.delete(check.key);
    return log;
  }

  function sweep(now: number): void {
    // Bounded memory: every so often drop windows nobody charged lately.
    for (const [key, log] of windows) {
      const last = log[log.length - 1];
      if (last === undefined || last.at < now - 31 * 24 * 3600 * 1000) windows.delete(key);
    }
  }

  function state(check: LimitCheck, log: Charge[], now: number): LimitState {
    const oldest = log[0]?.at;
    return {
      name: check.name,
      max: check.max,
      windowSeconds: check.windowSeconds,
      remaining: Math.max(0, check.max - log.length),
      resetSeconds: oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + check.windowSeconds * 1000 - now) / 1000)),
    };
  }

  function insert(check: LimitCheck, charge: Charge): void {
    let log = windows.get(check.key);
    if (log === undefined) windows.set(check.key, (log = []));
    let at = log.length;
    while (at > 0 && log[at - 1]!.at > charge.at) at--;
    log.splice(at, 0, charge);
  }

  return {
    durable: false,

    async acquire(checks, id, now): Promise<LimitDecision> {
      if (++decisions % 10_000 === 0) sweep(now);
      const logs = checks.map((check) => live(check, now));
      let refused = false;
      let retryAfter = 0;
      checks.forEach((check, i) => {
        const log = logs[i]!;
        if (log.length >= check.max) {
          refused = true;
          // Room comes back when enough of the oldest charges have left the window.
          const freeing = log[log.length - check.max]!.at + check.windowSeconds * 1000;
          retryAfter = Math.max(retryAfter, Math.ceil((freeing - now) / 1000));
        }
      });
      if (refused) {
        return { allowed: false, states: checks.map((check, i) => state(check, logs[i]!, now)), retryAfter: Math.max(1, retryAfter) };
      }
      for (const check of checks) insert(check, { at: now, id });
      return { allowed: true, states: checks.map((check) => state(check, windows.get(check.key)!, now)) };
    },

    async release(checks, id) {
      for (const check of checks) {
        const log = windows.get(check.key);
        const index = log?.findIndex((charge) => charge.id === id) ?? -1;
        if (log && index >= 0) log.splice(index, 1);
      }
    },

    async restore(checks, id, at) {
      for (const check of checks) insert(check, { at, id });
    },

    async ping() {},

    async close() {
      windows.clear();
    },
  };
}
