/**
 * The in-process limiter: a sliding log per window (the exact times of the charges still
 * inside it), so there is no burst at a window edge. JavaScript runs one decision at a time,
 * so check-and-charge is atomic without locks. Windows are rebuilt from the stored cards at
 * start (`restore`), so limits survive a restart.
 *
 * Built for the hot path (see `npm run bench`, "limiter decisions, in-process"): a log is a
 * ring of charge times in a `Float64Array` that doubles when full, so a charge is one store,
 * expiry moves the start index, and the garbage collector has nothing to trace. A charge is
 * taken back by its time (`release` is called right after `acquire`, with the same time):
 * two charges at the same millisecond are interchangeable.
 */

import type { LimitCheck, LimitDecision, Limiter, LimitState } from "./limiter.js";

/** The charge times inside one window, oldest first: `size` values from `head`, wrapping. */
class Log {
  times = new Float64Array(8);
  head = 0;
  size = 0;

  at(index: number): number {
    return this.times[(this.head + index) & (this.times.length - 1)]!;
  }

  /** Drops charges at or before `cutoff` from the front. */
  expire(cutoff: number): void {
    const mask = this.times.length - 1;
    while (this.size > 0 && this.times[this.head]! <= cutoff) {
      this.head = (this.head + 1) & mask;
      this.size--;
    }
  }

  /** Adds a charge, keeping the log sorted (restored charges may come out of order). */
  insert(time: number): void {
    if (this.size === this.times.length) this.grow();
    const mask = this.times.length - 1;
    let index = this.size;
    while (index > 0 && this.at(index - 1) > time) {
      this.times[(this.head + index) & mask] = this.at(index - 1);
      index--;
    }
    this.times[(this.head + index) & mask] = time;
    this.size++;
  }

  /** Removes one charge at `time` (the newest such); false when there is none. */
  remove(time: number): boolean {
    const mask = this.times.length - 1;
    for (let index = this.size - 1; index >= 0; index--) {
      if (this.at(index) !== time) continue;
      for (let next = index + 1; next < this.size; next++) this.times[(this.head + next - 1) & mask] = this.at(next);
      this.size--;
      return true;
    }
    return false;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    for (let index = 0; index < this.size; index++) times[index] = this.at(index);
    this.times = times;
    this.head = 0;
  }
}

/** Creates an in-process limiter. */
export function createMemoryLimiter(): Limiter {
  const windows = new Map<string, Log>();
  let decisions = 0;

  /** The window's log with charges at or before `now - window` dropped; undefined when empty. */
  function live(check: LimitCheck, now: number): Log | undefined {
    const log = windows.get(check.key);
    if (log === undefined) return undefined;
    log.expire(now - check.windowSeconds * 1000);
    if (log.size > 0) return log;
    windows.delete(check.key);
    return undefined;
  }

  function sweep(now: number): void {
    // Bounded memory: every so often drop windows nobody charged lately.
    for (const [key, log] of windows) {
      if (log.size === 0 || log.at(log.size - 1) < now - 31 * 24 * 3600 * 1000) windows.delete(key);
    }
  }

  function state(check: LimitCheck, log: Log | undefined, now: number): LimitState {
    const count = log === undefined ? 0 : log.size;
    return {
      name: check.name,
      max: check.max,
      windowSeconds: check.windowSeconds,
      remaining: Math.max(0, check.max - count),
      resetSeconds: count === 0 ? 0 : Math.max(0, Math.ceil((log!.at(0) + check.windowSeconds * 1000 - now) / 1000)),
    };
  }

  function logOf(check: LimitCheck): Log {
    let log = windows.get(check.key);
    if (log === undefined) windows.set(check.key, (log = new Log()));
    return log;
  }

  return {
    durable: false,

    async acquire(checks, _id, now): Promise<LimitDecision> {
      if (++decisions % 10_000 === 0) sweep(now);
      const logs: Array<Log | undefined> = new Array(checks.length);
      let retryAfter = 0;
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i]!;
        const log = (logs[i] = live(check, now));
        if (log !== undefined && log.size >= check.max) {
          // Room comes back when enough of the oldest charges have left the window.
          const freeing = log.at(log.size - check.max) + check.windowSeconds * 1000;
          retryAfter = Math.max(retryAfter, Math.max(1, Math.ceil((freeing - now) / 1000)));
        }
      }
      const states: LimitState[] = new Array(checks.length);
      if (retryAfter > 0) {
        for (let i = 0; i < checks.length; i++) states[i] = state(checks[i]!, logs[i], now);
        return { allowed: false, states, retryAfter };
      }
      for (let i = 0; i < checks.length; i++) {
        const log = logs[i] ?? logOf(checks[i]!);
        log.insert(now);
        states[i] = state(checks[i]!, log, now);
      }
      return { allowed: true, states };
    },

    async release(checks, _id, at) {
      for (const check of checks) windows.get(check.key)?.remove(at);
    },

    async restore(checks, _id, at) {
      for (const check of checks) logOf(check).insert(at);
    },

    async ping() {},

    async close() {
      windows.clear();
    },
  };
}
