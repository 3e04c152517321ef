/**
 * Assembles a running server from its configuration: opens the store (migrating it), with
 * Redis the one Redis connection (handed to every part that keeps state there), the limiter
 * (rebuilding in-process windows from stored cards; the Redis limiter rebuilds its own
 * whenever Redis lost them), the clock (Redis's, with Redis), the signing keys and the admin
 * token, then builds the app. `close()` undoes it all, in reverse.
 */

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { buildApp } from "./app.js";
import type { Config } from "./config.js";
import type { AppContext } from "./context.js";
import { openKeyRing } from "./keys/keyring.js";
import type { Limiter } from "./limits/limiter.js";
import { createLimiter } from "./limits/open.js";
import { createRedisReplayCache } from "./limits/replay.js";
import { connectRedis, whenReady, type SharedRedis } from "./redis.js";
import { announceRotation, watchRotations } from "./keys/announce.js";
import { createCredentialGuard, slidingCounters } from "./limits/abuse.js";
import { chargeHistory } from "./limits/history.js";
import { createRedisClock, type RedisClock } from "./clock.js";
import { createMetrics } from "./metrics.js";
import { createOriginIndex } from "./origins.js";
import { openStore } from "./store/open.js";
import { withReadCache } from "./store/cached.js";
import type { Store } from "./store/store.js";
import { createPassVerifier } from "./traffic/passes.js";
import { openPlacements } from "./traffic/placements.js";
import { createTrendingBoard } from "./services/trending.js";
import { startRetention } from "./services/retention.js";
import { createEventStream, type EventStream } from "./traffic/event-stream.js";
import { createMemoryViewerCap, createRedisViewerCap } from "./traffic/viewer-cap.js";

/** A built server and how to stop it. */
export interface Server {
  app: FastifyInstance;
  context: AppContext;
  /** Stops accepting, finishes in-flight requests, closes the store and limiter. */
  close(): Promise<void>;
}

/** Options of {@link createServer}. */
export interface ServerOptions {
  logger?: FastifyServerOptions["logger"];
  /** Use this store instead of opening the configured one (tests). */
  store?: Store;
  limiter?: Limiter;
  now?: () => number;
}

/** The admin token: configured, or generated once into the data folder (mode 600). */
export function adminTokenFor(config: Pick<Config, "adminToken" | "dataDir">): string {
  if (config.adminToken) return config.adminToken;
  const file = join(config.dataDir, "admin-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(config.dataDir, { recursive: true });
  const token = `mca_${randomBytes(24).toString("base64url")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Replays recent cards into an in-process limiter, so windows survive a restart. */
export async function restoreLimits(store: Store, limiter: Limiter, now: number): Promise<number> {
  if (limiter.durable) return 0;
  const charges = await chargeHistory(store)(now);
  for (const charge of charges) await limiter.restore(charge.checks, charge.id, charge.at);
  return charges.length;
}

/** Opens every part and builds the app. */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<Server> {
  let now = options.now ?? Date.now;
  const store = options.store ?? (await openStore(config));
  // With Redis, one connection, handed to every part that keeps state there.
  const redis: SharedRedis | undefined = config.redisUrl ? { redis: connectRedis(config.redisUrl), prefix: config.redisPrefix } : undefined;
  let limiter: Limiter | undefined;
  let clock: RedisClock | undefined;
  let rotations: { close(): void } | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let app: FastifyInstance | undefined;
  let retention: { close(): Promise<void> } | undefined;
  let stream: EventStream | undefined;
  try {
    if (redis) await whenReady(redis.redis, 3000); // it keeps trying in the background
    limiter = options.limiter ?? createLimiter(redis, chargeHistory(store));
    // With Redis, every instance keeps Redis's time, so windows, card times and expiry agree.
    if (redis && !options.now) {
      clock = createRedisClock(redis.redis);
      await clock.sync().catch(() => {}); // measured again once Redis answers
      now = clock.now;
    }
    await restoreLimits(store, limiter, now());
    // With Redis, the replay cache lives there too: a replayed assertion is refused by every instance.
    const assertions = redis ? createRedisReplayCache(redis.redis, redis.prefix) : store.assertions;
    const view: Store = withReadCache({ ...store, assertions }, { ttlMs: config.readCacheMs, now });
    const metrics = createMetrics();
    const keys = await openKeyRing(store, {
      alg: config.signingAlg,
      secret: config.keySecret,
      now,
      graceMs: config.keyGraceSeconds * 1000,
      signOn: config.signOn,
      onSignerFailure: (error) => {
        metrics.count("minicard_signing_thread_failures_total");
        app?.log.error({ err: error }, "the signing thread failed; its cards were signed on the main thread");
      },
      ...(redis ? { announce: () => announceRotation(redis.redis, redis.prefix) } : {}),
    });
    // Another instance (or the CLI) may rotate: hear it at once through Redis, and poll anyway.
    const refresh = () => void keys.refresh().catch(() => {});
    refreshTimer = setInterval(refresh, config.keyRefreshSeconds * 1000);
    refreshTimer.unref();
    if (redis) rotations = watchRotations(redis.redis, redis.prefix, refresh);
    const counters = slidingCounters(redis);
    const context: AppContext = {
      config,
      store: view,
      limiter,
      keys,
      adminToken: adminTokenFor(config),
      metrics,
      now,
      origins: createOriginIndex(store, now),
      counters,
      credentialGuard: createCredentialGuard({ metrics, now, counters }),
      traffic: {
        passes: createPassVerifier(view, { issuer: () => config.issuer }),
        cap: redis ? createRedisViewerCap(redis.redis, redis.prefix, config.creditsPerIpHour) : createMemoryViewerCap(config.creditsPerIpHour),
        placements: await openPlacements(store, { keySecret: config.keySecret, now: now() }),
        stream: redis
          ? createEventStream({
              redis: redis.redis,
              prefix: redis.prefix,
              store,
              claimIdleMs: config.streamClaimMs,
              onError: (error, message) => app?.log.warn({ err: error }, message),
              onBacklog: (backlog) => metrics.gauge("minicard_events_backlog", backlog),
            })
          : undefined,
      },
      trending: createTrendingBoard(view, {
        ratio: config.exchangeRatio,
        now,
        refreshMs: config.trendingRefreshMs,
        onError: (error) => app?.log.warn({ err: error }, "hot list recompute failed; serving the previous list"),
      }),
    };
    app = await buildApp(context, { logger: options.logger ?? false });
    stream = context.traffic.stream;
    stream?.start();
    retention = startRetention(store, { days: config.eventsRetentionDays, now, log: app.log });
    return {
      app,
      context,
      async close() {
        clearInterval(refreshTimer);
        rotations?.close();
        await retention?.close();
        await app!.close();
        await stream?.close();
        clock?.close();
        await limiter!.close();
        await keys.close();
        redis?.redis.disconnect();
        await store.close();
      },
    };
  } catch (error) {
    clearInterval(refreshTimer);
    await retention?.close();
    rotations?.close();
    clock?.close();
    await limiter?.close().catch(() => {});
    redis?.redis.disconnect();
    await store.close().catch(() => {});
    throw error;
  }
}
