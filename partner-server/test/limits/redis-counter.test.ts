/**
 * The abuse guards' sliding counters in Redis (`limits/abuse.ts`), on a real Redis: the looks
 * one client asks for in one turn of the event loop share one script run, charges never do,
 * and a shared look answers what a look of its own would have.
 */

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisSlidingCounter } from "../../src/limits/abuse.js";
import { connectRedis } from "../../src/redis.js";
import { createRedisPrefix } from "../support/services.js";

let prefix: Awaited<ReturnType<typeof createRedisPrefix>>;
let redis: Redis;
/**
 * The script runs the counter asked for, counted on the real client it was given: its EVALSHA
 * calls (one per run; an EVAL follows only when Redis lost the script, e.g. after another
 * test's restart, and is the same run).
 */
let scripts = 0;
beforeAll(async () => {
  prefix = await createRedisPrefix();
  redis = connectRedis(prefix.url);
  await new Promise<void>((resolve) => (redis.status === "ready" ? resolve() : redis.once("ready", () => resolve())));
  const evalsha = redis.evalsha.bind(redis) as (...args: unknown[]) => Promise<unknown>;
  (redis as unknown as Record<string, unknown>).evalsha = (...args: unknown[]) => {
    scripts += 1;
    return evalsha(...args);
  };
});
afterAll(async () => {
  redis?.disconnect();
  await prefix?.cleanup();
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("the Redis sliding counter", () => {
  it("answers one client's looks of one turn with one script run, each client's with its own, and looks again the next turn", async () => {
    const counter = createRedisSlidingCounter(redis, (client) => `${prefix.prefix}guard:test:${client}`, 3, 60);
    const now = Date.now();
    scripts = 0;
    const waits = await Promise.all([
      ...Array.from({ length: 20 }, () => counter.wait("10.0.0.1", now)),
      ...Array.from({ length: 5 }, () => counter.wait("10.0.0.2", now)),
    ]);
    expect(waits).toEqual(Array(25).fill(0));
    expect(scripts).toBe(2);
    await turn();
    await counter.wait("10.0.0.1", now);
    expect(scripts).toBe(3);
  });

  it("never shares a charge, and a look after the window filled answers the wait, as one of its own would", async () => {
    const counter = createRedisSlidingCounter(redis, (client) => `${prefix.prefix}guard:fill:${client}`, 3, 60);
    const now = Date.now();
    scripts = 0;
    // Four charges asked for at once: each runs its own check-and-charge, so only three count.
    const takes = await Promise.all(Array.from({ length: 4 }, (_, i) => counter.take("10.0.0.9", now + i)));
    expect(scripts).toBe(4);
    expect(takes.filter((wait) => wait === 0)).toHaveLength(3);
    expect(takes.filter((wait) => wait > 0)).toHaveLength(1);
    await turn();
    const shared = await Promise.all(Array.from({ length: 10 }, () => counter.wait("10.0.0.9", now + 10)));
    await turn();
    const alone = await counter.wait("10.0.0.9", now + 10);
    expect(alone).toBeGreaterThan(0);
    expect(shared).toEqual(Array(10).fill(alone));
    // Another client is not held back by this one's window.
    expect(await counter.wait("10.0.0.10", now + 10)).toBe(0);
  });
});
