/**
 * The in-process limiter: a sliding log per window (the exact times of the charges still
 * inside it), so there is no burst at a window edge. JavaScript runs one decision at a time,
 * so check-and-charge is atomic without locks. Windows are rebuilt from the stored cards at
 * start (`restore`), so limits survive a restart.
 *
 * Built for the hot path: a log is two parallel arrays (times, ids) read from a moving
 * start index, so expiring charges is O(1) amortised and a decision allocates only its
 * answer (see `npm run bench`, "limiter decisions, in-process").
 */

import type { LimitCheck, LimitDecision, Limiter, LimitState } from "./limiter.js";

/** The charges inside one window, oldest first, from `start`. */
interface Log {
  at: number[];
  id: string[];
  start: number;
}

const size = (log: Log) => log.at.length - log.start;

/** Creates an in-process limiter. */
export function createMemoryLimiter(): Limiter {
  const windows = new Map<string, Log>();
  let decisions = 0;

  /** The window's log with charges at or before `now - window` dropped; undefined when empty. */
  function live(check: LimitCheck, now: number): Log | undefined {
    const log = windows.get(check.key);
    if (log === undefined) return undefined;
    const cutoff = now - check.windowSeconds * 1000;
    let start = log.start;
    while (start < log.at.length && log.at[start]! <= cutoff) start++;
    if (start === log.at.length) {
      windows.delete(check.key);
      return undefined;
    }
    if (start > 1024 && start * 2 > log.at.length) {
      // Compact once the dead head outweighs the live tail.
      log.at = log.at.slice(start);
      log.id = log.id.slice(start);
      start = 0;
    }
    log.start = start;
    return log;
  }

  function sweep(now: number): void {
    // Bounded memory: every so often drop windows nobody charged lately.
    for (const [key, log] of windows) {
      const last = log.at[log.at.length - 1];
      if (last === undefined || last < now - 31 * 24 * 3600 * 1000) windows.delete(key);
    }
  }

  function state(check: LimitCheck, log: Log | undefined, now: number): LimitState {
    const count = log === undefined ? 0 : size(log);
    const oldest = count === 0 ? undefined : log!.at[log!.start]!;
    return {
      name: check.name,
      max: check.max,
      windowSeconds: check.windowSeconds,
      remaining: Math.max(0, check.max - count),
      resetSeconds: oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + check.windowSeconds * 1000 - now) / 1000)),
    };
  }

  function insert(check: LimitCheck, at: number, id: string): Log {
    let log = windows.get(check.key);
    if (log === undefined) windows.set(check.key, (log = { at: [], id: [], start: 0 }));
    // Charges arrive in time order, except restored ones: keep the log sorted.
    let index = log.at.length;
    while (index > log.start && log.at[index - 1]! > at) index--;
    if (index === log.at.length) {
      log.at.push(at);
      log.id.push(id);
    } else {
      log.at.splice(index, 0, at);
      log.id.splice(index, 0, id);
    }
    return log;
  }

  return {
    durable: false,

    async acquire(checks, id, now): Promise<LimitDecision> {
      if (++decisions % 10_000 === 0) sweep(now);
      const logs: Array<Log | undefined> = new Array(checks.length);
      let retryAfter = 0;
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!;
        const log = (logs[i] = live(check, now));
        const count = log === undefined ? 0 : size(log);
        if (count >= check.max) {
          // Room comes back when enough of the oldest charges have left the window.
          const freeing = log!.at[log!.at.length - check.max]! + check.windowSeconds * 1000;
          retryAfter = Math.max(retryAfter, Math.max(1, Math.ceil((freeing - now) / 1000)));
        }
      }
      const states: LimitState[] = new Array(checks.length);
      if (retryAfter > 0) {
        for (let i = 0; i < checks.length; i++) states[i] = state(checks[i]!, logs[i], now);
        return { allowed: false, states, retryAfter };
      }
      for (let i = 0; i < checks.length; i++) states[i] = state(checks[i]!, insert(checks[i]!, now, id), now);
      return { allowed: true, states };
    },

    async release(checks, id) {
      for (const check of checks) {
        const log = windows.get(check.key);
        if (log === undefined) continue;
        const index = log.id.lastIndexOf(id);
        if (index >= log.start) {
          log.at.splice(index, 1);
          log.id.splice(index, 1);
        }
      }
    },

    async restore(checks, id, at) {
      for (const check of checks) insert(check, at, id);
    },

    async ping() {},

    async close() {
      windows.clear();
    },
  };
}
