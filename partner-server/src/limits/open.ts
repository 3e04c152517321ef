/** The limiter the configuration asks for: Redis with a connection, in-process without. */

import type { SharedRedis } from "../redis.js";
import type { ChargeHistory, Limiter } from "./limiter.js";
import { createMemoryLimiter } from "./memory.js";
import { createRedisLimiter } from "./redis.js";

/**
 * In-process without Redis (restore it from `history` at start: `restoreLimits`); Redis over
 * the shared connection with it, rebuilding its windows from `history` whenever Redis lost
 * them.
 */
export function createLimiter(redis: SharedRedis | undefined, history: ChargeHistory): Limiter {
  return redis ? createRedisLimiter(redis.redis, { prefix: redis.prefix, history }) : createMemoryLimiter();
}
