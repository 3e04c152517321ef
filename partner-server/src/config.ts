/**
 * Configuration: defaults, then `minicard.config.json`, then the environment, then CLI flags
 * (each overrides the one before). Every value is checked once here, so a typo stops the
 * server at start with a clear message rather than misbehaving later.
 */

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { EVENTS_PER_CLIENT } from "./limits/abuse.js";
import { CREDITS_PER_IP_HOUR } from "./traffic/viewer-cap.js";

/**
 * The partner server's settings. Each one's environment variable, default and meaning are in
 * {@link ENV}, the one table the loader, `minicard-server --help` and the README's table follow.
 */
export interface Config {
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  adminToken: string | undefined;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  keyRefreshSeconds: number;
  keyGraceSeconds: number;
  keySecret: string | undefined;
  signingAlg: "ES256" | "EdDSA";
  /** Where cards are signed: `thread` (a worker thread, in batches), `main`, or `auto` (a thread with more than one core). */
  signOn: "auto" | "thread" | "main";
  demo: boolean;
  exchangeRatio: number;
  /**
   * Loaded as the hop count (or `false`), never "every hop": then the client's own
   * `X-Forwarded-For` would pick `request.ip`, and per-client guards could be dodged or aimed.
   */
  trustProxy: boolean | number;
  eventsPerMinute: number;
  creditsPerIpHour: number;
  readCacheMs: number;
  trendingRefreshMs: number;
  eventsRetentionDays: number;
  streamClaimMs: number;
  metricsToken: string | undefined;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** Settings given on the command line; they win over everything else. */
export type ConfigOverrides = Partial<Config> & { configFile?: string };

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Where `start` listens unless `HOST` says otherwise: every interface, for a server behind a balancer or in a container. */
export const DEFAULT_HOST = "0.0.0.0";
/**
 * Where the demo listens unless `HOST` says otherwise: loopback only. The demo's share and
 * revoke endpoints issue and withdraw the demo brand's cards without credentials.
 */
export const DEMO_HOST = "127.0.0.1";

/** One setting: the {@link Config} field an environment variable sets, its default and its meaning. */
export interface Setting {
  readonly key: keyof Config;
  /** The value when nothing sets it; absent when unset means something (see `meaning`). */
  readonly default?: string | number | boolean;
  /** What it does, in a line (shown by `--help`). */
  readonly meaning: string;
}

/** Every setting, by environment variable. The config file and CLI flags use the `key`s. */
export const ENV = {
  PORT: { key: "port", default: 8787, meaning: "TCP port" },
  HOST: { key: "host", meaning: `interface to listen on (default ${DEFAULT_HOST}; ${DEMO_HOST} with the demo, whose pages take no credentials)` },
  MINICARD_ISSUER: { key: "issuer", meaning: "public base URL: every card's iss (default http://localhost:<port>)" },
  MINICARD_DATA_DIR: { key: "dataDir", default: ".minicard", meaning: "folder of the SQLite file, the generated admin token and the demo credentials" },
  MINICARD_ADMIN_TOKEN: { key: "adminToken", meaning: "bearer token of /v1/admin/… (at least 16 characters); unset, generated once into the data folder" },
  MINICARD_DATABASE_URL: { key: "databaseUrl", meaning: "a postgres:// URL switches storage from SQLite to PostgreSQL" },
  MINICARD_REDIS_URL: { key: "redisUrl", meaning: "a redis:// URL moves limits, replay caches, guards and the event stream to Redis (in-process without)" },
  MINICARD_REDIS_PREFIX: { key: "redisPrefix", default: "minicard:", meaning: "prefix of every Redis key and channel (several deployments may share one Redis)" },
  MINICARD_KEY_REFRESH_SECONDS: { key: "keyRefreshSeconds", default: 5, meaning: "how often an instance reloads the signing keys from the store (rotations are also announced over Redis at once)" },
  MINICARD_KEY_GRACE_SECONDS: { key: "keyGraceSeconds", default: 600, meaning: "how long a retired key stays published past the last expiry of the cards it signed" },
  MINICARD_KEY_SECRET: { key: "keySecret", meaning: "seals private signing keys at rest; unset, they are stored unencrypted (with a warning)" },
  MINICARD_SIGNING_ALG: { key: "signingAlg", default: "ES256", meaning: "algorithm of new signing keys: ES256 or EdDSA" },
  MINICARD_SIGN_ON: { key: "signOn", default: "auto", meaning: "where cards are signed: thread (a worker thread, in batches; with SQLite, the store's own thread), main (the main thread) or auto (a thread when the process may use more than one core)" },
  MINICARD_DEMO: { key: "demo", default: false, meaning: "seed the demo partner, brands, sharers and cards, and serve /demo/" },
  MINICARD_EXCHANGE_RATIO: { key: "exchangeRatio", default: 3000, meaning: "PV of exposure granted per unique visitor a brand brings (traffic exchange)" },
  MINICARD_TRUST_PROXY: { key: "trustProxy", default: false, meaning: "trust X-Forwarded-* from proxies in front: true (or 1) is one balancer, a number that many hops" },
  MINICARD_EVENTS_PER_MINUTE: { key: "eventsPerMinute", default: EVENTS_PER_CLIENT.max, meaning: "beacon requests (POST /v1/events) one partner page's client may send per minute" },
  MINICARD_CREDITS_PER_IP_HOUR: { key: "creditsPerIpHour", default: CREDITS_PER_IP_HOUR, meaning: "distinct credited viewers one client IP (IPv6: its /64) may bring a brand per rolling hour; beyond, events count as suspect" },
  MINICARD_READ_CACHE_MS: { key: "readCacheMs", default: 1000, meaning: "how long brands, partners, sharers and the rollout are reused once read (other instances' changes show within it); 0 = off" },
  MINICARD_TRENDING_REFRESH_MS: { key: "trendingRefreshMs", default: 5000, meaning: "how often a partner's hot list is recomputed from the rollups (requests read the last one); 0 = on every request" },
  MINICARD_EVENTS_RETENTION_DAYS: { key: "eventsRetentionDays", default: 30, meaning: "UTC days raw events are kept (rollups and the ledger for ever)" },
  MINICARD_STREAM_CLAIM_MS: { key: "streamClaimMs", default: 30_000, meaning: "with Redis: a stream entry a consumer left unacknowledged this long (it died) is folded by another" },
  MINICARD_METRICS_TOKEN: { key: "metricsToken", meaning: "bearer token /metrics requires (at least 16 characters); unset, /metrics is not served" },
  MINICARD_LOG_LEVEL: { key: "logLevel", default: "info", meaning: `one of ${LOG_LEVELS.join(", ")}` },
} as const satisfies Record<string, Setting>;

/** A configuration mistake, reported at start. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function bool(name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "1" || value === "true" || value === "yes") return true;
  if (value === "0" || value === "false" || value === "no" || value === "") return false;
  throw new ConfigError(`${name} must be true or false, not ${JSON.stringify(value)}`);
}

/** `MINICARD_TRUST_PROXY`: false, true (one balancer) or a hop count from 1 to 10. */
function proxyHops(value: unknown): false | number {
  if (typeof value === "number" || /^[0-9]+$/.test(String(value))) {
    const hops = int("MINICARD_TRUST_PROXY", value, 0, 10);
    return hops === 0 ? false : hops;
  }
  return bool("MINICARD_TRUST_PROXY", value) ? 1 : false;
}

function int(name: string, value: unknown, min: number, max: number): number {
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}

function url(name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL, not ${JSON.stringify(value)}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(" or ")}`);
  }
  return value;
}

function readFile(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Loads the configuration from `minicard.config.json` (or `overrides.configFile`), the
 * environment and `overrides`.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const raw: Record<string, unknown> = {};
  const file = overrides.configFile ?? "minicard.config.json";
  const filePath = resolve(cwd, file);
  if (existsSync(filePath)) Object.assign(raw, readFile(filePath));
  else if (overrides.configFile) throw new ConfigError(`config file ${filePath} does not exist`);
  for (const [variable, { key }] of Object.entries(ENV)) {
    if (env[variable] !== undefined && env[variable] !== "") raw[key] = env[variable];
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && key !== "configFile") raw[key] = value;
  }
  const known = new Set<string>(Object.values(ENV).map((setting) => setting.key));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new ConfigError(`unknown setting ${JSON.stringify(key)} (known: ${[...known].join(", ")})`);
  }

  /** The value a variable's setting was given (file, environment or flag), or its default. */
  const given = (variable: keyof typeof ENV): unknown => {
    const setting: Setting = ENV[variable];
    return raw[setting.key] ?? setting.default;
  };
  const port = int("port", given("PORT"), 0, 65535);
  const signingAlg = given("MINICARD_SIGNING_ALG");
  if (signingAlg !== "ES256" && signingAlg !== "EdDSA") {
    throw new ConfigError(`MINICARD_SIGNING_ALG must be ES256 or EdDSA, not ${JSON.stringify(signingAlg)}`);
  }
  const signOn = given("MINICARD_SIGN_ON");
  if (signOn !== "auto" && signOn !== "thread" && signOn !== "main") {
    throw new ConfigError(`MINICARD_SIGN_ON must be auto, thread or main, not ${JSON.stringify(signOn)}`);
  }
  const logLevel = given("MINICARD_LOG_LEVEL") as Config["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(", ")}`);
  const issuer = url("MINICARD_ISSUER", String(raw.issuer ?? `http://localhost:${port}`), ["http:", "https:"]).replace(/\/+$/, "");
  const str = (value: unknown) => (value === undefined ? undefined : String(value));
  const databaseUrl = str(raw.databaseUrl);
  if (databaseUrl !== undefined) url("MINICARD_DATABASE_URL", databaseUrl, ["postgres:", "postgresql:"]);
  const redisUrl = str(raw.redisUrl);
  if (redisUrl !== undefined) url("MINICARD_REDIS_URL", redisUrl, ["redis:", "rediss:"]);
  const adminToken = str(raw.adminToken);
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError("MINICARD_ADMIN_TOKEN must be at least 16 characters");
  }
  const metricsToken = str(raw.metricsToken);
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError("MINICARD_METRICS_TOKEN must be at least 16 characters");
  }

  const demo = bool("MINICARD_DEMO", given("MINICARD_DEMO"));
  return {
    port,
    host: raw.host === undefined ? (demo ? DEMO_HOST : DEFAULT_HOST) : String(raw.host),
    issuer,
    dataDir: resolve(cwd, String(given("MINICARD_DATA_DIR"))),
    adminToken,
    databaseUrl,
    redisUrl,
    redisPrefix: String(given("MINICARD_REDIS_PREFIX")),
    keyRefreshSeconds: int("MINICARD_KEY_REFRESH_SECONDS", given("MINICARD_KEY_REFRESH_SECONDS"), 1, 3600),
    keyGraceSeconds: int("MINICARD_KEY_GRACE_SECONDS", given("MINICARD_KEY_GRACE_SECONDS"), 0, 86_400),
    keySecret: str(raw.keySecret),
    signingAlg,
    signOn,
    demo,
    exchangeRatio: int("MINICARD_EXCHANGE_RATIO", given("MINICARD_EXCHANGE_RATIO"), 0, 1_000_000),
    trustProxy: proxyHops(given("MINICARD_TRUST_PROXY")),
    eventsPerMinute: int("MINICARD_EVENTS_PER_MINUTE", given("MINICARD_EVENTS_PER_MINUTE"), 1, 10_000_000),
    creditsPerIpHour: int("MINICARD_CREDITS_PER_IP_HOUR", given("MINICARD_CREDITS_PER_IP_HOUR"), 1, 1_000_000),
    readCacheMs: int("MINICARD_READ_CACHE_MS", given("MINICARD_READ_CACHE_MS"), 0, 60_000),
    trendingRefreshMs: int("MINICARD_TRENDING_REFRESH_MS", given("MINICARD_TRENDING_REFRESH_MS"), 0, 300_000),
    eventsRetentionDays: int("MINICARD_EVENTS_RETENTION_DAYS", given("MINICARD_EVENTS_RETENTION_DAYS"), 1, 3650),
    streamClaimMs: int("MINICARD_STREAM_CLAIM_MS", given("MINICARD_STREAM_CLAIM_MS"), 100, 3_600_000),
    metricsToken,
    logLevel,
  };
}
