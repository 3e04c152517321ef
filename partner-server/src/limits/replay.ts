/**
 * The replay cache of `private_key_jwt` client assertions in Redis: each `jti` is kept once
 * (`SET NX PX`) until the assertion expires, so a replay sent to another instance is
 * refused. With Redis, `server.ts` puts it in place of the store's `assertions`.
 *
 * Like the limiter, it fails closed and fast: while Redis is unreachable `use` throws
 * {@link LimitsUnavailableError}.
 */

import type { Redis } from "ioredis";
import type { AssertionRepository } from "../store/store.js";
import { LimitsUnavailableError } from "./limiter.js";

/** The replay cache over `redis` (a connection from `connectRedis`), its keys under `prefix`. */
export function createRedisReplayCache(redis: Redis, prefix: string): AssertionRepository {
  return {
    async use(brandId, jti, expiresAt, now) {
      const ttl = Math.max(1, Math.ceil(expiresAt - now));
      try {
        return (await redis.set(`${prefix}jti:${brandId}:${jti}`, "1", "PX", ttl, "NX")) === "OK";
      } catch (error) {
        throw new LimitsUnavailableError("Redis is unavailable", { cause: error });
      }
    },
  };
}
