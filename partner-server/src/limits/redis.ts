/**
 * The Redis limiter, for several instances: every rolling window is a sorted set (score =
 * charge time in ms, member = card id), and one Lua script checks every window of a request
 * and charges all of them or none. Redis runs a script atomically, so decisions are exact
 * across any number of instances.
 *
 * Redis also holds the single-use `jti`s of `private_key_jwt` assertions (`SET NX PX`), so a
 * replay sent to another instance is refused.
 *
 * Fail closed, fast: the client keeps no offline queue and gives each command a short
 * timeout, so while Redis is unreachable every call throws {@link LimitsUnavailableError}
 * at once (issuance answers 503 `limits_unavailable`); the client reconnects on its own and
 * issuance recovers without a restart.
 */

import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { AssertionRepository } from "../store/store.js";
import { LimitsUnavailableError, type LimitCheck, type LimitDecision, type Limiter, type LimitState } from "./limiter.js";

/**
 * KEYS: one sorted set per window. ARGV: now (ms), id, then `max, windowMs` per key.
 * Answers `{ allowed (0|1), retryAfterMs, count_1, oldest_1, …, count_n, oldest_n }`
 * where count and oldest (ms, or -1 when empty) describe each window after the decision.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local counts = {}
local refused = false
local retry = 0
for i = 1, #KEYS do
  local max = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  counts[i] = count
  if count >= max then
    refused = true
    local freeing = redis.call('ZRANGE', KEYS[i], count - max, count - max, 'WITHSCORES')
    local wait = tonumber(freeing[2]) + window - now
    if wait > retry then retry = wait end
  end
end
if not refused then
  for i = 1, #KEYS do
    redis.call('ZADD', KEYS[i], now, id)
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + 2 * i]))
    counts[i] = counts[i] + 1
  end
end
local result = { refused and 0 or 1, retry }
for i = 1, #KEYS do
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  result[#result + 1] = counts[i]
  result[#result + 1] = oldest[2] and tonumber(oldest[2]) or -1
end
return result
`;
const ACQUIRE_SHA = createHash("sha1").update(ACQUIRE).digest("hex");

/** Options of {@link openRedisLimiter}. */
export interface RedisLimiterOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis; default `minicard:`. */
  prefix?: string;
  /** Longest wait for one command, ms; default 2000. */
  commandTimeoutMs?: number;
}

/** The Redis limiter, plus what else lives in Redis. */
export interface RedisLimiter extends Limiter {
  /** The `private_key_jwt` replay cache. */
  readonly replay: AssertionRepository;
  /** The connection (for pub/sub announcements of key rotations). */
  readonly redis: Redis;
  /** The key prefix in use. */
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
  // Connection errors surface as failed commands; an unhandled 'error' event would crash.
  redis.on("error", () => {});
  return redis;
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

function unavailable(error: unknown): LimitsUnavailableError {
  return new LimitsUnavailableError("Redis is unavailable", { cause: error });
}

/** Opens the Redis limiter; resolves once connected, or after `readyTimeoutMs` (it keeps trying in the background). */
export async function openRedisLimiter(options: RedisLimiterOptions & { readyTimeoutMs?: number }): Promise<RedisLimiter> {
  const prefix = options.prefix ?? "minicard:";
  const redis = connectRedis(options.url, { commandTimeoutMs: options.commandTimeoutMs });
  await whenReady(redis, options.readyTimeoutMs ?? 3000);
  const windowKey = (check: LimitCheck) => `${prefix}limit:${check.key}`;

  async function run(keys: string[], args: (string | number)[]): Promise<number[]> {
    try {
      try {
        return (await redis.evalsha(ACQUIRE_SHA, keys.length, ...keys, ...args)) as number[];
      } catch (error) {
        if (!/NOSCRIPT/.test((error as Error)?.message ?? "")) throw error;
        return (await redis.eval(ACQUIRE, keys.length, ...keys, ...args)) as number[];
      }
    } catch (error) {
      throw unavailable(error);
    }
  }

  async function call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    durable: true,
    redis,
    prefix,

    async acquire(checks, id, now): Promise<LimitDecision> {
      if (checks.length === 0) return { allowed: true, states: [] };
      const args: (string | number)[] = [Math.floor(now), id];
      for (const check of checks) args.push(check.max, check.windowSeconds * 1000);
      let reply: number[];
      try {
        reply = await run(checks.map(windowKey), args);
      } catch (error) {
        // A timed-out script may still have charged: take the charge back if Redis lets us,
        // so a card that was not issued does not use up a quota (a sharer's hour, say).
        try {
          const pipeline = redis.multi();
          for (const check of checks) pipeline.zrem(windowKey(check), id);
          pipeline.exec().catch(() => {});
        } catch {
          // unreachable: nothing was charged either
        }
        throw error;
      }
      const states = checks.map((check, i): LimitState => {
        const count = Number(reply[2 + 2 * i]);
        const oldest = Number(reply[3 + 2 * i]);
        return {
          name: check.name,
          max: check.max,
          windowSeconds: check.windowSeconds,
          remaining: Math.max(0, check.max - count),
          resetSeconds: oldest < 0 ? 0 : Math.max(0, Math.ceil((oldest + check.windowSeconds * 1000 - now) / 1000)),
        };
      });
      if (Number(reply[0]) === 1) return { allowed: true, states };
      return { allowed: false, states, retryAfter: Math.max(1, Math.ceil(Number(reply[1]) / 1000)) };
    },

    async release(checks, id) {
      if (checks.length === 0) return;
      await call(() => {
        const pipeline = redis.multi();
        for (const check of checks) pipeline.zrem(windowKey(check), id);
        return pipeline.exec();
      });
    },

    async restore(checks, id, at) {
      if (checks.length === 0) return;
      await call(() => {
        const pipeline = redis.multi();
        for (const check of checks) {
          pipeline.zadd(windowKey(check), at, id);
          pipeline.pexpire(windowKey(check), check.windowSeconds * 1000);
        }
        return pipeline.exec();
      });
    },

    async ping() {
      await call(() => redis.ping());
    },

    replay: {
      async use(brandId, jti, expiresAt, now) {
        const ttl = Math.max(1, Math.ceil(expiresAt - now));
        const set = await call(() => redis.set(`${prefix}jti:${brandId}:${jti}`, "1", "PX", ttl, "NX"));
        return set === "OK";
      },
    },

    async close() {
      redis.disconnect();
    },
  };
}
