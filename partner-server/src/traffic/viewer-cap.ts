/**
 * The per-client credit cap: at most `max` distinct credited viewers per client and brand per
 * rolling hour (`MINICARD_CREDITS_PER_IP_HOUR`, default 20). One phone shows one viewer; a
 * family or an office a few; a script that mints passes for invented viewers from one machine
 * is cut off at the cap, and what it sends beyond is counted as `suspect`, never credited.
 * Operators whose readers sit behind carrier-grade NAT raise it.
 *
 * A client is its IP address, IPv6 by its /64 prefix (one subscriber's allocation: otherwise
 * every address of it would be a new client). With Redis the cap is one sorted set per client
 * and brand, checked and charged by one script, so it holds across instances; if Redis cannot
 * be reached the cap falls back to counting in this process (N instances then allow N × max)
 * rather than stop crediting real viewers.
 */

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** The default cap: distinct credited viewers per client IP and brand per rolling hour. */
export const CREDITS_PER_IP_HOUR = 20;
const WINDOW_MS = 3600_000;
/** Clients tracked at most in this process; past that, the least recently seen are forgotten. */
const MAX_CLIENTS = 100_000;

/** One viewer to admit for a client and brand. */
export interface CapClaim {
  client: string;
  brand: string;
  viewer: string;
}

/** Admits viewers under the cap. */
export interface ViewerCap {
  /** Whether each claim is within the cap at `now`; admitted viewers are charged (a viewer already in the window is free). */
  admit(claims: readonly CapClaim[], now: number): Promise<boolean[]>;
}

/** The cap in this process. */
export function createMemoryViewerCap(max = CREDITS_PER_IP_HOUR): ViewerCap {
  /** client|brand → viewer → last credited, least recently seen first. */
  const windows = new Map<string, Map<string, number>>();
  const admitOne = ({ client, brand, viewer }: CapClaim, now: number): boolean => {
    const key = `${client}|${brand}`;
    const seen = windows.get(key) ?? new Map<string, number>();
    for (const [old, at] of seen) {
      if (at > now - WINDOW_MS) break;
      seen.delete(old);
    }
    windows.delete(key);
    let admitted = seen.has(viewer) || seen.size < max;
    if (admitted) {
      seen.delete(viewer);
      seen.set(viewer, now);
    }
    if (seen.size > 0) windows.set(key, seen);
    if (windows.size > MAX_CLIENTS) windows.delete(windows.keys().next().value!);
    return admitted;
  };
  return {
    async admit(claims, now) {
      return claims.map((claim) => admitOne(claim, now));
    },
  };
}

/** KEYS: one sorted set per claim. ARGV: now, window, max, then one viewer per key. Answers 1/0 per claim. */
const ADMIT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local result = {}
for i = 1, #KEYS do
  local viewer = ARGV[3 + i]
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local admitted = redis.call('ZSCORE', KEYS[i], viewer) or redis.call('ZCARD', KEYS[i]) < max
  if admitted then
    redis.call('ZADD', KEYS[i], now, viewer)
    redis.call('PEXPIRE', KEYS[i], window)
  end
  result[i] = admitted and 1 or 0
end
return result
`;
const ADMIT_SHA = createHash("sha1").update(ADMIT).digest("hex");

/** The cap in Redis (exact across instances), falling back to `fallback` while Redis is unreachable. */
export function createRedisViewerCap(redis: Redis, prefix: string, max = CREDITS_PER_IP_HOUR, fallback = createMemoryViewerCap(max)): ViewerCap {
  return {
    async admit(claims, now) {
      if (claims.length === 0) return [];
      const keys = claims.map((claim) => `${prefix}vcap:${claim.client}|${claim.brand}`);
      const args = [Math.floor(now), WINDOW_MS, max, ...claims.map((claim) => claim.viewer)];
      try {
        let reply: number[];
        try {
          reply = (await redis.evalsha(ADMIT_SHA, keys.length, ...keys, ...args)) as number[];
        } catch (error) {
          if (!/NOSCRIPT/.test((error as Error)?.message ?? "")) throw error;
          reply = (await redis.eval(ADMIT, keys.length, ...keys, ...args)) as number[];
        }
        return reply.map((admitted) => Number(admitted) === 1);
      } catch {
        return fallback.admit(claims, now);
      }
    },
  };
}
