/** Opens the limiter the configuration asks for: Redis with a URL, in-process without. */

import type { Limiter } from "./limiter.js";
import { createMemoryLimiter } from "./memory.js";
import { openRedisLimiter } from "./redis.js";

/** In-process without a Redis URL; Redis (limits and replay caches) with one. */
export async function openLimiter(config: { redisUrl: string | undefined; redisPrefix?: string }): Promise<Limiter> {
  if (config.redisUrl) return openRedisLimiter({ url: config.redisUrl, prefix: config.redisPrefix ?? "minicard:" });
  return createMemoryLimiter();
}
