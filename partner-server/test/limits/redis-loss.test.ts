/**
 * The Redis limiter when Redis loses its windows: FLUSHDB, a restart without persistence, a
 * failover to a replica that missed the last charge. The store's card log (here a list the
 * test keeps, standing in for it) is the truth the windows are rebuilt from; while it cannot
 * be read, decisions fail closed. Each test runs its own redis-server, so flushing and
 * killing touch nothing else.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { LimitsUnavailableError, type ChargeHistory, type LimitCheck, type PastCharge } from "../../src/limits/limiter.js";
import { connectRedisLimiter, type ConnectedLimiter } from "./redis-limiter.js";
import { freePort, startRedisServer } from "../support/services.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
});

const HOUR = 3600;
const sharerWindow: LimitCheck = { key: "weibo|sharer|feed|3600|alice", name: "feed-sharer", max: 1, windowSeconds: HOUR };
const brandWindow: LimitCheck = { key: "weibo|brand|*|3600|cinema", name: "brand", max: 1000, windowSeconds: HOUR };
const checks = [sharerWindow, brandWindow];

/** A card log standing in for the store: what `acquire` allowed is "stored" by the test. */
function cardLog(): { charges: PastCharge[]; history: ChargeHistory; reads: () => number; fail: (failing: boolean) => void } {
  const charges: PastCharge[] = [];
  let reads = 0;
  let failing = false;
  return {
    charges,
    reads: () => reads,
    fail: (value) => (failing = value),
    history: async (now) => {
      reads += 1;
      if (failing) throw new Error("the store is unreachable");
      return charges.filter((charge) => charge.at > now - HOUR * 1000);
    },
  };
}

async function open(url: string, history: ChargeHistory): Promise<ConnectedLimiter> {
  const limiter = await connectRedisLimiter({ url, prefix: "loss:", history });
  cleanups.push(() => limiter.close());
  return limiter;
}

/** Retries `operation` while Redis is reconnecting (it answers LimitsUnavailableError meanwhile). */
async function once<T>(operation: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof LimitsUnavailableError) || i >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("Redis limiter: windows lost in Redis are rebuilt from the store", () => {
  it("after FLUSHDB, the second share of the hour is still refused", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const log = cardLog();
    const limiter = await open(redis.url, log.history);
    const first = Date.now();
    expect((await limiter.acquire(checks, "card-1", first)).allowed).toBe(true);
    log.charges.push({ checks, id: "card-1", at: first });

    await limiter.redis.flushdb();
    const second = await limiter.acquire(checks, "card-2", first + 1000);
    expect(second.allowed).toBe(false);
    if (!second.allowed) expect(second.retryAfter).toBe(HOUR - 1);
    // The brand window was rebuilt too, and counts the one card once.
    expect(second.states.map((state) => [state.name, state.remaining])).toEqual([
      ["feed-sharer", 0],
      ["brand", 999],
    ]);
  });

  it("after a restart without persistence, the second share of the hour is still refused", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const log = cardLog();
    const limiter = await open(redis.url, log.history);
    const first = Date.now();
    expect((await limiter.acquire(checks, "card-1", first)).allowed).toBe(true);
    log.charges.push({ checks, id: "card-1", at: first });

    await redis.stop();
    await expect(limiter.acquire(checks, "card-2", Date.now())).rejects.toBeInstanceOf(LimitsUnavailableError);
    await redis.start();
    const second = await once(() => limiter.acquire(checks, "card-2", Date.now()));
    expect(second.allowed).toBe(false);
  });

  it("after a failover to a replica that missed the last charge, that charge still counts", async () => {
    const primary = await startRedisServer();
    cleanups.push(() => primary.stop());
    const admin = new Redis(primary.port, "127.0.0.1");
    await admin.config("SET", "repl-diskless-sync-delay", "0"); // sync the replica now, not in 5 s
    admin.disconnect();
    const replica = await startReplica(primary.port);
    cleanups.push(() => replica.stop());
    const log = cardLog();
    const onPrimary = await open(primary.url, log.history);
    // An earlier decision: the generation key and its windows reach the replica.
    expect((await onPrimary.acquire([brandWindow], "card-0", Date.now())).allowed).toBe(true);
    log.charges.push({ checks: [brandWindow], id: "card-0", at: Date.now() });
    await onPrimary.redis.wait(1, 2000);

    // The replica is cut off and promoted (what a failover does), so it misses the next charge.
    await replica.client.replicaof("NO", "ONE");
    expect((await onPrimary.acquire(checks, "card-1", Date.now())).allowed).toBe(true);
    log.charges.push({ checks, id: "card-1", at: Date.now() });
    expect(await replica.client.exists("loss:window:weibo|sharer|feed|3600|alice")).toBe(0);
    expect(await replica.client.exists("loss:window:generation")).toBe(1);

    // Instances now reach the promoted replica: its generation differs, so it is rebuilt first.
    const onReplica = await open(replica.url, log.history);
    const second = await onReplica.acquire(checks, "card-2", Date.now());
    expect(second.allowed).toBe(false);
    expect(second.states.find((state) => state.name === "brand")!.remaining).toBe(1000 - 2);
  });

  it("fails closed while the store cannot be read, and recovers by itself", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const log = cardLog();
    const limiter = await open(redis.url, log.history);
    const first = Date.now();
    expect((await limiter.acquire(checks, "card-1", first)).allowed).toBe(true);
    log.charges.push({ checks, id: "card-1", at: first });

    await limiter.redis.flushdb();
    log.fail(true);
    await expect(limiter.acquire(checks, "card-2", Date.now())).rejects.toBeInstanceOf(LimitsUnavailableError);
    // Nothing was decided meanwhile: a later share is not let through on an empty window.
    await expect(limiter.acquire(checks, "card-3", Date.now())).rejects.toBeInstanceOf(LimitsUnavailableError);
    log.fail(false);
    expect((await limiter.acquire(checks, "card-4", Date.now())).allowed).toBe(false);
  });

  it("rebuilds once for several instances racing after a flush, and stays exact", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const log = cardLog();
    const limiters = await Promise.all([1, 2, 3].map(() => open(redis.url, log.history)));
    const two: LimitCheck = { ...sharerWindow, max: 2 };
    const first = Date.now();
    expect((await limiters[0]!.acquire([two], "card-1", first)).allowed).toBe(true);
    log.charges.push({ checks: [two], id: "card-1", at: first });
    const readsBefore = log.reads();

    await limiters[0]!.redis.flushdb();
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 3]!.acquire([two], `race-${i}`, Date.now())));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(1);
    expect(log.reads() - readsBefore).toBe(1);
  });

  it("refuses to decide on a time far off Redis's clock (an instance whose clock is not set)", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const limiter = await open(redis.url, cardLog().history);
    await expect(limiter.acquire(checks, "ahead", Date.now() + 5 * 60_000)).rejects.toThrow(/off Redis's clock/);
    await expect(limiter.acquire(checks, "behind", Date.now() - 5 * 60_000)).rejects.toBeInstanceOf(LimitsUnavailableError);
    expect((await limiter.acquire(checks, "on-time", Date.now())).allowed).toBe(true);
  });
});

/** A redis-server replicating `primaryPort` (no persistence); `client` talks to it. */
async function startReplica(primaryPort: number): Promise<{ url: string; client: Redis; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "minicard-replica-")); // a full sync writes dump.rdb there
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--replicaof", "127.0.0.1", String(primaryPort)],
    { stdio: "ignore" },
  );
  const client = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 0, retryStrategy: (times) => (times > 40 ? null : 50) });
  client.on("error", () => {});
  for (let i = 0; ; i++) {
    const link = await client.info("replication").catch(() => "");
    if (/master_link_status:up/.test(link)) break;
    if (i > 100) throw new Error(`the replica on ${port} did not sync`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    client,
    async stop() {
      client.disconnect();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
