/**
 * @module verify/verifier — checks a card token before anything from it is shown.
 *
 * Order of checks: size and shape (canonical base64url, JSON without duplicated members),
 * header (`alg` on the allowlist, then only `alg`/`kid`/`typ`: no embedded or remote keys),
 * a low-S ES256 signature (its high-S twin would verify too), key by `kid` from the
 * issuer's JWKS, signature, claims (`iss`, `aud`, `nbf`, `exp`), the
 * `card` claim against the contract's schema, then the surface binding.
 * Keys are fetched once per key set and cached; an unknown `kid` triggers one refetch, then
 * waits out a cooldown, so a flood of forged tokens cannot make the verifier hammer the issuer.
 */

import { MinicardError, type VerifierErrorCode } from "../errors.js";
import { validateCard, type Card, type Surface } from "../card/schema.js";
import { hosts, type HostProfile } from "../links/hosts.js";
import { fitsAlgorithm, importPublicKey, isHighS, jsonObject, splitCompact, utf8, verifySignature, type Algorithm, type CompactJws, type PublicJwk } from "./jws.js";

export type { Algorithm } from "./jws.js";

/** Signature algorithms Minicard issues with. Anything else is refused before a key is looked up. */
export const ALGORITHMS: readonly Algorithm[] = ["ES256", "EdDSA"];
/** The JOSE `typ` header of every card. */
export const CARD_TYPE = "minicard+jwt";
/** Tokens longer than this are refused unparsed: cards are small (about 1 KB). */
export const MAX_TOKEN_LENGTH = 8192;

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
const fetchAtLoad: typeof fetch | undefined = typeof fetch === "function" ? fetch.bind(globalThis) : undefined;

/** After a failed JWKS fetch, callers get the same failure for this long before one retry. */
const FAILURE_BACKOFF_MS = 2000;

/**
 * The issuer's key set, fetched on first use and cached. Share one between verifiers of the
 * same issuer (the widget does, so a page fetches each issuer's JWKS once).
 *
 * Concurrent lookups share one fetch. A `kid` not in the cached set triggers one refetch,
 * then none for `cooldownMs`, so a flood of forged tokens cannot make it hammer the issuer;
 * a key the issuer publishes later (a rotation) is picked up by the next refetch.
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
      const response = await fetchImpl(url, { headers: { accept: "application/json" }, credentials: "omit", redirect: "error" });
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

/** Options of {@link createVerifier}. */
export interface VerifierOptions extends IssuerKeysOptions {
  /** The partner server's public base URL: the `iss` every card must carry. */
  issuer: string;
  /** The partner platform's id: the `aud` every card must carry. */
  audience: string;
  /** Accepted algorithms, a subset of {@link ALGORITHMS}; default both. */
  algorithms?: readonly Algorithm[];
  /** Seconds of clock skew tolerated on `nbf` and `exp`; default 30. */
  clockToleranceSeconds?: number;
  /** The host profile whose appId pattern the card's app must match; default `hosts.alipay`. */
  host?: HostProfile;
  /** A key set shared with other verifiers of the same issuer. */
  keys?: KeyResolver;
}

/** Options of one {@link Verifier.verify} call. */
export interface VerifyOptions {
  /** The surface the card is about to be shown on; a card renders only on its own surface. */
  surface: Surface;
  /** The time to check `nbf`/`exp` against; default now. */
  now?: Date;
}

/** A card whose signature, claims and content have been checked. */
export interface VerifiedCard {
  /** The card id (`jti`), also its share-link id. */
  id: string;
  /** The issuing brand (`sub`). */
  brandId: string;
  /** The partner platform (`aud`). */
  partner: string;
  surface: Surface;
  issuedAt: Date;
  expiresAt: Date;
  /** The key that signed it. */
  kid: string;
  alg: Algorithm;
  card: Card;
}

/** Checks card tokens for one issuer and one partner. */
export interface Verifier {
  readonly issuer: string;
  readonly audience: string;
  /**
   * Verifies `token` for display on `options.surface`. Throws a {@link MinicardError} with
   * one of the verifier codes; never returns unverified content.
   */
  verify(token: string, options: VerifyOptions): Promise<VerifiedCard>;
}

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/**
 * The only protected-header parameters a card carries. Anything else is refused by name:
 * `jku`/`x5u` (fetch a key from where the token says), `jwk`/`x5c` (trust a key the token
 * embeds), `crit`/`b64`/`zip` (change how the token is processed) and whatever comes next.
 */
const HEADER_PARAMETERS: ReadonlySet<string> = new Set(["alg", "kid", "typ"]);

function fail(code: VerifierErrorCode, message: string, cause?: unknown): never {
  throw new MinicardError(code, message, { cause });
}

/**
 * Canonical unpadded base64url: whole 4-character groups, then 2 or 3 characters whose
 * unused trailing bits are zero (the last of 2 is `A`, `Q`, `g` or `w`: 4 unused bits; the
 * last of 3 a multiple of 4: 2 unused bits). Lenient decoders ignore those bits, so without
 * this check one card would have many token spellings (a signature "changed" without changing).
 */
const CANONICAL_SEGMENT = /^(?:[\w-]{4})*(?:[\w-][AQgw]|[\w-]{2}[AEIMQUYcgkosw048])?$/;

/**
 * True when an object in `json` (valid JSON text) names a member twice. `JSON.parse` keeps the
 * last one silently, other parsers the first: a token must mean one thing to every reader.
 */
function hasDuplicateMember(json: string): boolean {
  const objects: Array<Set<string> | undefined> = [];
  // Strings are matched whole (so braces inside them are not structure); a string followed
  // by `:` is a member name of the innermost object.
  for (const [token, string, colon] of json.matchAll(/("(?:[^"\\]|\\.)*")(\s*:)?|[{}[\]]/g)) {
    if (colon) {
      const names = objects[objects.length - 1]!;
      const name = JSON.parse(string!) as string;
      if (names.has(name)) return true;
      names.add(name);
    } else if (!string) {
      if (token === "{") objects.push(new Set());
      else if (token === "[") objects.push(undefined);
      else objects.pop();
    }
  }
  return false;
}

/**
 * Decodes and checks everything that can be checked before a key is looked up: size, shape
 * (three canonical base64url segments), header and payload both JSON objects without
 * duplicated members, `alg` on the allowlist, only the `alg`/`kid`/`typ` parameters, `typ`,
 * a usable `kid`, and an ES256 signature in low-S form (`non_canonical_signature`: checked
 * before the key is looked up, so malleated tokens never trigger a JWKS refetch).
 */
function checkHeader(token: string, algorithms: readonly Algorithm[]): { jws: CompactJws; alg: Algorithm; kid: string; payload: Record<string, unknown> } {
  if (typeof token !== "string" || token.length === 0) fail("malformed", "the token is empty");
  if (token.length > MAX_TOKEN_LENGTH) fail("malformed", `the token is over ${MAX_TOKEN_LENGTH} characters`);
  // The signature may be empty (an unsigned `alg: none` token): the algorithm check below names it.
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) fail("malformed", "the token is not a compact JWS");
  if (!token.split(".").every((segment) => CANONICAL_SEGMENT.test(segment))) fail("malformed", "the token is not canonical base64url");
  let jws: CompactJws;
  try {
    jws = splitCompact(token);
  } catch (error) {
    fail("malformed", "the header is not a JSON object", error);
  }
  if (hasDuplicateMember(jws.headerJson)) fail("malformed", "the header repeats a parameter");
  const header = jws.header;
  if (typeof header.alg !== "string" || !(algorithms as readonly string[]).includes(header.alg)) {
    fail("unsupported_algorithm", `algorithm ${String(header.alg)} is not allowed`);
  }
  for (const name of Object.keys(header)) {
    if (!HEADER_PARAMETERS.has(name)) fail("malformed", `header parameter ${name} refused`);
  }
  if (header.typ !== CARD_TYPE) fail("wrong_type", `typ is not ${CARD_TYPE}`);
  if (typeof header.kid !== "string" || !KID.test(header.kid)) fail("unknown_key", "no usable kid");
  let payloadText: string;
  let payload: Record<string, unknown>;
  try {
    payload = jsonObject((payloadText = utf8(jws.payload)));
  } catch (error) {
    fail("malformed", "the payload is not a JSON object", error);
  }
  if (hasDuplicateMember(payloadText)) fail("malformed", "the payload repeats a member");
  if (header.alg === "ES256" && isHighS(jws.signature)) fail("non_canonical_signature", "high-S signature");
  return { jws, alg: header.alg as Algorithm, kid: header.kid, payload };
}

/**
 * Creates a verifier for cards from `issuer` addressed to the partner `audience`.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: "https://cards.example", audience: "weibo" });
 * const { card, expiresAt } = await verifier.verify(token, { surface: "feed" });
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (typeof options?.issuer !== "string" || typeof options.audience !== "string") {
    throw new TypeError("createVerifier needs { issuer, audience }");
  }
  const issuer = trimSlash(options.issuer);
  const audience = options.audience;
  const algorithms = [...(options.algorithms ?? ALGORITHMS)];
  for (const alg of algorithms) {
    if (!(ALGORITHMS as readonly string[]).includes(alg)) throw new TypeError(`unsupported algorithm ${alg}`);
  }
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const host = options.host ?? hosts.alipay;
  const appId = new RegExp(host.appIdPattern);
  const keys = options.keys ?? createIssuerKeys(issuer, options);

  async function verify(token: string, verifyOptions: VerifyOptions): Promise<VerifiedCard> {
    const surface = verifyOptions?.surface;
    const { jws, alg, kid, payload } = checkHeader(token, algorithms);
    const key = await keys({ alg, kid }).catch((error: unknown) => {
      throw error instanceof MinicardError ? error : new MinicardError("issuer_unreachable", "the keys could not be resolved", { cause: error });
    });
    if (!(await verifySignature(jws, alg, key))) fail("invalid_signature", "the signature does not match");
    const now = (verifyOptions?.now ?? new Date()).getTime() / 1000;
    const claims = checkClaims(payload, { issuer, audience, now, clockTolerance });
    const card = checkCard(payload.card, appId);
    if (card.surface !== surface) {
      fail("wrong_surface", `a ${card.surface} card, not for ${String(surface)}`);
    }
    return {
      id: claims.jti,
      brandId: claims.sub,
      partner: audience,
      surface: card.surface,
      issuedAt: new Date(claims.iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
      kid,
      alg,
      card,
    };
  }

  return { issuer, audience, verify };
}

/** The registered claims every card carries, checked. */
interface CardClaims {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
}

/**
 * Checks the registered claims: all present with their types (else `malformed`), then `iss`,
 * `aud` (exactly one audience: a string, not an array), `nbf` and `exp` with the tolerance.
 */
function checkClaims(
  payload: Record<string, unknown>,
  expected: { issuer: string; audience: string; now: number; clockTolerance: number },
): CardClaims {
  for (const name of ["iss", "sub", "jti"] as const) {
    if (typeof payload[name] !== "string") fail("malformed", `${name} is not a string`);
  }
  for (const name of ["iat", "nbf", "exp"] as const) {
    if (typeof payload[name] !== "number" || !Number.isFinite(payload[name])) fail("malformed", `${name} is not a number`);
  }
  if (payload.aud === undefined) fail("malformed", "aud is missing");
  const claims = payload as unknown as CardClaims;
  if (claims.iss !== expected.issuer) fail("wrong_issuer", "another issuer's card");
  if (claims.aud !== expected.audience) fail("wrong_audience", "a card for another partner");
  if (claims.nbf > expected.now + expected.clockTolerance) fail("not_yet_valid", "the card is not valid yet");
  if (claims.exp <= expected.now - expected.clockTolerance) fail("expired", "the card has expired");
  if (!ULID.test(claims.jti)) fail("malformed", "jti is not a card id");
  if (claims.sub.length === 0) fail("malformed", "sub is not a brand id");
  return claims;
}

/** Checks the `card` claim against the contract's schema and the host's appId pattern. */
function checkCard(card: unknown, appId: RegExp): Card {
  const errors = validateCard(card);
  if (errors.length > 0) {
    const first = errors[0]!;
    fail("malformed", `card${first.path} ${first.message}`);
  }
  const valid = card as Card;
  if (!appId.test(valid.app.id)) fail("malformed", "the appId does not fit the host");
  return valid;
}
