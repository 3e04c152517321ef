/**
 * The Redis limiter, for several instances: every rolling window is a sorted set (score =
 * charge time in ms, member = card id), and one Lua script checks every window of a request
 * and charges all of them or none. Redis runs a script atomically, so decisions are exact
 * across any number of instances.
 *
 * Fail closed, fast: the connection it is handed (`redis.ts`) keeps no offline queue and
 * gives each command a short timeout, so while Redis is unreachable every call throws
 * {@link LimitsUnavailableError} at once (issuance answers 503 `limits_unavailable`); the
 * client reconnects on its own and issuance recovers without a restart.
 *
 * Redis is a fast copy of the store's card log, not the truth. A generation key holds the
 * replication id of the data the windows were built in; the script compares it with the
 * server's own (`INFO replication`) before every decision. A restart without persistence, a
 * `FLUSHALL`/`FLUSHDB`, or a replica promoted in a failover each leave it missing or
 * different, and the script answers "rebuild" instead of deciding: one instance (under a
 * lease) adds every stored card still inside its windows to Redis, sets the key, and only
 * then are decisions made again; the others wait for it (up to `rebuildWaitMs`), and
 * everyone fails closed while the store cannot be read. Rebuilding adds card ids, so charges
 * Redis kept are not counted twice.
 *
 * One clock: the script also compares the decision's `now` with Redis's `TIME` and refuses
 * to decide (fail closed) when they differ by more than `clockToleranceMs`. Instances take
 * their time from Redis (`clock.ts`), so that only happens to an instance whose clock
 * could not be set yet.
 */

import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import {
  LimitsUnavailableError,
  type ChargeHistory,
  type LimitCheck,
  type LimitDecision,
  type Limiter,
  type LimitState,
} from "./limiter.js";

/**
 * The generation of the data Redis holds: its replication id (`master_replid`). A restart
 * without persistence, and a promotion of a replica, each start a new one; a restart that
 * reloads a snapshot keeps it. Windows are trusted only while the generation key holds it.
 */
const GENERATION = `
local function generation()
  local info = redis.pcall('INFO', 'replication')
  if type(info) ~= 'string' then return 'unknown' end
  return string.match(info, 'master_replid:(%w+)') or 'unknown'
end
`;

/**
 * KEYS: the generation key, then one sorted set per window. ARGV: now (ms), id, the clock
 * tolerance (ms), then `max, windowMs` per window.
 * Answers `{ allowed (0|1), retryAfterMs, count_1, oldest_1, …, count_n, oldest_n }` where
 * count and oldest (ms, or -1 when empty) describe each window after the decision;
 * `{ -1, 0 }` when the windows must be rebuilt first (the generation key is missing or
 * names another generation); `{ -2, redisNow }` when `now` is off Redis's clock.
 */
const ACQUIRE = `${GENERATION}
local now = tonumber(ARGV[1])
local id = ARGV[2]
local time = redis.call('TIME')
local clock = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if math.abs(now - clock) > tonumber(ARGV[3]) then return { -2, clock } end
if redis.call('GET', KEYS[1]) ~= generation() then return { -1, 0 } end
local counts = {}
local refused = false
local retry = 0
for i = 2, #KEYS do
  local max = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[1 + 2 * i])
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
  for i = 2, #KEYS do
    redis.call('ZADD', KEYS[i], now, id)
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1 + 2 * i]))
    counts[i] = counts[i] + 1
  end
end
local result = { refused and 0 or 1, retry }
for i = 2, #KEYS do
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  result[#result + 1] = counts[i]
  result[#result + 1] = oldest[2] and tonumber(oldest[2]) or -1
end
return result
`;
const ACQUIRE_SHA = createHash("sha1").update(ACQUIRE).digest("hex");

/**
 * KEYS: the rebuild lease, the generation key. ARGV: the lease's token, then `1` to mark the
 * windows rebuilt (the generation key takes the current generation) or `0` to give up.
 * Answers 1, or 0 when the lease is gone: Redis lost its data again during the rebuild.
 */
const FINISH = `${GENERATION}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('SET', KEYS[2], generation()) end
redis.call('DEL', KEYS[1])
return 1
`;
const FINISH_SHA = createHash("sha1").update(FINISH).digest("hex");

/** Replies of {@link ACQUIRE} that are not decisions. */
const REBUILD = -1;
const CLOCK_OFF = -2;
/** How long one instance may hold the rebuild before another may take it over (it died). */
const REBUILD_LEASE_MS = 15_000;
/** Members per ZADD when seeding a window. */
const SEED_CHUNK = 500;

/** Options of {@link createRedisLimiter}. */
export interface RedisLimiterOptions {
  /** Prepended to every key, so several deployments (or test runs) can share one Redis; default `minicard:`. */
  prefix?: string;
  /** The store's charges: what the windows are rebuilt from when Redis lost them. */
  history: ChargeHistory;
  /**
   * Largest difference, ms, between the `now` of a decision and Redis's clock (`TIME`) that
   * is still decided; beyond it the decision fails closed (the instance's clock is not on
   * Redis's). Default 10 000.
   */
  clockToleranceMs?: number;
  /** Longest wait for windows another instance is rebuilding, ms, before failing closed; default 5000. */
  rebuildWaitMs?: number;
}

function unavailable(error: unknown): LimitsUnavailableError {
  return new LimitsUnavailableError("Redis is unavailable", { cause: error });
}

/**
 * The Redis limiter over `redis` (a connection from `connectRedis`, which fails fast). The
 * connection stays its owner's: `close()` leaves it open.
 */
export function createRedisLimiter(redis: Redis, options: RedisLimiterOptions): Limiter {
  const prefix = options.prefix ?? "minicard:";
  const windowKey = (check: LimitCheck) => `${prefix}limit:${check.key}`;
  const generationKey = `${prefix}limit:generation`;
  const leaseKey = `${prefix}limit:rebuild`;
  const tolerance = options.clockToleranceMs ?? 10_000;
  const rebuildWaitMs = options.rebuildWaitMs ?? 5000;

  async function script(source: string, sha: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!/NOSCRIPT/.test((error as Error)?.message ?? "")) throw error;
        return await redis.eval(source, keys.length, ...keys, ...args);
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

  /** Adds every stored charge still inside its window at `now` to the windows in Redis. */
  async function seed(now: number): Promise<void> {
    const windows = new Map<string, { windowMs: number; members: (string | number)[] }>();
    for (const charge of await options.history(now)) {
      for (const check of charge.checks) {
        const windowMs = check.windowSeconds * 1000;
        if (charge.at <= now - windowMs) continue;
        const key = windowKey(check);
        let window = windows.get(key);
        if (window === undefined) windows.set(key, (window = { windowMs, members: [] }));
        window.members.push(charge.at, charge.id);
      }
    }
    let pipeline = redis.pipeline();
    let queued = 0;
    const flush = async () => {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
      pipeline = redis.pipeline();
      queued = 0;
    };
    for (const [key, { windowMs, members }] of windows) {
      // A member is a card id: a charge Redis still has (or got meanwhile) is not counted twice.
      for (let at = 0; at < members.length; at += 2 * SEED_CHUNK) pipeline.zadd(key, ...members.slice(at, at + 2 * SEED_CHUNK));
      pipeline.pexpire(key, windowMs);
      if ((queued += 1) >= 200) await flush();
    }
    await flush();
  }

  /**
   * Rebuilds the windows from the store under a lease, so one instance does it at a time;
   * the others wait a moment and ask again. Throws {@link LimitsUnavailableError} when the
   * store cannot be read (issuance then fails closed).
   */
  async function rebuildOnce(now: number): Promise<void> {
    const token = randomUUID();
    const leased = await call(() => redis.set(leaseKey, token, "PX", REBUILD_LEASE_MS, "NX"));
    if (leased !== "OK") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return;
    }
    try {
      await seed(now);
    } catch (error) {
      await script(FINISH, FINISH_SHA, [leaseKey, generationKey], [token, 0]).catch(() => {});
      throw error instanceof LimitsUnavailableError ? error : new LimitsUnavailableError("the limit windows cannot be rebuilt from the store", { cause: error });
    }
    // 0: the lease vanished, so Redis lost its data again meanwhile; the next attempt starts over.
    await script(FINISH, FINISH_SHA, [leaseKey, generationKey], [token, 1]);
  }
  let rebuilding: Promise<void> | undefined;
  const rebuild = (now: number) => (rebuilding ??= rebuildOnce(now).finally(() => (rebuilding = undefined)));

  return {
    durable: true,

    async acquire(checks, id, now): Promise<LimitDecision> {
      if (checks.length === 0) return { allowed: true, states: [] };
      const keys = [generationKey, ...checks.map(windowKey)];
      const args: (string | number)[] = [Math.floor(now), id, tolerance];
      for (const check of checks) args.push(check.max, check.windowSeconds * 1000);
      const waitUntil = Date.now() + rebuildWaitMs;
      let reply: number[];
      for (;;) {
        try {
          reply = (await script(ACQUIRE, ACQUIRE_SHA, keys, args)) as number[];
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
        const verdict = Number(reply[0]);
        if (verdict === CLOCK_OFF) {
          throw new LimitsUnavailableError(`this instance's time is ${Math.round(now - Number(reply[1]))} ms off Redis's clock`);
        }
        if (verdict !== REBUILD) break;
        // Redis lost its windows (restart without persistence, FLUSHALL, failover): rebuild
        // them from the store before deciding anything.
        if (Date.now() > waitUntil) throw new LimitsUnavailableError("Redis lost the limit windows; they are still being rebuilt from the store");
        await rebuild(now);
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

    async close() {
      // The connection belongs to whoever opened it.
    },
  };
}
