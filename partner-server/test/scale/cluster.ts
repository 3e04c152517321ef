/**
 * Scale-out test support: several real server processes on one fresh PostgreSQL database
 * and one Redis key prefix, behind nginx running `docs/deploy/nginx.conf`.
 *
 * `startCluster()` → `{ url (the balancer), instances, db, … , stop() }`. Every test gets
 * its own cluster, database and prefix, so test files run in parallel.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { spawnServer, tempDir, type SpawnedServer } from "../support/server.js";
import { createRedisPrefix, createTestDatabase, REDIS_URL, reservePort } from "../support/services.js";

/** The example config the deployment docs show. */
export const NGINX_CONF = fileURLToPath(new URL("../../../docs/deploy/nginx.conf", import.meta.url));
const NGINX = process.env.MINICARD_TEST_NGINX ?? "/usr/sbin/nginx";
export const ADMIN_TOKEN = "scale-admin-token-0123456789";

/** Builds a runnable nginx config from the documented example. */
export function nginxConfig(listenPort: number, upstreams: number[], dir: string): string {
  const example = readFileSync(NGINX_CONF, "utf8");
  const begin = example.indexOf("# instances:begin");
  const end = example.indexOf("# instances:end");
  if (begin < 0 || end < 0) throw new Error(`${NGINX_CONF} lost its "instances" markers`);
  const servers = upstreams.map((port) => `server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`).join("\n    ");
  let conf = `${example.slice(0, begin)}${servers}\n    ${example.slice(end)}`;
  conf = conf.replace(/listen 8080;/, `listen 127.0.0.1:${listenPort};`);
  conf = conf.replace(/worker_processes auto;/, "worker_processes 1;");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, `${name}_temp`)};`)
    .join("\n  ");
  conf = conf.replace(/http \{/, `http {\n  ${temp}\n  access_log off;`);
  if (conf === example) throw new Error("nginx config was not rewritten");
  return conf;
}

/** nginx on a free loopback port in front of `upstreams`. */
export async function startNginx(
  listenPort: number,
  upstreams: number[],
): Promise<{ stop(): Promise<void>; reload(upstreams: number[]): Promise<void>; output(): string }> {
  const dir = tempDir("minicard-nginx-");
  chmodSync(dir.path, 0o755); // nginx workers drop root
  mkdirSync(join(dir.path, "logs"));
  const conf = join(dir.path, "nginx.conf");
  writeFileSync(conf, nginxConfig(listenPort, upstreams, dir.path));
  let output = "";
  const child: ChildProcess = spawn(
    NGINX,
    ["-p", dir.path, "-c", conf, "-e", join(dir.path, "logs", "error.log"), "-g", `daemon off; pid ${join(dir.path, "nginx.pid")};`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`nginx (${NGINX}) did not start: ${error.message}; run .ci/services.sh`)));
    child.once("exit", (code) => reject(new Error(`nginx exited with ${code}: ${output}`)));
  });
  failed.catch(() => {});
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${listenPort}/nginx-health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nginx did not answer on ${listenPort}: ${output}`);
  })();
  await Promise.race([ready, failed]);
  return {
    output: () => output,
    /** Rewrites the upstream list and reloads (SIGHUP): old workers finish their requests. */
    async reload(next) {
      writeFileSync(conf, nginxConfig(listenPort, next, dir.path));
      child.kill("SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGQUIT");
      await exited;
      dir.cleanup();
    },
  };
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  instances?: number;
  /**
   * Extra environment of every instance. Set MINICARD_KEY_SECRET to seal keys at rest; it is
   * left out by default because opening a sealed key costs a deliberate scrypt (~0.5 s here).
   */
  env?: Record<string, string>;
  /** Use this Redis instead of a prefix on the shared one. */
  redisUrl?: string;
  /** Use this database URL for the instances (e.g. through a proxy) instead of the fresh database's own. */
  databaseUrl?: (url: string) => string;
}

/** Three (or `instances`) servers behind nginx. */
export interface Cluster {
  /** The balancer: every test request goes here unless it targets an instance. */
  url: string;
  instances: SpawnedServer[];
  /** The fresh database's URL (direct, not through any proxy). */
  databaseUrl: string;
  redisPrefix: string;
  /** Points nginx at exactly `instances` (the documented way to drain one before stopping it). */
  balance(instances: SpawnedServer[]): Promise<void>;
  /** Starts one more instance on the same database and Redis (not behind nginx). */
  spawnInstance(extra?: Record<string, string>): Promise<SpawnedServer>;
  /** Queries the database directly. */
  query<T extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** Starts a fresh cluster: database, Redis prefix, instances, nginx. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase();
  const redis = await createRedisPrefix(options.redisUrl ?? REDIS_URL);
  // Held until nginx starts: the instances bind port 0 and must not be given the balancer's.
  const balancer = await reservePort();
  const balancerPort = balancer.port;
  const url = `http://127.0.0.1:${balancerPort}`;
  const env = {
    MINICARD_DATABASE_URL: options.databaseUrl ? options.databaseUrl(database.url) : database.url,
    MINICARD_REDIS_URL: redis.url,
    MINICARD_REDIS_PREFIX: redis.prefix,
    MINICARD_ISSUER: url,
    MINICARD_ADMIN_TOKEN: ADMIN_TOKEN,
    MINICARD_TRUST_PROXY: "true",
    ...options.env,
  };
  const instances: SpawnedServer[] = [];
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // An idle client ended by the server (the database dropped WITH (FORCE)) must not become an uncaught error.
  pool.on("error", () => {});
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  const spawnInstance = async (extra: Record<string, string> = {}) => {
    const instance = await spawnServer({ env: { ...env, ...extra } });
    instances.push(instance);
    return instance;
  };
  const stop = async () => {
    await balancer.release().catch(() => {});
    await nginx?.stop();
    await Promise.all(instances.map((instance) => instance.stop("SIGKILL")));
    await pool.end();
    await redis.cleanup();
    await database.drop();
  };
  try {
    // The first instance migrates and creates the signing keys; the others start together.
    await spawnInstance();
    await Promise.all(Array.from({ length: (options.instances ?? 3) - 1 }, () => spawnInstance()));
    await balancer.release();
    nginx = await startNginx(
      balancerPort,
      instances.map((instance) => instance.port),
    );
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return {
    url,
    instances,
    databaseUrl: database.url,
    redisPrefix: redis.prefix,
    spawnInstance,
    balance: (chosen) => nginx!.reload(chosen.map((instance) => instance.port)),
    async query(text, values) {
      return (await pool.query(text, values)).rows;
    },
    stop,
  };
}
