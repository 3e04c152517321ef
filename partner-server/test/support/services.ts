/**
 * Test support: the real PostgreSQL and Redis on loopback (started by `.ci/services.sh`),
 * isolated per test: each test gets its own database and its own Redis key prefix, so test
 * files run in parallel without seeing each other. Missing services fail the test with a
 * clear message; nothing is skipped.
 *
 * Also: a private `redis-server` a test may stop and restart, and a TCP proxy a test can
 * cut, to play "Redis down" and "PostgreSQL down" without touching the shared services.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket, connect } from "node:net";
import pg from "pg";
import { Redis } from "ioredis";

/** The shared PostgreSQL's maintenance database. */
export const POSTGRES_URL = process.env.MINICARD_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** The shared Redis. */
export const REDIS_URL = process.env.MINICARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const HINT = "start the services with .ci/services.sh (CI runs it); these tests never skip";

/** A random lowercase suffix for names. */
export const randomName = () => randomBytes(6).toString("hex");

/** A fresh database on the shared PostgreSQL; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `minicard_test_${randomName()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} (${(error as Error).message}): ${HINT}`);
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A unique key prefix on the shared Redis; `cleanup()` deletes its keys. */
export async function createRedisPrefix(url = REDIS_URL): Promise<{ url: string; prefix: string; cleanup(): Promise<void> }> {
  const prefix = `minicard-test:${randomName()}:`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${url} (${(error as Error).message}): ${HINT}`);
  }
  return {
    url,
    prefix,
    async cleanup() {
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A loopback port held open until `release()`: a process that binds port 0 meanwhile (a
 * server under test) cannot be given it. Release it just before its own user binds it.
 */
export async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A private redis-server (no persistence) the test may stop and start again on the same port. */
export async function startRedisServer(): Promise<{ url: string; port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    child.once("error", () => {});
    const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${port}: ${HINT}`);
  }
  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

/** A TCP proxy to `target` that a test can cut (every connection closed, new ones refused) and restore. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<{
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  async function listen(): Promise<void> {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client);
      sockets.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(port, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }
  async function cut(): Promise<void> {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
  await listen();
  return { port, cut, restore: listen, close: cut };
}
