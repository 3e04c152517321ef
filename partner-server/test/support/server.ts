/**
 * Test support: real servers on loopback.
 *
 * - `spawnServer()` runs the built CLI (`partner-server/dist/bin.js start`) as a child
 *   process on a free port with its own data folder: what users run, for restart, kill -9,
 *   SIGTERM and multi-instance tests.
 * - `startServer()` builds the server in this process (`createServer`) and listens on a free
 *   port: real HTTP, faster to start, and the test can reach into `context`.
 * - `injectServer()` builds the same server without listening: `fetch` goes through
 *   `app.inject()`, no socket. For tests where HTTP itself is not under test.
 * - Both answer a `LocalServer` whose `fetch(path, init)` is the way tests call it; the
 *   helpers below take that server (or a base URL, for spawned servers).
 * - `admin()` wraps the admin API; `seedWorld()` creates a partner, a brand and sharers.
 *
 * Every server gets its own temporary data folder, so tests can run in parallel; the folder
 * is removed when the test file ends (`temp.ts`).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { InjectOptions } from "fastify";
import { createServer, type Server } from "../../src/server.js";
import { loadConfig, type Config } from "../../src/config.js";
import type { Store } from "../../src/store/store.js";
import type { Limiter } from "../../src/limits/limiter.js";
import { tempDir } from "./temp.js";

export { tempDir };

/** The built CLI. */
export const CLI = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

/** A server running in a child process. */
export interface SpawnedServer {
  url: string;
  port: number;
  adminToken: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Sends `signal` and waits for exit; answers the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link spawnServer}. */
export interface SpawnOptions {
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  /** Port to listen on; default a free one. */
  port?: number;
}

/** Spawns `minicard-server start` and resolves once it listens. */
export async function spawnServer(options: SpawnOptions = {}): Promise<SpawnedServer> {
  const dataDir = options.dataDir ?? tempDir().path;
  const adminToken = options.env?.MINICARD_ADMIN_TOKEN ?? "test-admin-token-0123456789";
  const child = spawn(
    process.execPath,
    [CLI, "start", "--host", "127.0.0.1", "--port", String(options.port ?? 0), "--data-dir", dataDir, ...(options.args ?? [])],
    {
      env: { ...process.env, MINICARD_ADMIN_TOKEN: adminToken, MINICARD_LOG_LEVEL: "warn", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = () => {
      const match = /listening\s+http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminToken,
    dataDir,
    process: child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A server built in this process: listening on loopback, or reached through `app.inject()`. */
export interface LocalServer {
  /** The issuer: the address tests call (listening) or name (inject). */
  url: string;
  server: Server;
  config: Config;
  /** `fetch(url + path, init)`, through a socket or through `app.inject()`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Something tests call: a base URL (spawned servers) or a {@link LocalServer}. */
export type Target = string | Pick<LocalServer, "url" | "fetch">;

/** The issuer of a {@link Target}. */
export const urlOf = (target: Target): string => (typeof target === "string" ? target : target.url);

/** `fetch` against a {@link Target}. */
export function fetchOf(target: Target): (path: string, init?: RequestInit) => Promise<Response> {
  return typeof target === "string" ? (path, init) => fetch(`${target}${path}`, init) : (path, init) => target.fetch(path, init);
}

/** Options of {@link startServer}. */
export interface StartOptions {
  config?: Partial<Config>;
  store?: Store;
  limiter?: Limiter;
  now?: () => number;
}

/** Builds the server here (SQLite in a temp folder unless a store is given), not yet listening. */
async function buildServer(options: StartOptions): Promise<{ server: Server; config: Config; close(): Promise<void> }> {
  const dir = tempDir();
  const config = loadConfig({ dataDir: dir.path, adminToken: "test-admin-token-0123456789", logLevel: "silent", ...options.config }, {}, dir.path);
  const server = await createServer(config, {
    ...(options.store ? { store: options.store } : {}),
    ...(options.limiter ? { limiter: options.limiter } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    server,
    config,
    async close() {
      await server.close();
      dir.cleanup();
    },
  };
}

/** Builds the server here and listens on a free port of loopback: real HTTP. */
export async function startServer(options: StartOptions = {}): Promise<LocalServer> {
  const built = await buildServer(options);
  const address = await built.server.app.listen({ port: 0, host: "127.0.0.1" });
  // The issuer is the address tests call, unless a test set its own.
  if (!options.config?.issuer) built.config.issuer = address;
  return { ...built, url: address, fetch: (path, init) => fetch(`${address}${path}`, init) };
}

/** Headers Node's `fetch` sends on its own, sent here too so routes see the same request. */
const FETCH_HEADERS = { accept: "*/*", "accept-language": "*", "sec-fetch-mode": "cors", "user-agent": "node" };

/** Statuses whose response has no body (a `Response` refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * Builds the server here without listening: `fetch` goes through `app.inject()`. The issuer
 * is the configured one (`http://localhost:8787` unless the test sets one), and requests come
 * from 127.0.0.1, as with {@link startServer}.
 */
export async function injectServer(options: StartOptions = {}): Promise<LocalServer> {
  const built = await buildServer(options);
  const { app } = built.server;
  async function inject(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { ...FETCH_HEADERS };
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (typeof init.body === "string" && headers["content-type"] === undefined) headers["content-type"] = "text/plain;charset=UTF-8";
    if (init.body !== undefined && init.body !== null && typeof init.body !== "string") throw new TypeError("injectServer: send bodies as strings");
    const method = (init.method ?? "GET").toUpperCase();
    const answer = await app.inject({ method: method as InjectOptions["method"], url: path, headers, ...(typeof init.body === "string" ? { payload: init.body } : {}) });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(one));
    }
    const body = NO_BODY.has(answer.statusCode) || method === "HEAD" ? null : new Uint8Array(answer.rawPayload);
    return new Response(body, { status: answer.statusCode, headers: responseHeaders });
  }
  return { ...built, url: built.config.issuer, fetch: inject };
}

/** A small client of the admin API. */
export function admin(target: Target, token = "test-admin-token-0123456789") {
  const reach = fetchOf(target);
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await reach(`/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  async function ok(method: string, path: string, body?: unknown): Promise<any> {
    const result = await call(method, path, body);
    if (result.status >= 300) throw new Error(`${method} ${path} → ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }
  return {
    call,
    createPartner: (partner: Record<string, unknown>) => ok("POST", "/partners", partner),
    updatePartner: (id: string, patch: Record<string, unknown>) => ok("PATCH", `/partners/${id}`, patch),
    createBrand: (brand: Record<string, unknown>) => ok("POST", "/brands", brand) as Promise<{ id: string; apiKey: string }>,
    updateBrand: (id: string, patch: Record<string, unknown>) => ok("PATCH", `/brands/${id}`, patch),
    addBrandKey: (id: string, jwk: Record<string, unknown>) => ok("POST", `/brands/${id}/keys`, { jwk }),
    putSharer: (partner: string, sharer: string) => ok("PUT", `/partners/${partner}/sharers/${sharer}`),
    setRollout: (categories: Record<string, string>) => ok("PUT", "/rollout", { categories }),
    rotateSigningKey: () => ok("POST", "/signing-keys/rotate") as Promise<{ kid: string }>,
  };
}

/** An appId the seeded brand owns. */
export const APP_ID = "2021000000000001";

/** Seeds partner `weibo` (all surfaces, the given limits or the defaults), an invited brand `cinema` and sharers `alice`, `bob`. */
export async function seedWorld(target: Target, options: { limits?: unknown[]; origins?: string[]; token?: string } = {}) {
  const api = admin(target, options.token);
  await api.createPartner({
    id: "weibo",
    name: "Weibo",
    origins: options.origins ?? ["http://127.0.0.1:5999"],
    surfaces: ["dm", "profile", "feed"],
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const brand = await api.createBrand({
    id: "cinema",
    name: "Starlight Cinema",
    category: "commercial-brand",
    apps: [APP_ID],
    surfaces: ["dm", "profile", "feed"],
    invited: true,
  });
  await api.putSharer("weibo", "alice");
  await api.putSharer("weibo", "bob");
  return { api, apiKey: brand.apiKey, brandId: "cinema", partner: "weibo" };
}

/** A valid card request; override any field. */
export function cardInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    partner: "weibo",
    surface: "dm",
    kind: "app",
    app: { id: APP_ID, page: "pages/index/index" },
    title: "Tonight at 19:30",
    ...overrides,
  };
}

/** POSTs a card request with the brand's API key. */
export async function postCard(target: Target, apiKey: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetchOf(target)("/v1/cards", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
