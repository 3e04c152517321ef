/**
 * @module verify/verifier — checks a card token before anything from it is shown.
 *
 * Order of checks: size and shape, header (`alg` on the allowlist, `typ`, no embedded or
 * remote key headers), key by `kid` from the issuer's JWKS, signature, claims (`iss`, `aud`,
 * `nbf`, `exp`), the `card` claim against the contract's schema, then the surface binding.
 * Keys are fetched once per key set and cached; an unknown `kid` triggers one refetch, then
 * waits out a cooldown, so a flood of forged tokens cannot make the verifier hammer the issuer.
 */

import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { MinicardError, type VerifierErrorCode } from "../errors.js";
import { validateCard, type Card, type Surface } from "../card/schema.js";
import { hosts, type HostProfile } from "../links/hosts.js";

/** Signature algorithms Minicard issues with. Anything else is refused before a key is looked up. */
export const ALGORITHMS = ["ES256", "EdDSA"] as const;
/** A signature algorithm Minicard issues with. */
export type Algorithm = (typeof ALGORITHMS)[number];
/** The JOSE `typ` header of every card. */
export const CARD_TYPE = "minicard+jwt";
/** Tokens longer than this are refused unparsed: cards are small (about 1 KB). */
export const MAX_TOKEN_LENGTH = 8192;

/** Resolves the public key for a token's protected header; see {@link createIssuerKeys}. */
export type KeyResolver = ReturnType<typeof createRemoteJWKSet>;

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
 * The issuer's key set, fetched on first use and cached. Share one between verifiers of the
 * same issuer (the widget does, so a page fetches each issuer's JWKS once).
 */
export function createIssuerKeys(issuer: string, options: IssuerKeysOptions = {}): KeyResolver {
  const url = new URL(options.jwksUri ?? `${trimSlash(issuer)}/.well-known/jwks.json`);
  const fetchImpl = options.fetch;
  return createRemoteJWKSet(url, {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    ...(fetchImpl ? { [customFetch]: (input: string, init: RequestInit) => fetchImpl(input, init) } : {}),
  });
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
const REFUSED_HEADERS = ["jku", "jwk", "x5u", "x5c", "crit", "b64", "zip"] as const;

function fail(code: VerifierErrorCode, message: string, cause?: unknown): never {
  throw new MinicardError(code, message, { cause });
}

/** Marks failures of key resolution, so they are not mistaken for token failures. */
class KeyLookupError extends Error {
  constructor(readonly reason: unknown) {
    super("key lookup failed");
  }
}

const CLAIM_CODES: Record<string, VerifierErrorCode> = {
  iss: "wrong_issuer",
  aud: "wrong_audience",
  typ: "wrong_type",
  nbf: "not_yet_valid",
  exp: "expired",
};

function translate(error: unknown): MinicardError {
  if (error instanceof MinicardError) return error;
  if (error instanceof KeyLookupError) {
    const code = (error.reason as { code?: string } | null)?.code;
    if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") {
      return new MinicardError("unknown_key", "no key of the issuer matches the token's kid", { cause: error.reason });
    }
    return new MinicardError("issuer_unreachable", "the issuer's keys could not be fetched", { cause: error.reason });
  }
  const joseError = error as { code?: string; claim?: string; reason?: string; message?: string } | null;
  switch (joseError?.code) {
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return new MinicardError("invalid_signature", "the signature does not match", { cause: error });
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return new MinicardError("unsupported_algorithm", "the token's algorithm is not allowed", { cause: error });
    case "ERR_JWT_EXPIRED":
      return new MinicardError("expired", "the card has expired", { cause: error });
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      // A missing or non-numeric claim is a malformed token, not e.g. an expired one.
      const code = joseError.reason === "check_failed" ? (CLAIM_CODES[joseError.claim ?? ""] ?? "malformed") : "malformed";
      return new MinicardError(code, joseError.message ?? "a claim failed", { cause: error });
    }
    default:
      return new MinicardError("malformed", "the token is not a well-formed card", { cause: error });
  }
}

function checkHeader(token: string, algorithms: readonly string[]): void {
  if (typeof token !== "string" || token.length === 0) fail("malformed", "the token is empty");
  if (token.length > MAX_TOKEN_LENGTH) fail("malformed", `the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  // The signature may be empty (an unsigned `alg: none` token): the algorithm check below names it.
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) fail("malformed", "the token is not a compact JWS");
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch (error) {
    fail("malformed", "the token's header is not JSON", error);
  }
  if (typeof header.alg !== "string" || !algorithms.includes(header.alg)) {
    fail("unsupported_algorithm", `algorithm ${String(header.alg)} is not allowed`);
  }
  for (const name of REFUSED_HEADERS) {
    if (name in header) fail("malformed", `the header parameter ${name} is not accepted`);
  }
  if (typeof header.kid !== "string" || !KID.test(header.kid)) fail("unknown_key", "the token has no usable kid");
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
  const getKey: KeyResolver = Object.assign(async (...args: Parameters<KeyResolver>) => {
    try {
      return await keys(...args);
    } catch (error) {
      throw new KeyLookupError(error);
    }
  }, keys);

  async function verify(token: string, verifyOptions: VerifyOptions): Promise<VerifiedCard> {
    const surface = verifyOptions?.surface;
    try {
      checkHeader(token, algorithms);
      const { payload, protectedHeader } = await jwtVerify(token, getKey, {
        issuer,
        audience,
        algorithms,
        typ: CARD_TYPE,
        clockTolerance,
        requiredClaims: ["iss", "aud", "sub", "jti", "iat", "nbf", "exp"],
        ...(verifyOptions?.now ? { currentDate: verifyOptions.now } : {}),
      });
      const card = checkClaims(payload, audience, appId);
      if (card.surface !== surface) {
        fail("wrong_surface", `the card was issued for the ${card.surface} surface, not ${String(surface)}`);
      }
      return {
        id: payload.jti as string,
        brandId: payload.sub as string,
        partner: audience,
        surface: card.surface,
        issuedAt: new Date((payload.iat as number) * 1000),
        expiresAt: new Date((payload.exp as number) * 1000),
        kid: protectedHeader.kid as string,
        alg: protectedHeader.alg as Algorithm,
        card,
      };
    } catch (error) {
      throw translate(error);
    }
  }

  return { issuer, audience, verify };
}

function checkClaims(payload: JWTPayload, audience: string, appId: RegExp): Card {
  if (payload.aud !== audience) fail("wrong_audience", "a card has exactly one audience");
  if (typeof payload.jti !== "string" || !ULID.test(payload.jti)) fail("malformed", "jti is not a card id");
  if (typeof payload.sub !== "string" || payload.sub.length === 0) fail("malformed", "sub is not a brand id");
  const card = (payload as { card?: unknown }).card;
  const errors = validateCard(card);
  if (errors.length > 0) {
    const first = errors[0]!;
    fail("malformed", `the card claim is invalid: ${first.path} ${first.message}`);
  }
  const valid = card as Card;
  if (!appId.test(valid.app.id)) fail("malformed", "the card's appId does not fit the host");
  return valid;
}
