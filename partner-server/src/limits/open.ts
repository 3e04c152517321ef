/** Opens the limiter the configuration asks for: Redis with a URL, in-process without. */

import type { ChargeHistory, Limiter } from "./limiter.js";
import { createMemoryLimiter } from "./memory.js";
import { openRedisLimiter } from "./redis.js";

/**
 * In-process without a Redis URL (restore it from `history` at start: `restoreLimits`);
 * Redis (limits and replay caches) with one, rebuilding its windows from `history` whenever
 * Redis lost them.
 */
export async function openLimiter(config: { redisUrl: string | undefined; redisPrefix?: string }, history: ChargeHistory): Promise<Limiter> {
  if (config.redisUrl) return openRedisLimiter({ url: config.redisUrl, prefix: config.redisPrefix ?? "minicard:", history });
  return createMemoryLimiter();
}
