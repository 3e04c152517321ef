/**
 * The Redis connection. `server.ts` opens one and hands it to every part that keeps state in
 * Redis (limiter, replay cache, viewer cap, abuse counters, event stream, clock, rotation
 * announcements); a part that needs a connection of its own for blocking reads or pub/sub
 * duplicates it, and no part opens or borrows another's.
 */

import { Redis } from "ioredis";

/** The shared connection and the prefix every key in it starts with (`minicard:`). */
export interface SharedRedis {
  readonly redis: Redis;
  readonly prefix: string;
}

/** A client that fails fast while Redis is unreachable and reconnects on its own. */
export function connectRedis(url: string, options: { commandTimeoutMs?: number; lazy?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: options.lazy ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 1000,
    enableReadyCheck: true,
    // Reconnect forever, at most every 500 ms: issuance comes back soon after Redis does.
    retryStrategy: (times) => Math.min(50 * times, 500),
  });
  ignoreErrors(redis);
  return redis;
}

/** A second connection with `redis`'s options (for subscribing or blocking reads), failing fast like it. */
export function duplicateRedis(redis: Redis, override: { commandTimeout?: number } = {}): Redis {
  const copy = redis.duplicate(override);
  ignoreErrors(copy);
  return copy;
}

/** Connection errors surface as failed commands; an unhandled 'error' event would crash. */
function ignoreErrors(redis: Redis): void {
  redis.on("error", () => {});
}

/** Resolves once `redis` is connected, or after `ms` (it keeps trying in the background). */
export function whenReady(redis: Redis, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (redis.status === "ready") return resolve();
    const timer = setTimeout(resolve, ms);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
