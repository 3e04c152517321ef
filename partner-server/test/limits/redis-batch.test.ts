/**
 * The Redis limiter batches the decisions asked for in one turn of the event loop into one
 * script run. Batching must not change a single answer: decisions in a batch are made one
 * after another in the order they were asked for, each all or nothing, each on its own time.
 * The in-process limiter, asked the same things one at a time, is the reference.
 */

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LimitCheck, LimitDecision } from "../../src/limits/limiter.js";
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
    expect(await limiter.redis.zcard(`${prefix.prefix}limit:${roomy.key}`)).toBe(2);
  });

  it("charges each window once per set, and expires it", async () => {
    const shared = window(1000, 60);
    const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => limiter.acquire([shared, window(1, 60)], `s-${i}`, T + i)));
    expect(decisions.map((decision) => decision.states[0]!.remaining)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 - 1 - i));
    const key = `${prefix.prefix}limit:${shared.key}`;
    expect(await limiter.redis.zcard(key)).toBe(100);
    expect(await limiter.redis.pttl(key)).toBeGreaterThan(55_000);
  });

  it("refuses only the decision that is off Redis's clock, not its batch", async () => {
    const onTime = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [] });
    try {
      const w = window(5, 60);
      const [ahead, good] = await Promise.allSettled([onTime.acquire([w], "ahead", Date.now() + 5 * 60_000), onTime.acquire([w], "good", Date.now())]);
      expect(ahead.status).toBe("rejected");
      expect(good.status === "fulfilled" && good.value.allowed).toBe(true);
      expect(await onTime.redis.zrange(`${prefix.prefix}limit:${w.key}`, 0, -1)).toEqual(["good"]);
    } finally {
      await onTime.close();
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
