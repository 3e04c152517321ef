/**
 * Measures, on this machine and in one run, the issuance rate of one instance and of three
 * (same load, same cluster), and the limiter's decisions per second in Redis and in-process.
 * It prints the figures (the issue's closing note quotes them) and asserts only correctness:
 * every request is served. On a small shared machine three instances need not be faster
 * than one; the figures say how far they are.
 */

import { afterAll, describe, expect, it } from "vitest";
import { createMemoryLimiter } from "../../src/limits/memory.js";
import { connectRedisLimiter } from "../limits/redis-limiter.js";
import type { Limiter } from "../../src/limits/limiter.js";
import { cardInput, postCard, seedWorld } from "../support/server.js";
import { createRedisPrefix } from "../support/services.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterAll(() => cluster?.stop());

async function issueAll(urls: string[], apiKey: string, total: number, concurrency: number): Promise<{ rate: number; statuses: number[] }> {
  const statuses: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        statuses.push((await postCard(urls[i % urls.length]!, apiKey, cardInput({ title: `Rate ${i}` }))).status);
      }
    }),
  );
  return { rate: total / ((performance.now() - started) / 1000), statuses };
}

async function decisions(limiter: Limiter, total: number, concurrency: number): Promise<number> {
  const checks = [
    { key: `bench|sharer|${Date.now()}`, name: "dm-sharer", max: total, windowSeconds: 3600 },
    { key: `bench|brand|${Date.now()}`, name: "brand", max: total, windowSeconds: 3600 },
  ];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await limiter.acquire(checks, `d-${i}`, Date.now());
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

describe("scale-out: throughput figures", { timeout: 120_000 }, () => {
  it("issues with one instance and with three (same load), every request served", async () => {
    cluster = await startCluster();
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN, limits: [{ scope: "brand", max: 100_000, windowSeconds: 3600 }] });
    const urls = cluster.instances.map((instance) => instance.url);
    await issueAll(urls, apiKey, 30, 6); // warm up every instance
    const one = await issueAll(urls.slice(0, 1), apiKey, 200, 24);
    const three = await issueAll(urls, apiKey, 200, 24);
    console.log(`issuance: one instance ${one.rate.toFixed(0)} cards/s, three instances ${three.rate.toFixed(0)} cards/s (200 requests, 24 concurrent)`);
    expect(one.statuses.every((status) => status === 201)).toBe(true);
    expect(three.statuses.every((status) => status === 201)).toBe(true);
    expect(Number((await cluster.query("select count(*) as n from cards"))[0].n)).toBe(430);
  });

  it("limiter decisions per second: in-process and Redis (two windows each)", async () => {
    const memory = createMemoryLimiter();
    const prefix = await createRedisPrefix();
    const redis = await connectRedisLimiter({ url: prefix.url, prefix: prefix.prefix, history: async () => [] });
    try {
      await decisions(redis, 500, 32); // load the script, warm the connection
      const inProcess = await decisions(memory, 50_000, 32);
      const inRedis = await decisions(redis, 10_000, 32);
      console.log(`limiter: in-process ${inProcess.toFixed(0)} decisions/s, Redis ${inRedis.toFixed(0)} decisions/s (one connection, 32 in flight)`);
      expect(inProcess).toBeGreaterThan(0);
      expect(inRedis).toBeGreaterThan(0);
    } finally {
      await redis.close();
      await memory.close();
      await prefix.cleanup();
    }
  });
});
