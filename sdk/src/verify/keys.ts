/**
 * @module verify/keys — an issuer's public keys for the verifier: its JWKS fetched on first
 * use and cached, one fetch shared by concurrent lookups, an unknown `kid` answered by one
 * refetch and then a cooldown (so a flood of forged tokens cannot make the verifier hammer
 * the issuer), and each key imported once for the algorithm it is used with.
 */

import { MinicardError } from "../errors.js";
import { fitsAlgorithm, importPublicKey, type Algorithm, type PublicJwk } from "./jws.js";

/**
 * Resolves the public key for a token's `alg` and `kid`; see {@link createIssuerKeys}.
 * Rejects with a {@link MinicardError}: `unknown_key` or `issuer_unreachable`.
 */
export type KeyResolver = (header: { alg: Algorithm; kid: string }) => Promise<CryptoKey>;

/** An issuer's key set: a {@link KeyResolver} that can also be fetched ahead of the first card. */
export type IssuerKeys = KeyResolver & {
  /** Fetches the JWKS now unless it is cached or on its way; never rejects. */
  prefetch(): Promise<void>;
};

/** Options of {@link createIssuerKeys}. */
export interface IssuerKeysOptions {
  /** The JWKS URL; default `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Minimum time between two fetches triggered by an unknown `kid`; default 30 s. */
  cooldownMs?: number;
  /** How long fetched keys are trusted before a refetch; default 10 min. */
  cacheMaxAgeMs?: number;
  /** The fetch to use (tests, proxies); default the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * The platform's `fetch` as it was when this module loaded. Keys are fetched with it, so a
 * script that replaces `window.fetch` later (a hostile or compromised third party on a
 * partner's page) cannot hand the verifier its own JWKS.
 */
const fetchAtLoad: typeof fetch | undefined = typeof fetch === "function" ? /* @__PURE__ */ fetch.bind(globalThis) : undefined;

/** After a failed JWKS fetch, callers get the same failure for this long before one retry. */
const FAILURE_BACKOFF_MS = 2000;

/**
 * The issuer's key set, fetched on first use and cached. Share one between verifiers of the
 * same issuer (the widget does, so a page fetches each issuer's JWKS once).
 *
 * Concurrent lookups share one fetch. A `kid` not in the cached set triggers one refetch,
 * then none for `cooldownMs`, so a flood of forged tokens cannot make it hammer the issuer;
 * a key the issuer publishes later (a rotation) is picked up by the next refetch.
 *
 * @example
 * ```ts
 * const keys = createIssuerKeys("https://cards.example");
 * const weibo = createVerifier({ issuer: "https://cards.example", audience: "weibo", keys });
 * const douyin = createVerifier({ issuer: "https://cards.example", audience: "douyin", keys });
 * ```
 */
export function createIssuerKeys(issuer: string, options: IssuerKeysOptions = {}): IssuerKeys {
  const url = new URL(options.jwksUri ?? `${trimSlash(issuer)}/.well-known/jwks.json`).href;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.cacheMaxAgeMs ?? 600_000;
  const fetchImpl = options.fetch ?? fetchAtLoad ?? ((input: string, init?: RequestInit) => fetch(input, init));
  let jwks: PublicJwk[] | undefined;
  let fetchedAt = 0;
  let pending: Promise<PublicJwk[]> | undefined;
  let failure: { error: MinicardError; at: number } | undefined;
  const imported = new Map<string, Promise<CryptoKey>>();

  async function load(): Promise<PublicJwk[]> {
    let body: unknown;
    try {
      // A redirect is refused, not followed: "manual" answers the 3xx (an opaque redirect,
      // status 0, in browsers), which is not ok. Not "error": workerd refuses that value.
      // Credentials "same-origin", the default: no cookie goes to an issuer on another origin,
      // and the request matches a page's `<link rel="preload" as="fetch" crossorigin>` of the
      // JWKS, so a page can fetch the keys alongside embed.js ("omit" would not match it).
      const response = await fetchImpl(url, { headers: { accept: "application/json" }, credentials: "same-origin", redirect: "manual" });
      if (!response.ok) throw new Error(`the JWKS answered ${response.status}`);
      body = await response.json();
    } catch (cause) {
      throw new MinicardError("issuer_unreachable", "the JWKS could not be fetched", { cause });
    }
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new MinicardError("issuer_unreachable", "the JWKS has no keys");
    return keys.filter((key): key is PublicJwk => typeof key === "object" && key !== null);
  }

  function refresh(): Promise<PublicJwk[]> {
    pending ??= load().then(
      (keys) => {
        jwks = keys;
        fetchedAt = Date.now();
        failure = undefined;
        imported.clear();
        pending = undefined;
        return keys;
      },
      (error: MinicardError) => {
        failure = { error, at: Date.now() };
        pending = undefined;
        throw error;
      },
    );
    return pending;
  }

  async function current(): Promise<PublicJwk[]> {
    if (pending) return pending;
    if (jwks && Date.now() - fetchedAt < maxAgeMs) return jwks;
    if (failure && Date.now() - failure.at < FAILURE_BACKOFF_MS) throw failure.error;
    return refresh();
  }

  const resolve: KeyResolver = async ({ alg, kid }) => {
    const find = (keys: PublicJwk[]) => keys.filter((key) => key.kid === kid && fitsAlgorithm(key, alg));
    let matches = find(await current());
    if (matches.length === 0 && Date.now() - fetchedAt >= cooldownMs) matches = find(await (pending ?? refresh()));
    if (matches.length !== 1) {
      throw new MinicardError("unknown_key", matches.length === 0 ? "no JWKS key for this kid" : "several JWKS keys for this kid");
    }
    const name = `${alg} ${kid}`;
    let key = imported.get(name);
    if (!key) {
      key = importPublicKey(matches[0]!, alg).catch((cause: unknown) => {
        imported.delete(name);
        throw new MinicardError("unknown_key", "the JWKS key could not be imported", { cause });
      });
      imported.set(name, key);
    }
    return key;
  };
  return Object.assign(resolve, { prefetch: () => current().then(() => {}, () => {}) });
}

/** `url` without one trailing slash. */
export function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
