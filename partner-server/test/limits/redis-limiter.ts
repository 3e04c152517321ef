/** Test helper: a Redis limiter on a connection of its own, which `close()` closes too. */

import type { Redis } from "ioredis";
import type { Limiter } from "../../src/limits/limiter.js";
import { createRedisLimiter, type RedisLimiterOptions } from "../../src/limits/redis.js";
import { connectRedis, whenReady } from "../../src/redis.js";

/** A limiter and its own connection (tests flush, inspect and break Redis through it). */
export interface ConnectedLimiter extends Limiter {
  readonly redis: Redis;
}

/** Connects to `url` (waiting up to 3 s) and creates the limiter over that connection. */
export async function connectRedisLimiter(options: RedisLimiterOptions & { url: string }): Promise<ConnectedLimiter> {
  const redis = connectRedis(options.url);
  await whenReady(redis, 3000);
  const limiter = createRedisLimiter(redis, options);
  return {
    ...limiter,
    redis,
    async close() {
      await limiter.close();
      redis.disconnect();
    },
  };
}
