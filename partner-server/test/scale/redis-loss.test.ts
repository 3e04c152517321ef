/**
 * Drill: Redis loses its state between two feed shares of one sharer (limit 1 per hour), and
 * the second is still refused, because the windows are rebuilt from the store's card log.
 * Real server processes (the built CLI, SQLite); Redis is either a database of the shared
 * Redis that only this file uses and flushes (`FLUSHDB`), or a private redis-server without
 * persistence that is killed and started again.
 */

import { afterEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { cardInput, postCard, seedWorld, spawnServer, type SpawnedServer } from "../support/server.js";
import { REDIS_URL, randomName, startRedisServer } from "../support/services.js";

/** The shared Redis's database this file flushes; no other test uses it. */
const DRILL_DB = 11;
const FEED_ONCE_AN_HOUR = [{ scope: "sharer", surface: "feed", max: 1, windowSeconds: 3600 }];

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!().catch(() => {});
});

async function start(redisUrl: string): Promise<SpawnedServer> {
  const server = await spawnServer({ env: { MINICARD_REDIS_URL: redisUrl, MINICARD_REDIS_PREFIX: `drill-${randomName()}:` } });
  stops.push(() => server.stop("SIGKILL"));
  return server;
}

const share = (server: SpawnedServer, apiKey: string, sharer: string) =>
  postCard(server.url, apiKey, cardInput({ surface: "feed", sharer, title: `Shared by ${sharer}` }));

describe("drill: the hourly limit survives Redis losing its state", () => {
  it("FLUSHDB between two feed shares of one sharer → the second is still 429", async () => {
    const url = new URL(REDIS_URL);
    url.pathname = `/${DRILL_DB}`;
    const server = await start(url.toString());
    const { apiKey } = await seedWorld(server.url, { limits: FEED_ONCE_AN_HOUR, token: server.adminToken });
    const redis = new Redis(url.toString());
    stops.push(async () => redis.disconnect());

    expect((await share(server, apiKey, "alice")).status).toBe(201);
    expect(await redis.dbsize()).toBeGreaterThan(0);
    await redis.flushdb();
    expect(await redis.dbsize()).toBe(0);

    const second = await share(server, apiKey, "alice");
    expect(second.status).toBe(429);
    expect(second.body.code).toBe("rate_limited");
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(3500);
    // Other sharers are unaffected by the rebuild.
    expect((await share(server, apiKey, "bob")).status).toBe(201);
    expect((await share(server, apiKey, "bob")).status).toBe(429);
  });

  it("a restart of Redis without persistence between two feed shares → the second is still 429, never 201", async () => {
    const redis = await startRedisServer();
    stops.push(() => redis.stop());
    const server = await start(redis.url);
    const { apiKey } = await seedWorld(server.url, { limits: FEED_ONCE_AN_HOUR, token: server.adminToken });

    expect((await share(server, apiKey, "alice")).status).toBe(201);
    await redis.stop();
    const down = await share(server, apiKey, "alice");
    expect(down.status).toBe(503);
    expect(down.body.code).toBe("limits_unavailable");
    await redis.start();

    // The server reconnects by itself; until then it answers 503, never a card.
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { status } = await share(server, apiKey, "alice");
      statuses.push(status);
      if (status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status !== 503 && status !== 429)).toEqual([]);
  });
});
