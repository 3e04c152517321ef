/**
 * Abuse guards on the HTTP edge, per client. Each belongs to the routes it guards: a plugin
 * adds it with its routes, so it holds for every spelling of their URLs that reaches them
 * (`/v1/cards/`, `/v1/%63ards`), and a new route in the plugin inherits it.
 * - **credential guessing** ({@link createCredentialGuard}, on the brand and admin APIs): after
 *   `AUTH_FAILURES.max` answers of 401 to one client within `AUTH_FAILURES.windowSeconds`,
 *   every request of that client to those routes is answered 429 `too_many_auth_failures`
 *   with `Retry-After`, before any credential is looked at, until the window has room again.
 *   A failure is counted before its 401 is sent, by one check-and-charge, so guesses sent all
 *   at once get no more 401s than guesses sent one by one (the rest get the 429). Keys are
 *   256-bit random, so this is not what keeps them secret; it keeps a guesser from costing us
 *   a store lookup per try and makes guessing show up in metrics;
 * - **beacon floods** (`routes/events.ts`): `POST /v1/events` is limited per partner and client
 *   (`MINICARD_EVENTS_PER_MINUTE`), 429 `rate_limited` with `Retry-After`, after the origin was
 *   found to be a partner's. One page sends a few batched beacons a minute;
 * - **status floods** (`routes/cards.ts`): `GET /v1/cards/status`, open to every origin, is
 *   limited per client (`STATUS_PER_CLIENT`), 429 `rate_limited` with `Retry-After`. One page
 *   asks once when its cards first render, then once a minute per 100 cards near the viewport.
 *
 * The windows roll (a sliding log per client). With Redis they are cluster-wide: one sorted
 * set per guard and client, checked and charged by one script, so N instances behind a
 * balancer allow `max` in all, not `N × max`. While Redis cannot be reached each instance
 * counts on its own (then a client gets at most `instances × max`): these guards never fail
 * closed, unlike the limits on issuance. Client IPs come from `request.ip`, which honours
 * `X-Forwarded-For` only when `MINICARD_TRUST_PROXY` is set; IPv6 clients count by their /64.
 */

import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { Problem } from "../problems.js";
import type { SharedRedis } from "../redis.js";
import { clientOf } from "./client.js";

/** Failed authentications (401 answers) one client IP may cause per rolling window. */
export const AUTH_FAILURES = { max: 40, windowSeconds: 60 } as const;
/** Beacon requests (`POST /v1/events`) one partner page's client may send per rolling window, by default (`MINICARD_EVENTS_PER_MINUTE`). */
export const EVENTS_PER_CLIENT = { max: 120, windowSeconds: 60 } as const;
/** Card status requests (`GET /v1/cards/status`, any origin) one client may send per rolling window: room for many pages behind one address. */
export const STATUS_PER_CLIENT = { max: 300, windowSeconds: 60 } as const;
/** Clients tracked at most per guard; past that, the least recently seen are forgotten. */
const MAX_CLIENTS = 50_000;

/** A sliding-log counter per key. */
export interface SlidingCounter {
  /** Seconds until `key` has room again (0 when it has room now). */
  wait(key: string, now: number): Promise<number>;
  /** Counts one event for `key` if it has room, all at once: answers 0, or the seconds until it has room (nothing counted). */
  take(key: string, now: number): Promise<number>;
}

/** Makes the {@link SlidingCounter} named `name` (e.g. `auth_failures`) allowing `max` events per `windowSeconds` per key. */
export type SlidingCounters = (name: string, max: number, windowSeconds: number) => SlidingCounter;

/** Creates a {@link SlidingCounter} in this process allowing `max` events per `windowSeconds` per key. */
export function createSlidingCounter(max: number, windowSeconds: number): SlidingCounter {
  const logs = new Map<string, number[]>();
  const windowMs = windowSeconds * 1000;
  const live = (key: string, now: number): number[] => {
    const log = logs.get(key);
    if (!log) return [];
    let expired = 0;
    while (expired < log.length && log[expired]! <= now - windowMs) expired += 1;
    if (expired > 0) log.splice(0, expired);
    if (log.length === 0) logs.delete(key);
    return log;
  };
  const wait = (key: string, now: number): number => {
    const log = live(key, now);
    if (log.length < max) return 0;
    return Math.max(1, Math.ceil((log[log.length - max]! + windowMs - now) / 1000));
  };
  const add = (key: string, now: number): void => {
    const log = live(key, now);
    // Re-insert so the map's order is least recently seen first.
    logs.delete(key);
    log.push(now);
    if (log.length > max) log.splice(0, log.length - max);
    logs.set(key, log);
    if (logs.size > MAX_CLIENTS) logs.delete(logs.keys().next().value!);
  };
  return {
    async wait(key, now) {
      return wait(key, now);
    },
    async take(key, now) {
      const seconds = wait(key, now);
      if (seconds === 0) add(key, now);
      return seconds;
    },
  };
}

/**
 * KEYS: the client's sorted set. ARGV: now (ms), window (ms), max, the member to add, and
 * `1` to add it if there is room (`0`: only look). Answers the ms until the key has room (0
 * when it had room before this call).
 */
const COUNT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local wait = 0
if count >= max then
  local freeing = redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')
  wait = math.max(1, tonumber(freeing[2]) + window - now)
end
if ARGV[5] == '1' and wait == 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -max - 1)
  redis.call('PEXPIRE', KEYS[1], window)
end
return wait
`;
const COUNT_SHA = createHash("sha1").update(COUNT).digest("hex");

/**
 * Creates a {@link SlidingCounter} in Redis: one window per key for every instance. While
 * Redis cannot be reached (not connected, or a command fails) it counts in `fallback`, in
 * this process, and never throws.
 */
export function createRedisSlidingCounter(
  redis: Redis,
  key: (client: string) => string,
  max: number,
  windowSeconds: number,
  fallback: SlidingCounter = createSlidingCounter(max, windowSeconds),
): SlidingCounter {
  const windowMs = windowSeconds * 1000;
  const instance = randomUUID();
  let sequence = 0;
  /** Answers the ms until `client` has room, or undefined when Redis did not answer. */
  async function count(client: string, now: number, mode: "look" | "take"): Promise<number | undefined> {
    if (redis.status !== "ready") return undefined;
    const args = [Math.floor(now), windowMs, max, `${Math.floor(now)}:${instance}:${sequence++}`, mode === "take" ? 1 : 0];
    try {
      try {
        return Number(await redis.evalsha(COUNT_SHA, 1, key(client), ...args));
      } catch (error) {
        if (!/NOSCRIPT/.test((error as Error)?.message ?? "")) throw error;
        return Number(await redis.eval(COUNT, 1, key(client), ...args));
      }
    } catch {
      return undefined;
    }
  }
  const seconds = (ms: number) => (ms <= 0 ? 0 : Math.max(1, Math.ceil(ms / 1000)));
  /**
   * The looks asked for in this turn of the event loop, by client. A look charges nothing, so
   * the requests of one client that arrive together (a brand's server sending many at once)
   * share one script run instead of one round trip each; a charge (`take`) is never shared.
   */
  const looking = new Map<string, Promise<number | undefined>>();
  return {
    async wait(client, now) {
      let look = looking.get(client);
      if (look === undefined) {
        looking.set(client, (look = count(client, now, "look")));
        if (looking.size === 1) setImmediate(() => looking.clear());
      }
      const ms = await look;
      return ms === undefined ? fallback.wait(client, now) : seconds(ms);
    },
    async take(client, now) {
      const ms = await count(client, now, "take");
      return ms === undefined ? fallback.take(client, now) : seconds(ms);
    },
  };
}

/** Sliding counters in Redis under `prefix` (`<prefix>guard:<name>:<client>`) when given a connection, in this process otherwise. */
export function slidingCounters(redis?: SharedRedis): SlidingCounters {
  if (!redis) return (_name, max, windowSeconds) => createSlidingCounter(max, windowSeconds);
  return (name, max, windowSeconds) => createRedisSlidingCounter(redis.redis, (client) => `${redis.prefix}guard:${name}:${client}`, max, windowSeconds);
}

/** The credential-guessing guard, shared by every credentialed plugin. */
export interface CredentialGuard {
  /**
   * Adds the guard and `authenticate` to `app`, a plugin whose routes all take credentials
   * (call before its routes): one `onRequest` hook that refuses a client out of room, then
   * authenticates. A 401 `authenticate` throws is counted before it is answered; when the
   * count is full by then (other guesses of the client in flight), the answer is the 429.
   */
  protect(app: FastifyInstance, authenticate: (request: FastifyRequest) => Promise<void>): void;
}

/** Creates the credential guard (one per server: the brand and admin APIs share its counts). */
export function createCredentialGuard(context: Pick<AppContext, "metrics" | "now"> & { counters: SlidingCounters }): CredentialGuard {
  const failures = context.counters("auth_failures", AUTH_FAILURES.max, AUTH_FAILURES.windowSeconds);
  const refuse = (wait: number) => {
    context.metrics.count("minicard_abuse_refused_total", { guard: "auth_failures" });
    return new Problem("too_many_auth_failures", `too many failed authentications from this client; retry in ${wait} s`, {
      headers: { "retry-after": String(wait) },
      extra: { retryAfter: wait },
    });
  };
  return {
    protect(app, authenticate) {
      app.addHook("onRequest", async (request) => {
        const client = clientOf(request.ip);
        const wait = await failures.wait(client, context.now());
        if (wait > 0) throw refuse(wait);
        try {
          await authenticate(request);
        } catch (error) {
          if (error instanceof Problem && error.status === 401) {
            const full = await failures.take(client, context.now());
            if (full > 0) throw refuse(full);
          }
          throw error;
        }
      });
    },
  };
}
