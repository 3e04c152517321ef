/**
 * @module brand/client — what a brand's backend calls: issue, read and revoke cards, read stats.
 *
 * Two ways to authenticate, as the partner server accepts them: an API key
 * (`Authorization: Bearer mck_…`), or a `private_key_jwt` client assertion (RFC 7523) signed
 * for every request with a key whose public JWK the operator registered for the brand.
 */

import { importJWK, SignJWT, type CryptoKey, type JWK } from "jose";
import { MinicardError, type FieldError, type MinicardErrorCode } from "../errors.js";
import type { CardInput } from "../card/schema.js";
import type { BrandStats, CardRecord, IssuedCard } from "../wire.js";

/** Authenticate with an API key. */
export interface ApiKeyAuth {
  /** The partner server's base URL, e.g. `https://cards.example`. */
  server: string;
  /** The brand's API key (`mck_…`), shown once when the brand was created. */
  apiKey: string;
  fetch?: typeof fetch;
}

/** Authenticate with a `private_key_jwt` client assertion. */
export interface PrivateKeyAuth {
  server: string;
  /** The brand's id: the assertion's `iss` and `sub`. */
  brandId: string;
  /** The brand's private key, as a JWK or a WebCrypto key. */
  privateKey: JWK | CryptoKey;
  /** The key's algorithm; default `ES256` (taken from the JWK's `alg` when it has one). */
  alg?: "ES256" | "EdDSA" | "RS256" | "PS256";
  /** The key id registered with the server, if any. */
  kid?: string;
  fetch?: typeof fetch;
}

/** Options of {@link createBrandClient}. */
export type BrandClientOptions = ApiKeyAuth | PrivateKeyAuth;

/** Options of {@link BrandClient.createCard}. */
export interface CreateCardOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key and body returns the same card. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * A date range for {@link BrandClient.stats}: ISO dates (`2026-11-24`, UTC; a date `to` is
 * inclusive), ISO times or epoch milliseconds. Default: the last 30 UTC days, today included.
 */
export interface StatsRange {
  from?: string;
  to?: string;
}

/** A brand's view of the partner server. */
export interface BrandClient {
  /** Issues a card. Throws a `MinicardError` with the server's code (`rate_limited` carries `retryAfter`). */
  createCard(input: CardInput, options?: CreateCardOptions): Promise<IssuedCard>;
  /** Reads one of the brand's cards and its state. */
  getCard(id: string): Promise<CardRecord>;
  /** Revokes one of the brand's cards; rendered copies turn unavailable within a minute. */
  revokeCard(id: string): Promise<void>;
  /**
   * Impressions, clicks, CTR and UV by card, surface and day over a range, and the
   * traffic-exchange ledger.
   *
   * @example
   * ```ts
   * const { uv, pvBalance, byDay } = await brand.stats({ from: "2026-11-01", to: "2026-11-30" });
   * ```
   */
  stats(range?: StatsRange): Promise<BrandStats>;
}

interface Problem {
  code?: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
}

/** Turns a non-2xx answer into a `MinicardError` carrying the server's code. */
export async function problemFrom(response: Response): Promise<MinicardError> {
  let body: Problem = {};
  try {
    body = (await response.json()) as Problem;
  } catch {
    // not JSON: keep the status only
  }
  const retry = Number(response.headers.get("retry-after"));
  const code = (typeof body.code === "string" ? body.code : "unexpected_response") as MinicardErrorCode;
  return new MinicardError(code, body.detail ?? body.title ?? `HTTP ${response.status}`, {
    status: response.status,
    ...(body.errors ? { errors: body.errors } : {}),
    ...(Number.isFinite(retry) && response.headers.has("retry-after") ? { retryAfter: retry } : {}),
  });
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Refuses credentials that cannot work, at construction rather than as a 401 on the first
 * call: most often an API key read from an environment variable that is not set.
 */
function checkCredentials(options: BrandClientOptions): void {
  if ("brandId" in options || "privateKey" in options) {
    const auth = options as Partial<PrivateKeyAuth>;
    if (typeof auth.brandId !== "string" || auth.brandId === "" || typeof auth.privateKey !== "object" || auth.privateKey === null) {
      throw new MinicardError("invalid_argument", "createBrandClient: private_key_jwt needs both { brandId } (the brand's id) and { privateKey } (a JWK or CryptoKey)");
    }
    return;
  }
  const apiKey: unknown = (options as Partial<ApiKeyAuth>).apiKey;
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    const given = apiKey === undefined ? "missing (undefined)" : typeof apiKey === "string" ? "empty" : `not a string (${typeof apiKey})`;
    throw new MinicardError(
      "invalid_argument",
      `createBrandClient: the API key is ${given}. Pass { apiKey: "mck_…" }, the key the partner server printed or \`minicard-server brands create\` answered ` +
        "(read from the environment, check that the variable is set: KEY=mck_… node app.mjs), or { brandId, privateKey } for private_key_jwt",
    );
  }
}

/**
 * Creates a client for one brand.
 *
 * Throws a `TypeError` without `server`, and a `MinicardError` (`invalid_argument`) when the
 * credentials are missing: an `apiKey` that is undefined or empty (an unset environment
 * variable), or half of `{ brandId, privateKey }`.
 *
 * @example
 * ```ts
 * const brand = createBrandClient({ server: "https://cards.example", apiKey: process.env.MINICARD_API_KEY! });
 * const { url } = await brand.createCard(
 *   { partner: "weibo", surface: "dm", kind: "app", app: { id: "2021000000000001", page: "pages/index/index" }, title: "Tonight's films" },
 *   { idempotencyKey: crypto.randomUUID() },
 * );
 * ```
 */
export function createBrandClient(options: BrandClientOptions): BrandClient {
  if (typeof options?.server !== "string") throw new TypeError("createBrandClient needs { server }");
  checkCredentials(options);
  const server = new URL(options.server).toString().replace(/\/$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let issuer: Promise<string> | undefined;
  let signingKey: Promise<CryptoKey | Uint8Array> | undefined;

  async function discoverIssuer(): Promise<string> {
    const response = await fetchImpl(`${server}/.well-known/minicard-configuration`);
    if (!response.ok) throw await problemFrom(response);
    const { issuer: value } = (await response.json()) as { issuer?: unknown };
    if (typeof value !== "string") throw new MinicardError("unexpected_response", "the discovery document has no issuer");
    return value;
  }

  async function authorization(): Promise<string> {
    if ("apiKey" in options) return `Bearer ${options.apiKey}`;
    const auth = options;
    const alg = auth.alg ?? ((auth.privateKey as JWK).alg as PrivateKeyAuth["alg"]) ?? "ES256";
    issuer ??= discoverIssuer().catch((error: unknown) => {
      issuer = undefined;
      throw error;
    });
    signingKey ??= "kty" in auth.privateKey
      ? importJWK(auth.privateKey as JWK, alg)
      : Promise.resolve(auth.privateKey as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: "JWT", ...(auth.kid ? { kid: auth.kid } : {}) })
      .setIssuer(auth.brandId)
      .setSubject(auth.brandId)
      .setAudience(await issuer)
      .setJti(randomId())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(await (signingKey as Promise<CryptoKey | Uint8Array>));
    return `Bearer ${assertion}`;
  }

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(`${server}${path}`, {
        method,
        headers: {
          accept: "application/json",
          authorization: await authorization(),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof MinicardError) throw error;
      throw new MinicardError("network_error", `could not reach ${server}`, { cause: error });
    }
    if (!response.ok) throw await problemFrom(response);
    return response;
  }

  return {
    async createCard(input, createOptions = {}) {
      const headers: Record<string, string> = createOptions.idempotencyKey ? { "idempotency-key": createOptions.idempotencyKey } : {};
      const response = await call("POST", "/v1/cards", input, headers, createOptions.signal);
      return (await response.json()) as IssuedCard;
    },
    async getCard(id) {
      const response = await call("GET", `/v1/cards/${encodeURIComponent(id)}`);
      return (await response.json()) as CardRecord;
    },
    async revokeCard(id) {
      await call("DELETE", `/v1/cards/${encodeURIComponent(id)}`);
    },
    async stats(range = {}) {
      const query = new URLSearchParams();
      if (range.from) query.set("from", range.from);
      if (range.to) query.set("to", range.to);
      const suffix = query.toString() ? `?${query.toString()}` : "";
      const response = await call("GET", `/v1/brands/me/stats${suffix}`);
      return (await response.json()) as BrandStats;
    },
  };
}
