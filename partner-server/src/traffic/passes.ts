/**
 * Checking viewer (and sharer) passes: JWSs a partner's server signs to vouch for a signed-in
 * person (see `createPassMinter` in the SDK for the format).
 *
 * A pass is valid when, in this order: it is a compact JWS of at most 4 KB whose header holds
 * only `alg` (ES256 or EdDSA), `kid` and `typ` = `minicard-viewer+jwt`; its `iss` is one of
 * the partners allowed here (for beacons: the partners the page's `Origin` belongs to); its
 * `kid` is a key that partner registered, and the signature matches; `aud` is our issuer;
 * `iat` is not in the future and `exp` not past (60 s of tolerance); `exp − iat` ≤ 24 h; and
 * `sub` is a viewer id (1–128 of `A–Z a–z 0–9 _ . : -`) that is not a bare phone or account
 * number. Each failure has a stable reason, reported back to the page in the 202 of
 * `POST /v1/events` (a bad pass downgrades events, it never fails a request).
 *
 * Verified passes are remembered for up to a minute (a page sends several batches with the
 * same pass): a key the operator removes stops working within that minute.
 */

import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWK } from "jose";
import { PERSONAL_ID_PATTERN, VIEWER_ID_PATTERN, VIEWER_PASS_MAX_LENGTH, VIEWER_PASS_MAX_TTL_SECONDS, VIEWER_PASS_TYPE } from "@minicard/sdk";
import type { Store } from "../store/store.js";

/** Algorithms passes may be signed with. */
export const PASS_ALGORITHMS = ["ES256", "EdDSA"];
/** Seconds of clock skew tolerated on `iat` and `exp`. */
export const PASS_CLOCK_TOLERANCE = 60;

/** Why a pass is not valid. */
export type PassFailure =
  | "malformed"
  | "too_long"
  | "unsupported_algorithm"
  | "wrong_type"
  | "wrong_issuer"
  | "unknown_key"
  | "invalid_signature"
  | "wrong_audience"
  | "missing_claim"
  | "expired"
  | "issued_in_future"
  | "lifetime_too_long"
  | "bad_subject"
  | "personal_subject";

/** The outcome of checking a pass. */
export type PassCheck = { status: "valid"; partner: string; subject: string } | { status: "missing" } | { status: "invalid"; reason: PassFailure };

/** Checks passes. */
export interface PassVerifier {
  /** Checks `pass` for one of `partners` at `now` (ms). Never throws for a bad pass; store outages throw. */
  check(pass: string | undefined, partners: readonly string[], now: number): Promise<PassCheck>;
}

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const HEADER_PARAMETERS = new Set(["alg", "kid", "typ"]);
const VIEWER_ID = new RegExp(VIEWER_ID_PATTERN);
const PERSONAL_ID = new RegExp(PERSONAL_ID_PATTERN);
const CACHE_MS = 60_000;
const CACHE_ENTRIES = 10_000;

function invalid(reason: PassFailure): PassCheck {
  return { status: "invalid", reason };
}

/** jose's verification errors, as our reasons. */
function failureOf(error: unknown): PassFailure {
  if (error instanceof errors.JOSEAlgNotAllowed) return "unsupported_algorithm";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "invalid_signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return "unknown_key";
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "wrong_audience";
    if (error.claim === "iss") return "wrong_issuer";
    if (error.claim === "typ") return "wrong_type";
    if (error.claim === "iat" || error.claim === "nbf") return "issued_in_future";
    return error.reason === "missing" ? "missing_claim" : "malformed";
  }
  return "malformed";
}

/**
 * Creates a verifier over the partners' registered keys. `issuer()` is every pass's `aud`: read
 * per check, as the server's issuer is known only once it listens when its port is picked then.
 */
export function createPassVerifier(store: Store, options: { issuer: () => string }): PassVerifier {
  const verified = new Map<string, { partner: string; subject: string; until: number }>();

  async function verify(pass: string, partners: readonly string[], now: number): Promise<PassCheck> {
    if (pass.length > VIEWER_PASS_MAX_LENGTH) return invalid("too_long");
    if (!COMPACT.test(pass)) return invalid("malformed");
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(pass);
      claims = decodeJwt(pass);
    } catch {
      return invalid("malformed");
    }
    if (typeof header.alg !== "string" || !PASS_ALGORITHMS.includes(header.alg)) return invalid("unsupported_algorithm");
    // No embedded or remote keys (jwk, jku, x5c…), nothing that changes processing (crit, b64).
    if (Object.keys(header).some((name) => !HEADER_PARAMETERS.has(name))) return invalid("malformed");
    if (header.typ !== VIEWER_PASS_TYPE) return invalid("wrong_type");
    // The issuer picks the key set: only partners allowed here, and only their own keys.
    if (typeof claims.iss !== "string" || !partners.includes(claims.iss)) return invalid("wrong_issuer");
    if (typeof header.kid !== "string") return invalid("unknown_key");
    const keys = await store.partners.keys(claims.iss);
    if (!keys.some((key) => key.kid === header.kid)) return invalid("unknown_key");
    let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
    try {
      ({ payload } = await jwtVerify(pass, createLocalJWKSet({ keys: keys.map((key) => key.jwk as JWK) }), {
        algorithms: PASS_ALGORITHMS,
        typ: VIEWER_PASS_TYPE,
        issuer: claims.iss,
        audience: options.issuer(),
        requiredClaims: ["sub", "iat", "exp"],
        clockTolerance: PASS_CLOCK_TOLERANCE,
        currentDate: new Date(now),
        maxTokenAge: VIEWER_PASS_MAX_TTL_SECONDS + PASS_CLOCK_TOLERANCE,
      }));
    } catch (error) {
      return invalid(failureOf(error));
    }
    const { sub, iat, exp } = payload as { sub: unknown; iat: unknown; exp: unknown };
    if (typeof iat !== "number" || typeof exp !== "number") return invalid("missing_claim");
    if (exp - iat > VIEWER_PASS_MAX_TTL_SECONDS) return invalid("lifetime_too_long");
    if (typeof sub !== "string" || !VIEWER_ID.test(sub)) return invalid("bad_subject");
    if (PERSONAL_ID.test(sub)) return invalid("personal_subject");
    if (Array.isArray(payload.aud)) return invalid("wrong_audience");
    verified.set(pass, { partner: claims.iss, subject: sub, until: Math.min(now + CACHE_MS, (exp + PASS_CLOCK_TOLERANCE) * 1000) });
    if (verified.size > CACHE_ENTRIES) verified.delete(verified.keys().next().value!);
    return { status: "valid", partner: claims.iss, subject: sub };
  }

  return {
    async check(pass, partners, now) {
      if (pass === undefined) return { status: "missing" };
      const hit = verified.get(pass);
      if (hit && hit.until > now) {
        return partners.includes(hit.partner) ? { status: "valid", partner: hit.partner, subject: hit.subject } : invalid("wrong_issuer");
      }
      return verify(pass, partners, now);
    },
  };
}
