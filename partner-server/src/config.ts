/**
 * Configuration: defaults, then `minicard.config.json`, then the environment, then CLI flags
 * (each overrides the one before). Every value is checked once here, so a typo stops the
 * server at start with a clear message rather than misbehaving later.
 */

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { EVENTS_PER_CLIENT } from "./limits/abuse.js";
import { CREDITS_PER_IP_HOUR } from "./traffic/viewer-cap.js";

/** The partner server's settings. */
export interface Config {
  /** TCP port; default 8787. */
  port: number;
  /** Interface to listen on; default `0.0.0.0`. */
  host: string;
  /** Public base URL: the `iss` of every card; default `http://localhost:<port>`. */
  issuer: string;
  /** Folder of the SQLite file, the admin token and the demo credentials; default `./.minicard`. */
  dataDir: string;
  /** The operator's bearer token; generated once into the data folder when unset. */
  adminToken: string | undefined;
  /** A `postgres://` URL switches storage to PostgreSQL. */
  databaseUrl: string | undefined;
  /** A `redis://` URL moves limits and replay caches to Redis. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel (several deployments may share one Redis); default `minicard:`. */
  redisPrefix: string;
  /** How often an instance reloads the signing keys from the store (another instance or the CLI may have rotated); default 5 s. */
  keyRefreshSeconds: number;
  /** How long a retired key stays published past the last expiry of the cards it signed (clock skew, JWKS caches); default 600 s. */
  keyGraceSeconds: number;
  /** Encrypts private signing keys at rest when set. */
  keySecret: string | undefined;
  /** Algorithm of new signing keys. */
  signingAlg: "ES256" | "EdDSA";
  /** Seed the demo partner, brands, sharers and cards. */
  demo: boolean;
  /** PV of exposure granted per unique visitor a brand brings (traffic exchange). */
  exchangeRatio: number;
  /**
   * Trust `X-Forwarded-*` from proxies in front: `true` (or `1`) is one balancer, a number that
   * many hops. Loaded as the hop count (or `false`), never "every hop": then the client's own
   * `X-Forwarded-For` would pick `request.ip`, and per-client guards could be dodged or aimed.
   */
  trustProxy: boolean | number;
  /** Beacon requests (`POST /v1/events`) one partner page's client may send per minute; default 120. */
  eventsPerMinute: number;
  /** Distinct credited viewers one client IP may bring a brand per rolling hour (beyond: `suspect`); default 20. */
  creditsPerIpHour: number;
  /** How long brands, partners, sharers and the rollout are reused once read (other instances' changes show within it); default 1000 ms, 0 = off. */
  readCacheMs: number;
  /** How often a partner's hot list is recomputed from the rollups (requests read the last one); default 5000 ms, 0 = on every request. */
  trendingRefreshMs: number;
  /** Raw events are kept this many UTC days (rollups and the ledger for ever); default 30. */
  eventsRetentionDays: number;
  /** With Redis: a stream entry left unacknowledged this long by a consumer (it died) is folded by another; default 30000 ms. */
  streamClaimMs: number;
  /** Bearer token that `/metrics` requires; unset, `/metrics` is not served. */
  metricsToken: string | undefined;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** Settings given on the command line; they win over everything else. */
export type ConfigOverrides = Partial<Config> & { configFile?: string };

const ENV: Record<string, keyof Config> = {
  PORT: "port",
  HOST: "host",
  MINICARD_ISSUER: "issuer",
  MINICARD_DATA_DIR: "dataDir",
  MINICARD_ADMIN_TOKEN: "adminToken",
  MINICARD_DATABASE_URL: "databaseUrl",
  MINICARD_REDIS_URL: "redisUrl",
  MINICARD_REDIS_PREFIX: "redisPrefix",
  MINICARD_KEY_REFRESH_SECONDS: "keyRefreshSeconds",
  MINICARD_KEY_GRACE_SECONDS: "keyGraceSeconds",
  MINICARD_KEY_SECRET: "keySecret",
  MINICARD_SIGNING_ALG: "signingAlg",
  MINICARD_DEMO: "demo",
  MINICARD_EXCHANGE_RATIO: "exchangeRatio",
  MINICARD_TRUST_PROXY: "trustProxy",
  MINICARD_EVENTS_PER_MINUTE: "eventsPerMinute",
  MINICARD_CREDITS_PER_IP_HOUR: "creditsPerIpHour",
  MINICARD_READ_CACHE_MS: "readCacheMs",
  MINICARD_TRENDING_REFRESH_MS: "trendingRefreshMs",
  MINICARD_EVENTS_RETENTION_DAYS: "eventsRetentionDays",
  MINICARD_STREAM_CLAIM_MS: "streamClaimMs",
  MINICARD_METRICS_TOKEN: "metricsToken",
  MINICARD_LOG_LEVEL: "logLevel",
};

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

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
  for (const [variable, key] of Object.entries(ENV)) {
    if (env[variable] !== undefined && env[variable] !== "") raw[key] = env[variable];
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && key !== "configFile") raw[key] = value;
  }
  const known = new Set<string>(Object.values(ENV));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new ConfigError(`unknown setting ${JSON.stringify(key)} (known: ${[...known].join(", ")})`);
  }

  const port = raw.port === undefined ? 8787 : int("port", raw.port, 0, 65535);
  const signingAlg = raw.signingAlg ?? "ES256";
  if (signingAlg !== "ES256" && signingAlg !== "EdDSA") {
    throw new ConfigError(`MINICARD_SIGNING_ALG must be ES256 or EdDSA, not ${JSON.stringify(signingAlg)}`);
  }
  const logLevel = (raw.logLevel ?? "info") as Config["logLevel"];
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

  return {
    port,
    host: String(raw.host ?? "0.0.0.0"),
    issuer,
    dataDir: resolve(cwd, String(raw.dataDir ?? ".minicard")),
    adminToken,
    databaseUrl,
    redisUrl,
    redisPrefix: raw.redisPrefix === undefined ? "minicard:" : String(raw.redisPrefix),
    keyRefreshSeconds: raw.keyRefreshSeconds === undefined ? 5 : int("MINICARD_KEY_REFRESH_SECONDS", raw.keyRefreshSeconds, 1, 3600),
    keyGraceSeconds: raw.keyGraceSeconds === undefined ? 600 : int("MINICARD_KEY_GRACE_SECONDS", raw.keyGraceSeconds, 0, 86_400),
    keySecret: str(raw.keySecret),
    signingAlg,
    demo: raw.demo === undefined ? false : bool("MINICARD_DEMO", raw.demo),
    exchangeRatio: raw.exchangeRatio === undefined ? 3000 : int("MINICARD_EXCHANGE_RATIO", raw.exchangeRatio, 0, 1_000_000),
    trustProxy: raw.trustProxy === undefined ? false : proxyHops(raw.trustProxy),
    eventsPerMinute: raw.eventsPerMinute === undefined ? EVENTS_PER_CLIENT.max : int("MINICARD_EVENTS_PER_MINUTE", raw.eventsPerMinute, 1, 10_000_000),
    creditsPerIpHour: raw.creditsPerIpHour === undefined ? CREDITS_PER_IP_HOUR : int("MINICARD_CREDITS_PER_IP_HOUR", raw.creditsPerIpHour, 1, 1_000_000),
    readCacheMs: raw.readCacheMs === undefined ? 1000 : int("MINICARD_READ_CACHE_MS", raw.readCacheMs, 0, 60_000),
    trendingRefreshMs: raw.trendingRefreshMs === undefined ? 5000 : int("MINICARD_TRENDING_REFRESH_MS", raw.trendingRefreshMs, 0, 300_000),
    eventsRetentionDays: raw.eventsRetentionDays === undefined ? 30 : int("MINICARD_EVENTS_RETENTION_DAYS", raw.eventsRetentionDays, 1, 3650),
    streamClaimMs: raw.streamClaimMs === undefined ? 30_000 : int("MINICARD_STREAM_CLAIM_MS", raw.streamClaimMs, 100, 3_600_000),
    metricsToken,
    logLevel,
  };
}
