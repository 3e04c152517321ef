// Starting and stopping what the benchmarks measure: partner servers (the built CLI, as users
// run it), the ceiling servers, and their data folders. Everything listens on loopback.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(root, "partner-server/dist/bin.js");
/** The ceiling server: Fastify routes that only sign, accept and drop, or answer a fixed document. */
export const CEILING_SERVER = join(root, "bench/lib/ceiling-server.mjs");
export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";

/** A temporary folder and its removal. */
export function tempDir(prefix = "minicard-bench-") {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `node [nodeArgs] <script> ...args` and resolves once its output matches /listening http:\/\/host:port/. */
export async function spawnListening(script, args = [], env = {}, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, MINICARD_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /listening\s+(http:\/\/[^\s]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/$/, ""));
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The ceiling server with its durable routes (`POST /sign-durable`, `/sign-then-durable`):
 * started on a store file of its own, in a temporary folder, which the partner server's
 * migrations created; `stop()` also removes the folder.
 */
export async function startDurableCeiling() {
  // Imported here, not at the top: store-file.mjs imports this module (for `tempDir`).
  const { createStoreFile } = await import("./store-file.mjs");
  const { file, remove } = await createStoreFile("minicard-bench-durable-");
  try {
    const server = await spawnListening(CEILING_SERVER, [file]);
    return {
      ...server,
      async stop() {
        await server.stop();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * `minicard-server start` on a free port with its own data folder (SQLite unless `env` says
 * otherwise); `cli` runs another build's `bin.js` instead of this tree's.
 */
export async function startPartnerServer({ dataDir, env = {}, args = [], nodeArgs = [], cli = CLI } = {}) {
  const dir = dataDir ? undefined : tempDir();
  const server = await spawnListening(
    cli,
    ["start", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir ?? dir.path, ...args],
    { MINICARD_ADMIN_TOKEN: ADMIN_TOKEN, MINICARD_KEY_SECRET: "bench-key-secret-0123456789abcdef", ...env },
    nodeArgs,
  );
  // The issuer cards name (`--port 0` gives http://localhost:<port>): what the widget must load from.
  const issuer = /issuer\s+(\S+)/.exec(server.output())?.[1] ?? server.url;
  return {
    ...server,
    issuer,
    async stop() {
      await server.stop();
      dir?.remove();
    },
  };
}

/**
 * Deletes every Redis key under `prefix` (what a bench's servers or limiter wrote there), so a
 * run leaves nothing behind: streams carry no TTL of their own.
 */
export async function deleteRedisPrefix(redisUrl, prefix) {
  const Redis = (await import("ioredis")).default;
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

/** Calls the admin API; throws on any status ≥ 300. */
export async function adminCall(url, method, path, body) {
  const response = await fetch(`${url}/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export const APP_ID = "2021000000000001";
export const ORIGIN = "https://bench-partner.example";
/** Limits high enough never to refuse during a run, on three windows (sharer, brand, partner): the limiter does its full work. */
export const BENCH_LIMITS = [
  { scope: "sharer", surface: "dm", max: 1_000_000, windowSeconds: 3600 },
  { scope: "brand", max: 1_000_000, windowSeconds: 3600 },
  { scope: "partner", max: 1_000_000, windowSeconds: 3600 },
];

/** Seeds partner `bench`, brand `bench-brand` and sharer `bench-sharer`; answers the brand's API key. */
export async function seedBench(url) {
  await adminCall(url, "POST", "/partners", { id: "bench", name: "Bench", origins: [ORIGIN], surfaces: ["dm", "profile", "feed"], limits: BENCH_LIMITS });
  const brand = await adminCall(url, "POST", "/brands", {
    id: "bench-brand",
    name: "Bench Brand",
    category: "commercial-brand",
    apps: [APP_ID],
    surfaces: ["dm", "profile", "feed"],
    invited: true,
  });
  await adminCall(url, "PUT", "/partners/bench/sharers/bench-sharer");
  return brand.apiKey;
}

/** The card request every issuance benchmark sends. */
export const CARD_REQUEST = {
  partner: "bench",
  surface: "dm",
  sharer: "bench-sharer",
  kind: "product",
  app: { id: APP_ID, page: "pages/item/index", query: "sku=42&from=bench" },
  title: "Limited offer: two tickets for one",
  description: "Tonight only, at every Starlight Cinema in town.",
  image: "https://img.example/cover.jpg",
  cta: "Buy now",
  price: { amount: "59.90", currency: "CNY" },
};

/** Issues one card (`CARD_REQUEST` with `fields` over it); answers `{ id, token }`, throws unless 201. */
export async function issueCard(url, apiKey, fields = {}) {
  const response = await fetch(`${url}/v1/cards`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ ...CARD_REQUEST, ...fields }),
  });
  if (response.status !== 201) throw new Error(`issuance answered ${response.status} ${await response.text()}`);
  return response.json();
}
