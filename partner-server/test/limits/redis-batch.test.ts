/**
 * The Redis limiter batches the decisions asked for in one turn of the event loop into one
 * script run. Batching must not change a single answer: decisions in a batch are made one
 * after another in the order they were asked for, each all or nothing, each on its own time.
 * The in-process limiter, asked the same things one at a time, is the reference.
 */

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimitsUnavailableError, type LimitCheck, type LimitDecision } from "../../src/limits/limiter.js";
import { createMemoryLimiter } from "../../src/limits/memory.js";
import { connectRedisLimiter, type ConnectedLimiter } from "./redis-limiter.js";
import { createRedisPrefix } from "../support/services.js";

let prefix: Awaited<ReturnType<typeof createRedisPrefix>>;
let limiter: ConnectedLimiter;
beforeAll(async () => {
  prefix = await createRedisPrefix();
  // Synthetic times, far from Redis's clock, except where a test says otherwise.
  limiter = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [], clockToleranceMs: Number.MAX_SAFE_INTEGER });
});
afterAll(async () => {
  await limiter?.close();
  await prefix?.cleanup();
});

let unique = 0;
const window = (max: number, windowSeconds: number, name = "w"): LimitCheck => ({ key: `batch|${process.pid}|${unique++}`, name, max, windowSeconds });
const T = 1_700_000_000_000;

/** What the caller sees of a decision. */
const seen = (decision: LimitDecision) => ({
  allowed: decision.allowed,
  states: decision.states.map((state) => [state.name, state.remaining, state.resetSeconds]),
  retryAfter: decision.allowed ? undefined : decision.retryAfter,
});

describe("Redis limiter, decisions batched in one round trip", () => {
  it("decides a batch in the order asked, each all or nothing", async () => {
    const tight = window(1, 60, "tight");
    const roomy = window(10, 60, "roomy");
    // Asked in one turn: one script run.
    const [first, second, third] = await Promise.all([
      limiter.acquire([roomy, tight], "a", T),
      limiter.acquire([roomy, tight], "b", T + 1),
      limiter.acquire([roomy], "c", T + 2),
    ]);
    expect(first!.allowed).toBe(true);
    expect(second!.allowed).toBe(false);
    // The refusal charged nothing: "c" finds one charge in the roomy window, not two.
    expect(third!.states[0]!.remaining).toBe(10 - 2);
    expect(await limiter.redis.llen(`${prefix.prefix}window:${roomy.key}`)).toBe(2);
  });

  it("charges each window once per set, and expires it", async () => {
    const shared = window(1000, 60);
    const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => limiter.acquire([shared, window(1, 60)], `s-${i}`, T + i)));
    expect(decisions.map((decision) => decision.states[0]!.remaining)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 - 1 - i));
    const key = `${prefix.prefix}window:${shared.key}`;
    expect(await limiter.redis.llen(key)).toBe(100);
    expect(await limiter.redis.pttl(key)).toBeGreaterThan(55_000);
  });

  it("refuses only the decision that is off Redis's clock, not its batch", async () => {
    const onTime = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [] });
    try {
      const w = window(5, 60);
      const now = Date.now();
      const [ahead, good] = await Promise.allSettled([onTime.acquire([w], "ahead", now + 5 * 60_000), onTime.acquire([w], "good", now)]);
      expect(ahead.status).toBe("rejected");
      expect(good.status === "fulfilled" && good.value.allowed).toBe(true);
      expect(await onTime.redis.lrange(`${prefix.prefix}window:${w.key}`, 0, -1)).toEqual([String(now)]);
    } finally {
      await onTime.close();
    }
  });

  it("counts a charge that reached Redis after a newer one until that one leaves", async () => {
    const w = window(2, 10);
    // Another instance's decision at T + 1 s reaches Redis before this one's at T.
    expect((await limiter.acquire([w], "newer", T + 1000)).allowed).toBe(true);
    expect((await limiter.acquire([w], "older", T)).allowed).toBe(true);
    expect((await limiter.acquire([w], "full", T + 5000)).allowed).toBe(false);
    // At T + 10 s the charge at T has left the window by its own time, but it waits behind the
    // one at T + 1 s: still refused, so the window never held more than 2.
    const waiting = await limiter.acquire([w], "edge", T + 10_500);
    expect(waiting.allowed).toBe(false);
    // Both leave with the newer one: exactly when it does.
    expect((await limiter.acquire([w], "early", T + 10_999)).allowed).toBe(false);
    const after = await limiter.acquire([w], "after", T + 11_000);
    expect(after.allowed).toBe(true);
    expect(after.states[0]!.remaining).toBe(1);
    expect(await limiter.redis.lrange(`${prefix.prefix}window:${w.key}`, 0, -1)).toEqual([String(T + 11_000)]);
  });

  it("restores a past charge in its place among newer ones, and releases by time", async () => {
    const w = window(2, 60);
    expect((await limiter.acquire([w], "new", T + 5000)).allowed).toBe(true);
    await limiter.restore([w], "old", T);
    const key = `${prefix.prefix}window:${w.key}`;
    expect(await limiter.redis.lrange(key, 0, -1)).toEqual([String(T), String(T + 5000)]);
    expect(await limiter.redis.pttl(key)).toBeGreaterThan(55_000);
    const refused = await limiter.acquire([w], "third", T + 6000);
    expect(refused.allowed).toBe(false);
    // The restored charge is the oldest: it frees the window 54 s from now, not 59 s.
    if (!refused.allowed) expect(refused.retryAfter).toBe(54);
    // Releasing the charge at T + 5 s takes back that one, not the one at T.
    await limiter.release([w], "new", T + 5000);
    expect(await limiter.redis.lrange(key, 0, -1)).toEqual([String(T)]);
    // A release of a time the window does not hold takes back nothing.
    await limiter.release([w], "never", T + 7000);
    expect(await limiter.redis.llen(key)).toBe(1);
  });

  it("takes back nothing when Redis answered the script with an error (its charges' times may be another decision's)", async () => {
    const w = window(10, 60);
    expect((await limiter.acquire([w], "kept", T)).allowed).toBe(true);
    // A key of another type where a window should be: the script fails before charging.
    const broken = window(10, 60);
    await limiter.redis.set(`${prefix.prefix}window:${broken.key}`, "not a list");
    await expect(limiter.acquire([w, broken], "failed", T)).rejects.toBeInstanceOf(LimitsUnavailableError);
    // A take-back would be sent at once on the limiter's connection, which this one is: the
    // read below comes after it.
    // The charge at the same time by the decision before is still there.
    expect(await limiter.redis.lrange(`${prefix.prefix}window:${w.key}`, 0, -1)).toEqual([String(T)]);
  });

  it("trims a window whose many charges all left it at once, in one decision", async () => {
    const w = window(5000, 1);
    await Promise.all(Array.from({ length: 3000 }, (_, i) => limiter.acquire([w], `burst-${i}`, T + Math.floor(i / 6))));
    const key = `${prefix.prefix}window:${w.key}`;
    expect(await limiter.redis.llen(key)).toBe(3000);
    // 1506 charges to drop: the script reads the list's head in growing chunks, past several.
    const later = await limiter.acquire([w], "later", T + 1250);
    // Every charge up to T + 250 ms left; those from T + 250 ms to T + 499 ms are still in.
    const inside = Array.from({ length: 3000 }, (_, i) => T + Math.floor(i / 6)).filter((t) => t > T + 250).length;
    expect(later.states[0]!.remaining).toBe(5000 - inside - 1);
    expect(await limiter.redis.llen(key)).toBe(inside + 1);
    // The oldest left is at T + 251 ms: it leaves 1 ms from now.
    expect(later.states[0]!.resetSeconds).toBe(1);
  });

  it("holds every window to its max but for how far two instances' decisions cross in time (random)", async () => {
    const other = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [], clockToleranceMs: Number.MAX_SAFE_INTEGER });
    const JITTER = 150;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ max: fc.integer({ min: 1, max: 4 }), windowSeconds: fc.integer({ min: 1, max: 3 }) }), { minLength: 2, maxLength: 2 }),
          // Rounds: both instances send a batch at once; each decision's time is the round's
          // time plus or minus up to JITTER ms (instances' clocks and queues disagree that much).
          fc.array(
            fc.record({
              advanceMs: fc.integer({ min: 0, max: 1200 }),
              decisions: fc.array(fc.record({ instance: fc.constantFrom(0, 1), windows: fc.subarray([0, 1], { minLength: 1 }), jitterMs: fc.integer({ min: -JITTER, max: JITTER }) }), { minLength: 1, maxLength: 10 }),
            }),
            { minLength: 1, maxLength: 15 },
          ),
          async (policies, rounds) => {
            const run = unique++;
            const checks = policies.map((policy, i): LimitCheck => ({ key: `disorder|${process.pid}|${run}|${i}`, name: `p${i}`, ...policy }));
            const allowed: number[][] = checks.map(() => []);
            let now = T;
            let n = 0;
            for (const round of rounds) {
              now += round.advanceMs;
              const asked = round.decisions.map((decision) => ({ ...decision, at: now + decision.jitterMs, id: `d${run}-${n++}` }));
              const got = await Promise.all(asked.map(({ instance, windows, at, id }) => [limiter, other][instance]!.acquire(windows.map((w) => checks[w]!), id, at)));
              for (const [i, { windows, at }] of asked.entries()) if (got[i]!.allowed) for (const w of windows) allowed[w]!.push(at);
            }
            for (const [w, times] of allowed.entries()) {
              const { max, windowSeconds } = checks[w]!;
              times.sort((a, b) => a - b);
              // Decisions arrive out of time order by up to 2 × JITTER ms. A decision that came
              // after one with a later time finds the window as that one left it (an older
              // charge may have left it by the later time), so the window's edge moves by that
              // much: every stretch of its length less 2 × JITTER holds at most max charges.
              const stretch = windowSeconds * 1000 - 2 * JITTER;
              for (const [i, end] of times.entries()) expect(times.slice(0, i + 1).filter((t) => t > end - stretch).length).toBeLessThanOrEqual(max);
            }
          },
        ),
        { numRuns: 80 },
      );
    } finally {
      await other.close();
    }
  });

  it("answers as the in-process limiter does, one decision at a time (random batches)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ max: fc.integer({ min: 1, max: 4 }), windowSeconds: fc.integer({ min: 1, max: 5 }) }), { minLength: 3, maxLength: 3 }),
        // Batches of decisions: the windows each asks for, and how far time moved since the last.
        fc.array(fc.array(fc.record({ windows: fc.subarray([0, 1, 2], { minLength: 1 }), advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 }), fc.constantFrom(999, 1000, 1001)) }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
        async (policies, batches) => {
          const run = unique++;
          const checks = policies.map((policy, i): LimitCheck => ({ key: `batch-model|${process.pid}|${run}|${i}`, name: `p${i}`, ...policy }));
          const reference = createMemoryLimiter();
          let now = T;
          let n = 0;
          for (const batch of batches) {
            const asked = batch.map(({ windows, advanceMs }) => ({ checks: windows.map((i) => checks[i]!), id: `m${run}-${n++}`, at: (now += advanceMs) }));
            const got = await Promise.all(asked.map(({ checks, id, at }) => limiter.acquire(checks, id, at)));
            for (const [i, { checks, id, at }] of asked.entries()) expect(seen(got[i]!)).toEqual(seen(await reference.acquire(checks, id, at)));
          }
          await reference.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
