/**
 * The limiter contract: one test body, run against every backend (`memory.test.ts`,
 * `redis.test.ts`). Time is passed explicitly, so windows can be walked through without
 * waiting.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LimitCheck, Limiter } from "../../src/limits/limiter.js";

/** Opens a fresh, empty limiter; `close` is called after the suite. */
export type OpenLimiter = () => Promise<Limiter>;

let unique = 0;
const check = (max: number, windowSeconds: number, name = "w"): LimitCheck => ({
  key: `contract|${process.pid}|${Date.now()}|${unique++}`,
  name,
  max,
  windowSeconds,
});

/** Registers the contract for one backend. */
export function limiterContract(backend: string, open: OpenLimiter): void {
  describe(`limiter contract: ${backend}`, () => {
    let limiter: Limiter;
    beforeAll(async () => {
      limiter = await open();
    });
    afterAll(() => limiter?.close());

    const T = 1_700_000_000_000;

    it("allows up to max within the window, then refuses with Retry-After", async () => {
      const w = check(3, 60);
      for (let i = 0; i < 3; i++) {
        const decision = await limiter.acquire([w], `id-${i}`, T + i * 1000);
        expect(decision.allowed).toBe(true);
        expect(decision.states[0]).toMatchObject({ name: "w", max: 3, windowSeconds: 60, remaining: 2 - i });
      }
      const refused = await limiter.acquire([w], "id-3", T + 10_000);
      expect(refused.allowed).toBe(false);
      if (refused.allowed) return;
      // The oldest charge (at T) leaves the window at T + 60 s: 50 s from now.
      expect(refused.retryAfter).toBe(50);
      expect(refused.states[0]).toMatchObject({ remaining: 0, resetSeconds: 50 });
    });

    it("rolls: a charge frees exactly when it leaves the window, no burst at an edge", async () => {
      const w = check(2, 10);
      expect((await limiter.acquire([w], "a", T)).allowed).toBe(true);
      expect((await limiter.acquire([w], "b", T + 5000)).allowed).toBe(true);
      expect((await limiter.acquire([w], "c", T + 9999)).allowed).toBe(false);
      // At T + 10 s, the first charge has left; the second (T + 5 s) is still in.
      const at10 = await limiter.acquire([w], "d", T + 10_000);
      expect(at10.allowed).toBe(true);
      expect(at10.states[0]!.remaining).toBe(0);
      expect(at10.states[0]!.resetSeconds).toBe(5);
      expect((await limiter.acquire([w], "e", T + 14_999)).allowed).toBe(false);
      expect((await limiter.acquire([w], "f", T + 15_000)).allowed).toBe(true);
    });

    it("charges all windows or none", async () => {
      const roomy = check(10, 60, "roomy");
      const tight = check(1, 60, "tight");
      expect((await limiter.acquire([tight], "x", T)).allowed).toBe(true);
      const refused = await limiter.acquire([roomy, tight], "y", T + 1000);
      expect(refused.allowed).toBe(false);
      // Nothing was charged to the roomy window by the refusal.
      const after = await limiter.acquire([roomy], "z", T + 2000);
      expect(after.allowed).toBe(true);
      expect(after.states[0]!.remaining).toBe(9);
      if (!refused.allowed) {
        expect(refused.states.map((state) => [state.name, state.remaining])).toEqual([
          ["roomy", 10],
          ["tight", 0],
        ]);
        expect(refused.retryAfter).toBe(59);
      }
    });

    it("retryAfter covers every refusing window", async () => {
      const a = check(1, 30, "a");
      const b = check(1, 90, "b");
      await limiter.acquire([a], "a1", T);
      await limiter.acquire([b], "b1", T);
      const refused = await limiter.acquire([a, b], "ab", T + 1000);
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.retryAfter).toBe(89);
    });

    it("release takes back a charge", async () => {
      const w = check(1, 60);
      expect((await limiter.acquire([w], "r1", T)).allowed).toBe(true);
      await limiter.release([w], "r1", T);
      expect((await limiter.acquire([w], "r2", T + 1)).allowed).toBe(true);
      expect((await limiter.acquire([w], "r3", T + 2)).allowed).toBe(false);
    });

    it("restore records a past charge that counts until it leaves the window", async () => {
      const w = check(1, 60);
      await limiter.restore([w], "old", T - 30_000);
      const refused = await limiter.acquire([w], "new", T);
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.retryAfter).toBe(30);
      expect((await limiter.acquire([w], "later", T + 30_000)).allowed).toBe(true);
    });

    it("is exact under concurrency: 200 racing requests for 7 units → 7 allowed", async () => {
      const w = check(7, 3600);
      const brand = check(1000, 3600);
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => limiter.acquire([w, brand], `c-${i}`, T + i)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
      const next = await limiter.acquire([brand], "brand-only", T + 500);
      expect(next.states[0]!.remaining).toBe(1000 - 7 - 1);
    });

    it("allows a request with no checks", async () => {
      expect(await limiter.acquire([], "none", T)).toEqual({ allowed: true, states: [] });
    });

    it("answers ping", async () => {
      await expect(limiter.ping()).resolves.toBeUndefined();
    });
  });
}
