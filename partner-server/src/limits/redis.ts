/**
 * The Redis limiter, for several instances: every rolling window is a list of its charges'
 * times (ms, oldest first), and one Lua script checks every window of a request and charges
 * all of them or none. Redis runs a script atomically, so decisions are exact across any
 * number of instances.
 *
 * Fail closed, fast: the connection it is handed (`redis.ts`) keeps no offline queue and
 * gives each command a short timeout, so while Redis is unreachable every call throws
 * {@link LimitsUnavailableError} at once (issuance answers 503 `limits_unavailable`); the
 * client reconnects on its own and issuance recovers without a restart.
 *
 * Batched: the decisions asked for in one turn of the event loop (up to {@link MAX_BATCH})
 * go to Redis together, one EVALSHA for all of them, and the script decides them one after
 * another, each all or nothing. Batching changes who waits, not what is decided: a batch is as
 * atomic as one decision was, so decisions stay exact across instances.
 *
 * Redis is a fast copy of the store's card log, not the truth. A generation key holds the
 * replication id of the data the windows were built in; the script compares it with the
 * server's own (`INFO replication`) before every batch of decisions. A restart without persistence, a
 * `FLUSHALL`/`FLUSHDB`, or a replica promoted in a failover each leave it missing or
 * different, and the script answers "rebuild" instead of deciding: one instance (under a
 * lease) writes every window the store has a card in anew, from the store's cards still
 * inside it (so charges Redis kept are not counted twice), sets the key, and only then are
 * decisions made again; the others wait for it (up to `rebuildWaitMs`), and everyone fails
 * closed while the store cannot be read.
 *
 * One clock: the script also compares the decision's `now` with Redis's `TIME` and refuses
 * to decide (fail closed) when they differ by more than `clockToleranceMs`. Instances take
 * their time from Redis (`clock.ts`), so that only happens to an instance whose clock
 * could not be set yet.
 */

import { createHash, randomUUID } from "node:crypto";
import { ReplyError, type Redis } from "ioredis";
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
 * A batch of decisions, made one after another in one atomic run (as separate scripts run
 * back to back would make them). KEYS: the generation key, then every window's list once.
 * ARGV: the clock tolerance (ms), then the batch as one MessagePack array (`packFlat`; Redis
 * decodes it in C, where an argument per value would cost a `tonumber`, i.e. a `strtod`,
 * each): the number of windows, each window as `key index (into KEYS), max, windowMs (text)`,
 * the number of decisions, and each decision as `now (ms, text: the charge's element), its
 * number of windows, their indices (1-based, into the windows)`.
 *
 * Answers `{ -1, redisNow }` when the windows must be rebuilt first (the generation key is
 * missing or names another generation): nothing was decided. Otherwise `{ 1 }` followed, per
 * decision, by `allowed (0|1), retryAfterMs, count_1, oldest_1, …, count_n, oldest_n`, count
 * and oldest (ms, or -1 when empty) describing each window after the decision; a decision
 * whose `now` is off Redis's clock answers `-2, redisNow` instead (its counts and oldests 0).
 *
 * Each decision is all or nothing: every window is checked before any is charged. A window's
 * charges are its list's elements, in the order they reached Redis, so a charge is an append
 * and the oldest is the head (a sorted set would also index every charge by member and by
 * score: twice the Redis time per decision, and ten times the memory). Decisions from
 * different instances can reach Redis a few milliseconds out of time order; an older charge
 * that arrives after a newer one then waits behind it and leaves the window when that one
 * does (it counts a few milliseconds longer), and a decision that arrives after one with a
 * later time finds the window as that one trimmed it (as with a sorted set). A window's edge
 * moves by as much as the decisions crossed, no more.
 *
 * Per batch and list: its length and head are read once (LLEN, LINDEX) and then kept by the
 * script from what it does itself (nothing else runs meanwhile); it is trimmed only when its
 * head has left the window; the charges of a batch go in with one RPUSH (before anything reads
 * or trims that list, and at the end), then one PEXPIRE (the TTL counts from the script's
 * start either way).
 */
const ACQUIRE = `${GENERATION}
local call, tonumber, unpack = redis.call, tonumber, unpack
local time = call('TIME')
local clock = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if call('GET', KEYS[1]) ~= generation() then return { -1, clock } end
local tolerance = tonumber(ARGV[1])
-- The batch, decoded in C (no tonumber, which is strtod, per value).
local a = cmsgpack.unpack(ARGV[2])
-- The windows: list (KEYS index), max, and length (ms; also as text, for PEXPIRE: Lua
-- formats a number argument with sprintf).
local wkey, wmax, wlen, wlenText = {}, {}, {}, {}
local at = 2
for w = 1, a[1] do
  wkey[w] = a[at]
  wmax[w] = a[at + 1]
  wlenText[w] = a[at + 2]
  wlen[w] = tonumber(wlenText[w])
  at = at + 3
end
-- Per list: its count and oldest charge (-1: empty) as the script left them, the charges it
-- has yet to write (times, as text), and the TTL to give it at the end.
local counts, oldests, adds, ttl, ttlText = {}, {}, {}, {}, {}
local function load(k)
  local count = call('LLEN', KEYS[k])
  counts[k] = count
  oldests[k] = count == 0 and -1 or tonumber(call('LINDEX', KEYS[k], 0))
end
-- Writes k's pending charges (before anything reads or trims k).
local function settle(k)
  local pending = adds[k]
  if pending == nil then return end
  adds[k] = nil
  call('RPUSH', KEYS[k], unpack(pending))
end
-- Drops k's charges at or before edge from its head, reading the head in chunks growing
-- from 4 (most trims drop one or two charges, and each charge read costs a tonumber).
local function trim(k, edge)
  settle(k)
  local dropped, chunk, oldest = 0, 4, -1
  while true do
    local head = call('LRANGE', KEYS[k], dropped, dropped + chunk - 1)
    local n = #head
    local kept = nil
    for i = 1, n do
      local t = tonumber(head[i])
      if t > edge then
        kept = i
        oldest = t
        break
      end
    end
    if kept ~= nil then
      dropped = dropped + kept - 1
      break
    end
    dropped = dropped + n
    if n < chunk then break end
    chunk = chunk * 4
  end
  if dropped > 0 then call('LTRIM', KEYS[k], dropped, -1) end
  counts[k] = counts[k] - dropped
  oldests[k] = oldest
end
local result = { 1 }
local out = 1
local abs = math.abs
local lastText, now
for _ = 1, a[at] do
  -- now (ms, as text: the charge's element), the number of windows, their indices
  local nowText = a[at + 1]
  if nowText ~= lastText then
    now = tonumber(nowText)
    lastText = nowText
  end
  local n = a[at + 2]
  local first = at + 3
  at = at + 2 + n
  if abs(now - clock) > tolerance then
    result[out + 1] = -2
    result[out + 2] = clock
    for j = 1, 2 * n do result[out + 2 + j] = 0 end
  else
    local refused = false
    local retry = 0
    for i = first, at do
      local w = a[i]
      local k = wkey[w]
      if counts[k] == nil then load(k) end
      if counts[k] > 0 and oldests[k] <= now - wlen[w] then trim(k, now - wlen[w]) end
      local count = counts[k]
      if count >= wmax[w] then
        refused = true
        local freeing = oldests[k]
        if count > wmax[w] then
          settle(k)
          freeing = tonumber(call('LINDEX', KEYS[k], count - wmax[w]))
        end
        local wait = freeing + wlen[w] - now
        if wait > retry then retry = wait end
      end
    end
    if not refused then
      for i = first, at do
        local w = a[i]
        local k = wkey[w]
        local pending = adds[k]
        if pending == nil then
          pending = {}
          adds[k] = pending
        end
        pending[#pending + 1] = nowText
        counts[k] = counts[k] + 1
        if oldests[k] < 0 then oldests[k] = now end
        if (ttl[k] or 0) < wlen[w] then
          ttl[k] = wlen[w]
          ttlText[k] = wlenText[w]
        end
      end
    end
    result[out + 1] = refused and 0 or 1
    result[out + 2] = retry
    local j = out + 3
    for i = first, at do
      local k = wkey[a[i]]
      result[j] = counts[k]
      result[j + 1] = oldests[k]
      j = j + 2
    end
  end
  out = out + 2 + 2 * n
end
for k in pairs(adds) do settle(k) end
for k, ms in pairs(ttlText) do call('PEXPIRE', KEYS[k], ms) end
return result
`;
const ACQUIRE_SHA = createHash("sha1").update(ACQUIRE).digest("hex");

/**
 * A past charge, put in its place in a window's list (restoring is rare: it walks back from
 * the tail over the newer charges). KEYS: the list. ARGV: the charge's time (ms, text), the
 * window's length (ms, text).
 */
const RESTORE = `
local key, at = KEYS[1], tonumber(ARGV[1])
local newer = {}
while true do
  local tail = redis.call('LINDEX', key, -1)
  if not tail or tonumber(tail) <= at then break end
  newer[#newer + 1] = redis.call('RPOP', key)
end
redis.call('RPUSH', key, ARGV[1])
for i = #newer, 1, -1 do redis.call('RPUSH', key, newer[i]) end
redis.call('PEXPIRE', key, ARGV[2])
return 1
`;
const RESTORE_SHA = createHash("sha1").update(RESTORE).digest("hex");

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
/** Charges per RPUSH when seeding a window. */
const SEED_CHUNK = 500;
/**
 * Most decisions in one script run. A full batch is sent at once, so under load Redis works on
 * one batch while the next is being asked for (32 measured best with 64 in flight: 128 and 64
 * leave Redis idle while the client turns a whole round around, 16 and less pay the per-run
 * cost too often); a batch this size takes about a third of a millisecond in Redis, which
 * runs nothing else meanwhile.
 */
const MAX_BATCH = 32;

/** A decision waiting for its batch's reply. */
interface Pending {
  checks: readonly LimitCheck[];
  now: number;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

/** Where a decision's answer is in its batch's reply: `reply[at]` on, or `at` 0 for "rebuild". */
interface Answer {
  reply: number[];
  at: number;
}

/**
 * `values` as one MessagePack array (what the script decodes with `cmsgpack.unpack`): strings
 * as str 32, integers up to 2^32 − 1 as uint 32, other numbers as float 64.
 */
function packFlat(values: readonly (string | number)[]): Buffer {
  let size = 5;
  for (const value of values) size += typeof value === "string" ? 5 + Buffer.byteLength(value) : 9;
  const buffer = Buffer.allocUnsafe(size);
  buffer[0] = 0xdd;
  buffer.writeUInt32BE(values.length, 1);
  let at = 5;
  for (const value of values) {
    if (typeof value === "string") {
      buffer[at] = 0xdb;
      const length = buffer.write(value, at + 5);
      buffer.writeUInt32BE(length, at + 1);
      at += 5 + length;
    } else if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
      buffer[at] = 0xce;
      buffer.writeUInt32BE(value, at + 1);
      at += 5;
    } else {
      buffer[at] = 0xcb;
      buffer.writeDoubleBE(value, at + 1);
      at += 9;
    }
  }
  return buffer.subarray(0, at);
}

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
  /** Most decisions sent in one script run (one round trip); default 128. */
  maxBatch?: number;
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
  const windowKey = (check: LimitCheck) => `${prefix}window:${check.key}`;
  const generationKey = `${prefix}window:generation`;
  const leaseKey = `${prefix}window:rebuild`;
  const tolerance = options.clockToleranceMs ?? 10_000;
  const rebuildWaitMs = options.rebuildWaitMs ?? 5000;
  const maxBatch = options.maxBatch ?? MAX_BATCH;

  async function script(source: string, sha: string, keys: string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
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

  /**
   * Writes every window a stored charge is still inside at `now` anew, from the store's
   * charges (the store is the truth: what Redis kept of such a window is replaced, not added
   * to). Runs while no decision is made (the generation key is not set).
   */
  async function seed(now: number): Promise<void> {
    const windows = new Map<string, { windowMs: number; times: number[] }>();
    for (const charge of await options.history(now)) {
      for (const check of charge.checks) {
        const windowMs = check.windowSeconds * 1000;
        if (charge.at <= now - windowMs) continue;
        const key = windowKey(check);
        let window = windows.get(key);
        if (window === undefined) windows.set(key, (window = { windowMs, times: [] }));
        window.times.push(Math.floor(charge.at));
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
    for (const [key, { windowMs, times }] of windows) {
      times.sort((a, b) => a - b);
      pipeline.del(key);
      for (let at = 0; at < times.length; at += SEED_CHUNK) pipeline.rpush(key, ...times.slice(at, at + SEED_CHUNK));
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

  /**
   * Auto-batching: decisions asked for while the event loop turns (every request that arrived
   * in one poll of the sockets) go to Redis together, in one script run and one round trip,
   * instead of one EVALSHA each. A lone decision waits for nothing but the end of its turn.
   */
  let queue: Pending[] = [];
  let scheduled = false;
  function sendQueued(): void {
    const batch = queue;
    queue = [];
    void send(batch);
  }
  function flush(): void {
    scheduled = false;
    if (queue.length > 0) sendQueued();
  }
  function decide(checks: readonly LimitCheck[], now: number): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      // A full batch goes at once, while later decisions are still being asked for.
      if (queue.push({ checks, now, resolve, reject }) >= maxBatch) sendQueued();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  }
  /** The script's arguments for `batch`: its lists, then the tolerance and the packed batch. */
  function encode(batch: Pending[]): { keys: string[]; args: (number | Buffer)[] } {
    // Every list once (KEYS), every window (list, max, length) once.
    const keys = [generationKey];
    const lists = new Map<string, { k: number; windows: { max: number; windowMs: number; w: number }[] }>();
    const windows: (string | number)[] = [];
    const decisions: (string | number)[] = [batch.length];
    for (const { checks, now } of batch) {
      decisions.push(String(now), checks.length);
      for (const check of checks) {
        const key = windowKey(check);
        const windowMs = check.windowSeconds * 1000;
        let list = lists.get(key);
        if (list === undefined) lists.set(key, (list = { k: keys.push(key), windows: [] })); // KEYS is 1-based in Lua
        let window = list.windows.find((known) => known.max === check.max && known.windowMs === windowMs);
        if (window === undefined) {
          list.windows.push((window = { max: check.max, windowMs, w: windows.length / 3 + 1 }));
          windows.push(list.k, check.max, String(windowMs));
        }
        decisions.push(window.w);
      }
    }
    return { keys, args: [tolerance, packFlat([windows.length / 3, ...windows, ...decisions])] };
  }

  async function send(batch: Pending[]): Promise<void> {
    let reply: number[];
    try {
      const { keys, args } = encode(batch);
      reply = (await script(ACQUIRE, ACQUIRE_SHA, keys, args)) as number[];
    } catch (error) {
      // A script that timed out or lost its connection may still have charged: take the
      // charges back if Redis lets us, so cards that were not issued do not use up a quota (a
      // sharer's hour, say). Charges are times, and the same time may be another decision's:
      // when Redis answered with an error, its script charged nothing, so nothing is taken.
      if (!((error as { cause?: unknown }).cause instanceof ReplyError)) {
        try {
          const pipeline = redis.multi();
          for (const { checks, now } of batch) for (const check of checks) pipeline.lrem(windowKey(check), -1, String(now));
          pipeline.exec().catch(() => {});
        } catch {
          // unreachable: nothing was charged either
        }
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (reply[0] === REBUILD) {
      for (const pending of batch) pending.resolve({ reply, at: 0 });
      return;
    }
    let at = 1;
    for (const pending of batch) {
      pending.resolve({ reply, at });
      at += 2 + 2 * pending.checks.length;
    }
  }
  const clockOff = (now: number, clock: number) => new LimitsUnavailableError(`this instance's time is ${Math.round(now - clock)} ms off Redis's clock`);

  return {
    durable: true,

    async acquire(checks, _id, now): Promise<LimitDecision> {
      if (checks.length === 0) return { allowed: true, states: [] };
      const at = Math.floor(now);
      const waitUntil = Date.now() + rebuildWaitMs;
      let answer: Answer;
      for (;;) {
        answer = await decide(checks, at);
        const { reply } = answer;
        if (answer.at === 0) {
          // Redis lost its windows (restart without persistence, FLUSHALL, failover): rebuild
          // them from the store before deciding anything (not from a time Redis would refuse).
          if (Math.abs(at - Number(reply[1])) > tolerance) throw clockOff(now, Number(reply[1]));
          if (Date.now() > waitUntil) throw new LimitsUnavailableError("Redis lost the limit windows; they are still being rebuilt from the store");
          await rebuild(now);
          continue;
        }
        if (reply[answer.at] === CLOCK_OFF) throw clockOff(now, Number(reply[answer.at + 1]));
        break;
      }
      const { reply, at: first } = answer;
      const states = checks.map((check, i): LimitState => {
        const count = Number(reply[first + 2 + 2 * i]);
        const oldest = Number(reply[first + 3 + 2 * i]);
        return {
          name: check.name,
          max: check.max,
          windowSeconds: check.windowSeconds,
          remaining: Math.max(0, check.max - count),
          resetSeconds: oldest < 0 ? 0 : Math.max(0, Math.ceil((oldest + check.windowSeconds * 1000 - now) / 1000)),
        };
      });
      if (reply[first] === 1) return { allowed: true, states };
      return { allowed: false, states, retryAfter: Math.max(1, Math.ceil(Number(reply[first + 1]) / 1000)) };
    },

    async release(checks, _id, at) {
      if (checks.length === 0) return;
      // Charges of one window at one time are alike: taking back the newest of them at `at`
      // takes back this one.
      const time = String(Math.floor(at));
      await call(() => {
        const pipeline = redis.multi();
        for (const check of checks) pipeline.lrem(windowKey(check), -1, time);
        return pipeline.exec();
      });
    },

    async restore(checks, _id, at) {
      const time = String(Math.floor(at));
      for (const check of checks) await script(RESTORE, RESTORE_SHA, [windowKey(check)], [time, String(check.windowSeconds * 1000)]);
    },

    async ping() {
      await call(() => redis.ping());
    },

    async close() {
      // The connection belongs to whoever opened it.
    },
  };
}
