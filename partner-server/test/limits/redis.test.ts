import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimitsUnavailableError } from "../../src/limits/limiter.js";
import { createRedisReplayCache } from "../../src/limits/replay.js";
import { connectRedisLimiter, type ConnectedLimiter } from "./redis-limiter.js";
import { createRedisPrefix, startRedisServer } from "../support/services.js";
import { limiterContract } from "./limiter.contract.js";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

limiterContract("Redis", async () => {
  const { url, prefix, cleanup } = await createRedisPrefix();
  cleanups.push(cleanup);
  // The contract walks through synthetic times, far from Redis's clock.
  return connectRedisLimiter({ url, prefix, history: async () => [], clockToleranceMs: Number.MAX_SAFE_INTEGER });
});

describe("Redis limiter, beyond the contract", () => {
  let prefix: Awaited<ReturnType<typeof createRedisPrefix>>;
  let limiter: ConnectedLimiter;
  beforeAll(async () => {
    prefix = await createRedisPrefix();
    limiter = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [] });
  });
  afterAll(async () => {
    await limiter.close();
    await prefix.cleanup();
  });

  it("is exact across separate connections (several instances)", async () => {
    const others = await Promise.all([1, 2].map(() => connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [] })));
    try {
      const all = [limiter, ...others];
      const check = { key: `multi|${Date.now()}`, name: "feed-sharer", max: 1, windowSeconds: 3600 };
      const decisions = await Promise.all(Array.from({ length: 90 }, (_, i) => all[i % 3]!.acquire([check], `m-${i}`, Date.now())));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(1);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it("loads the script again after SCRIPT FLUSH (EVALSHA falls back to EVAL)", async () => {
    await limiter.redis.script("FLUSH");
    const check = { key: `flush|${Date.now()}`, name: "w", max: 1, windowSeconds: 60 };
    expect((await limiter.acquire([check], "f1", Date.now())).allowed).toBe(true);
    expect((await limiter.acquire([check], "f2", Date.now())).allowed).toBe(false);
  });

  it("keeps a jti once: SET NX PX", async () => {
    const now = Date.now();
    const replay = createRedisReplayCache(limiter.redis, prefix.prefix);
    expect(await replay.use("cinema", "jti-1", now + 60_000, now)).toBe(true);
    expect(await replay.use("cinema", "jti-1", now + 60_000, now)).toBe(false);
    expect(await replay.use("other", "jti-1", now + 60_000, now)).toBe(true);
    const ttl = await limiter.redis.pttl(`${prefix.prefix}jti:cinema:jti-1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe("Redis limiter and replay cache when Redis goes away", () => {
  it("fails closed at once, then recovers by itself when Redis returns", async () => {
    const redis = await startRedisServer();
    const limiter = await connectRedisLimiter({ url: redis.url, history: async () => [] });
    try {
      const check = { key: "down|x", name: "w", max: 100, windowSeconds: 60 };
      expect((await limiter.acquire([check], "before", Date.now())).allowed).toBe(true);
      await redis.stop();
      const started = Date.now();
      await expect(limiter.acquire([check], "during", Date.now())).rejects.toBeInstanceOf(LimitsUnavailableError);
      await expect(limiter.ping()).rejects.toBeInstanceOf(LimitsUnavailableError);
      await expect(createRedisReplayCache(limiter.redis, "minicard:").use("b", "j", Date.now() + 1000, Date.now())).rejects.toBeInstanceOf(LimitsUnavailableError);
      expect(Date.now() - started).toBeLessThan(3000);
      await redis.start();
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = await limiter.acquire([check], `after-${i}`, Date.now()).then(
          (decision) => decision.allowed,
          () => false,
        );
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recovered).toBe(true);
    } finally {
      await limiter.close();
      await redis.stop();
    }
  });
});
