// Property: the in-process limiter (src/limits/memory.ts) never allows more than `max`
// charges in any rolling window, under random interleavings of acquire and release at random
// times, with several overlapping policies checked at once (all or nothing) — and it never
// refuses when every window has room (exact, not just safe). A model of the sliding log
// decides what the limiter must answer; fast-check shrinks any disagreement to a minimal
// sequence of commands.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createMemoryLimiter } from "../../src/limits/memory.js";
import type { LimitCheck } from "../../src/limits/limiter.js";

export const RUNS = 1000;

type Command =
  | { op: "acquire"; policies: number[]; advanceMs: number }
  | { op: "release"; pick: number; advanceMs: number }
  | { op: "wait"; advanceMs: number };

const POLICY_COUNT = 3;

const policy = fc.record({ max: fc.integer({ min: 1, max: 4 }), windowSeconds: fc.integer({ min: 1, max: 5 }) });
// Time advances in steps that often land exactly on window edges (multiples of 1000 ms).
const advance = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2500 }), fc.integer({ min: 0, max: 5 }).map((s) => s * 1000), fc.constantFrom(1, 999, 1001));
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("acquire" as const), policies: fc.subarray([0, 1, 2], { minLength: 1 }), advanceMs: advance }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat(), advanceMs: advance }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("wait" as const), advanceMs: fc.integer({ min: 0, max: 6000 }) }) },
);

describe("in-process limiter, random interleavings", () => {
  it(`never allows more than max in any window, and refuses only when a window is full (${RUNS} runs)`, async () => {
    let decisions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(policy, { minLength: POLICY_COUNT, maxLength: POLICY_COUNT }), fc.array(command, { minLength: 10, maxLength: 80, size: "max" }), async (policies, commands) => {
        const limiter = createMemoryLimiter();
        const checks: LimitCheck[] = policies.map((p, i) => ({ key: `k${i}`, name: `p${i}`, max: p.max, windowSeconds: p.windowSeconds }));
        // The model: every allowed charge still held, with its time and policies.
        const held: Array<{ id: string; at: number; policies: number[] }> = [];
        // Every charge ever allowed and when it was released (Infinity while held).
        const history: Array<{ at: number; releasedAt: number; policies: number[]; id: string }> = [];
        let now = 1_700_000_000_000;
        let n = 0;
        for (const step of commands) {
          now += step.advanceMs;
          if (step.op === "wait") continue;
          if (step.op === "release") {
            if (held.length === 0) continue;
            const [charge] = held.splice(step.pick % held.length, 1);
            await limiter.release(charge!.policies.map((i) => checks[i]!), charge!.id, charge!.at);
            history.find((h) => h.id === charge!.id)!.releasedAt = now;
            continue;
          }
          const id = `c${++n}`;
          const wanted = step.policies.map((i) => checks[i]!);
          const live = (i: number) => held.filter((c) => c.policies.includes(i) && c.at > now - checks[i]!.windowSeconds * 1000).length;
          const room = step.policies.every((i) => live(i) < checks[i]!.max);
          const decision = await limiter.acquire(wanted, id, now);
          decisions += 1;
          expect(decision.allowed, `acquire ${id} at +${now - 1_700_000_000_000} ms`).toBe(room);
          if (decision.allowed) {
            held.push({ id, at: now, policies: step.policies });
            history.push({ id, at: now, releasedAt: Number.POSITIVE_INFINITY, policies: step.policies });
            for (const state of decision.states) expect(state.remaining).toBeGreaterThanOrEqual(0);
          } else {
            expect(decision.retryAfter).toBeGreaterThanOrEqual(1);
          }
          // The invariant, from the history alone: in the window ending now, the charges
          // not released before now are at most max for every policy.
          for (let i = 0; i < POLICY_COUNT; i += 1) {
            const inWindow = history.filter((h) => h.policies.includes(i) && h.at > now - checks[i]!.windowSeconds * 1000 && h.releasedAt > now);
            expect(inWindow.length).toBeLessThanOrEqual(checks[i]!.max);
          }
        }
        await limiter.close();
      }),
      { numRuns: RUNS },
    );
    expect(decisions).toBeGreaterThan(RUNS * 10);
    console.info(`[limiter property] ${RUNS} runs, ${decisions} decisions, 0 over max`);
  });
});
