/**
 * Many instances, one stream (PostgreSQL + Redis, real processes): beacons are appended to a
 * Redis Stream and answered `queued`; every instance folds the stream into PostgreSQL.
 *
 * - An instance killed with -9 while it holds unacknowledged entries loses nothing and counts
 *   nothing twice: the survivor claims its entries and folds them, and every count equals
 *   what was sent (impressions de-duplicated per visitor, card and minute; clicks; exact UV).
 * - An entry folded again (a consumer that committed, then died before acknowledging) is
 *   skipped by event id.
 * - The backlog is a gauge in `/metrics`, and falls to zero.
 */

import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerPassKey, BROWSER_UA, type PartnerPasses } from "../support/passes.js";
import { cardInput, postCard, seedWorld, spawnServer, type SpawnedServer } from "../support/server.js";
import { createRedisPrefix, createTestDatabase } from "../support/services.js";

const ISSUER = "https://cards.stream.example";
const METRICS_TOKEN = "test-metrics-token-0123456789";
const ORIGIN = "https://weibo.example";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the event stream on PostgreSQL + Redis", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let prefix: Awaited<ReturnType<typeof createRedisPrefix>>;
  let redis: Redis;
  let env: Record<string, string>;
  const servers: SpawnedServer[] = [];
  let apiKey: string;
  let passes: PartnerPasses;
  let cards: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = await createRedisPrefix();
    redis = new Redis(prefix.url);
    env = {
      MINICARD_DATABASE_URL: database.url,
      MINICARD_REDIS_URL: prefix.url,
      MINICARD_REDIS_PREFIX: prefix.prefix,
      MINICARD_ISSUER: ISSUER,
      MINICARD_STREAM_CLAIM_MS: "1000",
      MINICARD_EVENTS_PER_MINUTE: "1000000",
      MINICARD_CREDITS_PER_IP_HOUR: "1000000",
      MINICARD_METRICS_TOKEN: METRICS_TOKEN,
    };
    servers.push(await spawnServer({ env }), await spawnServer({ env }));
    const world = await seedWorld(servers[1]!.url, { origins: [ORIGIN] });
    apiKey = world.apiKey;
    passes = await registerPassKey(servers[1]!.url, "weibo", { issuer: ISSUER });
    cards = [];
    for (let i = 0; i < 3; i++) {
      const response = await postCard(servers[1]!.url, apiKey, cardInput({ title: `Card ${i}` }));
      expect(response.status).toBe(201);
      cards.push(response.body.id);
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.stop("SIGKILL").catch(() => {});
    redis?.disconnect();
    await prefix?.cleanup();
    await database?.drop();
  });

  const key = () => `${prefix.prefix}events`;
  const stats = async (url: string) => (await fetch(`${url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
  const backlogGauge = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const line = text.split("\n").find((row) => row.startsWith("minicard_events_backlog"));
    return line === undefined ? undefined : Number(line.split(" ").pop());
  };

  it("a consumer killed -9 mid-fold loses nothing and counts nothing twice", async () => {
    const [victim, survivor] = servers as [SpawnedServer, SpawnedServer];
    const now = Date.now();
    // What is sent: 60 readers, each a batch of impressions (some repeated within the same
    // minute: counted once) and one click per card it opens.
    const expected = { impressions: new Set<string>(), clicks: 0, visits: new Set<string>() };
    const batches: Array<{ viewer: string; events: unknown[] }> = [];
    for (let round = 0; round < 8; round++) {
      for (let r = 0; r < 60; r++) {
        const reader = `reader-${r}`;
        const events = [];
        for (let i = 0; i < 12; i++) {
          const card = cards[(r + i) % 3]!;
          const ts = now - 60_000 * ((round * 7 + i) % 50);
          events.push({ type: "impression", card, visitor: reader, ts });
          expected.impressions.add(`${card}|${reader}|${Math.floor(ts / 60_000)}`);
        }
        if ((r + round) % 3 === 0) {
          events.push({ type: "click", card: cards[r % 3], visitor: reader, ts: now - 1000 });
          expected.clicks++;
          expected.visits.add(`${reader}|${Math.floor((now - 1000) / 86_400_000)}`);
        }
        batches.push({ viewer: await passes.mint(reader), events });
      }
    }

    // Beacons go to the survivor (so every 202 is known); both instances fold.
    let sent = 0;
    let killedWithPending = 0;
    const victimConsumer = async () => {
      const consumers = (await redis.xinfo("CONSUMERS", key(), "fold")) as unknown[][];
      const mine = consumers.find((fields) => String(fields[1]).includes(`-${victim.process.pid}-`));
      return mine ? Number(mine[3]) : 0; // [name, <name>, pending, <n>, …]
    };
    const send = async (batch: (typeof batches)[number]) => {
      const response = await fetch(`${survivor.url}/v1/events`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "text/plain", "user-agent": BROWSER_UA },
        body: JSON.stringify(batch),
      });
      const body = await response.json();
      expect(response.status).toBe(202);
      expect(body.rejected).toBe(0);
      expect(body.results.every((result: { status: string; queued?: boolean; quality?: string }) => result.status === "accepted" && result.queued && result.quality === "credited")).toBe(true);
      sent++;
    };
    // Every fold waits on a lock of the hourly rollups, so each consumer holds what it has
    // read: the victim is then certain to be killed with entries it has not acknowledged,
    // however fast the machine folds. Beacons are answered meanwhile (202 after XADD).
    const lock = new pg.Client({ connectionString: database.url });
    lock.on("error", () => {});
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("LOCK TABLE rollup_hours IN ACCESS EXCLUSIVE MODE");
    const queue = [...batches];
    const senders = Array.from({ length: 6 }, async () => {
      while (queue.length > 0) await send(queue.shift()!);
    });
    // Kill the victim once it holds entries it has not acknowledged, then let the folds go on.
    const killer = (async () => {
      try {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const pending = await victimConsumer().catch(() => 0);
          if (pending > 0) {
            victim.process.kill("SIGKILL");
            killedWithPending = pending;
            return;
          }
          await sleep(5);
        }
      } finally {
        await lock.query("ROLLBACK");
        await lock.end();
      }
    })();
    await Promise.all([...senders, killer]);
    // One of the entries the victim held, to fold once more at the end.
    const held = ((await redis.xrange(key(), "-", "+", "COUNT", 1)) as Array<[string, string[]]>)[0]?.[1];
    expect(held).toBeDefined();
    expect(sent).toBe(batches.length);
    expect(killedWithPending, "the victim was killed holding unacknowledged entries").toBeGreaterThan(0);

    // The survivor claims the victim's entries after the claim interval and folds everything.
    await eventually(async () => (await backlogGauge(survivor.url)) === 0 && (await victimConsumer()) === 0, 30_000, "the backlog to drain");
    const result = await stats(survivor.url);
    console.log(`[stream] ${batches.length} batches; victim killed holding ${killedWithPending} entries; folded ${result.impressions} impressions, ${result.clicks} clicks, ${result.uv} UV`);
    expect(result.impressions).toBe(expected.impressions.size);
    expect(result.clicks).toBe(expected.clicks);
    expect(result.uv).toBe(expected.visits.size);
    expect(result.ledger.uv).toBe(expected.visits.size);
    expect(result.byQuality.credited).toEqual({ impressions: expected.impressions.size, clicks: expected.clicks });

    // An entry folded again (its consumer committed, then died before XACK) counts nothing.
    await redis.xadd(key(), "*", ...held!);
    const group = async () => {
      const [fields] = (await redis.xinfo("GROUPS", key())) as unknown[][];
      const info = new Map<string, unknown>();
      for (let i = 0; i < fields!.length; i += 2) info.set(String(fields![i]), fields![i + 1]);
      return { pending: Number(info.get("pending")), lag: Number(info.get("lag")) };
    };
    await eventually(async () => (await group()).lag === 0 && (await group()).pending === 0, 10_000, "the replayed entry to be folded");
    expect(await stats(survivor.url)).toMatchObject({ impressions: expected.impressions.size, clicks: expected.clicks, uv: expected.visits.size });
  }, 90_000);
});
