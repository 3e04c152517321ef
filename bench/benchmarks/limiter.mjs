// Limiter decisions (three windows, all or nothing): in-process and Redis.

import { fileURLToPath } from "node:url";
import { REPEATS, quick } from "../lib/args.mjs";
import { limiterChecks, runInFlight } from "../lib/limiter-load.mjs";
import { log } from "../lib/log.mjs";
import { record } from "../lib/results.mjs";
import { deleteRedisPrefix } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

export async function benchLimiter() {
  const { createMemoryLimiter } = await import(`${root}partner-server/dist/limits/memory.js`);
  const { createRedisLimiter } = await import(`${root}partner-server/dist/limits/redis.js`);
  const { connectRedis, whenReady } = await import(`${root}partner-server/dist/redis.js`);
  const Redis = (await import("ioredis")).default;

  const N = quick ? 20_000 : 300_000;
  // The checks of 1000 sharers × 10 brands × one partner, built once (a server builds them per request anyway).
  const sets = Array.from({ length: 1000 }, (_, i) => limiterChecks(i));
  const ids = Array.from({ length: N }, (_, i) => `id${i}`);
  const memoryRuns = [];
  for (let r = -1; r < REPEATS; r += 1) {
    const limiter = createMemoryLimiter();
    const now = Date.now();
    const start = performance.now();
    for (let i = 0; i < N; i += 1) {
      const decision = await limiter.acquire(sets[i % 1000], ids[i], now + (i >> 4));
      if (!decision.allowed) throw new Error("in-process limiter refused");
    }
    const rate = N / ((performance.now() - start) / 1000);
    await limiter.close();
    if (r < 0) continue; // warm-up
    memoryRuns.push(rate);
    log(`limiter: in-process ${Math.round(rate)}/s`);
  }
  record({
    name: "limiter decisions, in-process (3 windows, all or nothing)",
    unit: "decisions/s",
    value: memoryRuns,
    target: "≥ 1,000,000/s",
    met: stats(memoryRuns).median >= 1_000_000,
  });

  const redisUrl = process.env.MINICARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `minicard-bench-${process.pid}:`;
  const connection = connectRedis(redisUrl);
  await whenReady(connection, 3000);
  const limiter = createRedisLimiter(connection, { prefix, history: async () => [] });
  const raw = new Redis(redisUrl);
  const noop = await raw.script("LOAD", "return 1");
  const M = quick ? 5_000 : 100_000;
  const inFlight = 64;
  const drive = async (operation) => M / (await runInFlight(M, inFlight, operation));
  const redisRuns = [];
  const noopRuns = [];
  try {
    for (let r = 0; r < REPEATS; r += 1) {
      noopRuns.push(await drive(() => raw.evalsha(noop, 0)));
      // Each decision on the current time, as a server does: the limiter refuses a time more
      // than 10 s off Redis's clock, so synthetic times (`now + i`) cannot be used here.
      redisRuns.push(
        await drive(async (i) => {
          const decision = await limiter.acquire(limiterChecks(i), `r${r}-${i}`, Date.now());
          if (!decision.allowed) throw new Error("Redis limiter refused");
        }),
      );
      log(`limiter: Redis ${Math.round(redisRuns.at(-1))}/s, EVALSHA no-op ${Math.round(noopRuns.at(-1))}/s`);
    }
  } finally {
    await deleteRedisPrefix(redisUrl, prefix);
    await raw.quit();
    await limiter.close();
    connection.disconnect();
  }
  record({
    name: "limiter decisions, Redis (3 windows, one script), 64 in flight",
    unit: "decisions/s",
    value: redisRuns,
    ceiling: noopRuns,
    ceilingName: "bare Redis EVALSHA no-op, 64 in flight",
    target: "≥ 50,000/s, ≥ 0.6 × ceiling",
    met: stats(redisRuns).median >= 50_000 && stats(redisRuns).median / stats(noopRuns).median >= 0.6,
  });
}
