/**
 * @module verify/verifier — checks a card token before anything from it is shown.
 *
 * Order of checks: size and shape (canonical base64url, JSON without duplicated members),
 * header (`alg` on the allowlist, then only `alg`/`kid`/`typ`: no embedded or remote keys),
 * a low-S ES256 signature (its high-S twin would verify too), key by `kid` from the
 * issuer's JWKS, signature, claims (`iss`, `aud`, `nbf`, `exp`), the
 * `card` claim against the contract's schema, then the surface binding.
 * The canonical-form checks are in `jws.ts`, the key set (fetching and caching the JWKS) in
 * `keys.ts`, the claims every card carries in `card/claims.ts`.
 */

import { MinicardError, type VerifierErrorCode } from "../errors.js";
import { validateCard, type Card, type Surface } from "../card/schema.js";
import type { HostProfile } from "../links/hosts.js";
import { CARD_TYPE, CLAIM_TYPES, type CardClaims, isCardId } from "../card/claims.js";
import { CANONICAL_SEGMENT, hasDuplicateMember, isHighS, jsonObject, splitCompact, utf8, verifySignature, type Algorithm, type CompactJws } from "./jws.js";
import { createIssuerKeys, trimSlash, type IssuerKeysOptions, type KeyResolver } from "./keys.js";

export type { Algorithm } from "./jws.js";

/** Signature algorithms Minicard issues with. Anything else is refused before a key is looked up. */
export const ALGORITHMS: readonly Algorithm[] = ["ES256", "EdDSA"];
/** Tokens longer than this are refused unparsed: cards are small (about 1 KB). */
export const MAX_TOKEN_LENGTH = 8192;

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
  /**
   * Only cards for this host: a card whose `app.host` names another (absent names Alipay), or
   * whose appId does not fit this profile's pattern, is refused as `malformed`. Default: any
   * built-in host, each card's appId checked against the pattern of the host it names.
   */
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

// `[\w-]` is the base64url alphabet `[A-Za-z0-9_-]` (no flags), written short for embed.js.
const KID = /^[\w-]{1,64}$/;
/**
 * The only protected-header parameters a card carries. Anything else is refused by name:
 * `jku`/`x5u` (fetch a key from where the token says), `jwk`/`x5c` (trust a key the token
 * embeds), `crit`/`b64`/`zip` (change how the token is processed) and whatever comes next.
 */
const HEADER_PARAMETERS: readonly string[] = ["alg", "kid", "typ"];

function fail(code: VerifierErrorCode, message: string, cause?: unknown): never {
  throw new MinicardError(code, message, { cause });
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
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) fail("malformed", "the token is not a compact JWS");
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
    fail("unsupported_algorithm", `algorithm ${header.alg} is not allowed`);
  }
  for (const name of Object.keys(header)) {
    if (!HEADER_PARAMETERS.includes(name)) fail("malformed", `header parameter ${name} refused`);
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
  const host = options.host;
  const keys = options.keys ?? createIssuerKeys(issuer, options);

  async function verify(token: string, verifyOptions: VerifyOptions): Promise<VerifiedCard> {
    const surface = verifyOptions?.surface;
    const { jws, alg, kid, payload } = checkHeader(token, algorithms);
    const key = await keys({ alg, kid }).catch((error: unknown) => {
      throw error instanceof MinicardError ? error : new MinicardError("issuer_unreachable", "the keys could not be resolved", { cause: error });
    });
    if (!(await verifySignature(jws, alg, key))) fail("invalid_signature", "the signature does not match");
    const now = (verifyOptions?.now ?? new Date()).getTime() / 1000;
    const claims = checkClaims(payload, issuer, audience, now, clockTolerance);
    const card = checkCard(payload.card, host);
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

/**
 * Checks the registered claims: all present with their types (else `malformed`), then `iss`,
 * `aud` (exactly one audience: a string, not an array), `nbf` and `exp` with the tolerance.
 */
function checkClaims(
  payload: Record<string, unknown>,
  issuer: string,
  audience: string,
  now: number,
  clockTolerance: number,
): Omit<CardClaims, "card"> {
  for (const [name, type] of Object.entries(CLAIM_TYPES)) {
    const value = payload[name];
    if (typeof value !== type || (type === "number" && !Number.isFinite(value))) fail("malformed", `${name} is not a ${type}`);
  }
  if (payload.aud === undefined) fail("malformed", "aud is missing");
  const claims = payload as unknown as Omit<CardClaims, "card">;
  if (claims.iss !== issuer) fail("wrong_issuer", "another issuer's card");
  if (claims.aud !== audience) fail("wrong_audience", "a card for another partner");
  if (claims.nbf > now + clockTolerance) fail("not_yet_valid", "the card is not valid yet");
  if (claims.exp <= now - clockTolerance) fail("expired", "the card has expired");
  if (!isCardId(claims.jti)) fail("malformed", "jti is not a card id");
  if (claims.sub.length === 0) fail("malformed", "sub is not a brand id");
  return claims;
}

/**
 * Checks the `card` claim against the contract's schema (the appId against the pattern of the
 * host the card names among them), then, for a verifier of one host, that it is that host's.
 */
function checkCard(card: unknown, host: HostProfile | undefined): Card {
  const errors = validateCard(card);
  if (errors.length > 0) {
    const first = errors[0]!;
    fail("malformed", `card${first.path} ${first.message}`);
  }
  const valid = card as Card;
  if (host && ((valid.app.host ?? "alipay") !== host.id || !new RegExp(host.appIdPattern).test(valid.app.id))) {
    fail("malformed", `a card for another host than ${host.name}, or an appId that does not fit it`);
  }
  return valid;
}
