/**
 * @module errors — `MinicardError` and the stable codes every failure carries.
 *
 * Callers switch on `error.code`, never on the message: messages are for people and may
 * change, codes are part of the contract (see `docs/errors.md` at the repository root).
 */

/** Codes the card verifier raises (in the SDK and in the widget). */
export type VerifierErrorCode =
  | "malformed"
  | "unsupported_algorithm"
  | "unknown_key"
  | "invalid_signature"
  /**
   * An ES256 signature in its high-S form (`s` > n/2): the malleated twin of a valid one.
   * The issuer signs low-S only, so each card has one token string.
   */
  | "non_canonical_signature"
  | "wrong_type"
  | "wrong_issuer"
  | "wrong_audience"
  | "wrong_surface"
  | "not_yet_valid"
  | "expired"
  /** The issuer's JWKS could not be fetched or parsed (network, CORS, 5xx, bad JSON). */
  | "issuer_unreachable";

/** Codes the partner server answers with, in `problem+json` bodies. */
export type ServerErrorCode =
  | "unauthorized"
  | "validation_failed"
  | "malformed_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "conflict"
  | "brand_suspended"
  | "brand_not_whitelisted"
  | "category_not_open"
  | "app_not_owned"
  | "surface_not_allowed"
  /** The partner requires a `sharerPass` naming the sharer, and it is missing or not valid. */
  | "sharer_not_attested"
  | "sharer_not_whitelisted"
  | "partner_unknown"
  | "rate_limited"
  /** Too many 401s from one client: wait `retryAfter` seconds (see SECURITY.md). */
  | "too_many_auth_failures"
  | "limits_unavailable"
  | "store_unavailable"
  | "idempotency_key_reused"
  | "idempotency_in_progress"
  | "origin_not_allowed"
  | "too_many_ids"
  | "too_many_events"
  | "not_implemented"
  | "internal_error";

/** Codes the brand client raises on its own, before or instead of a server answer. */
export type ClientErrorCode = "network_error" | "unexpected_response" | "invalid_argument";

/** Every code a `MinicardError` may carry. */
export type MinicardErrorCode = VerifierErrorCode | ServerErrorCode | ClientErrorCode;

/** One failing field of a `validation_failed` error; `path` is a JSON Pointer (`/app/page`). */
export interface FieldError {
  path: string;
  message: string;
}

/** Options of a {@link MinicardError}. */
export interface MinicardErrorOptions {
  /** HTTP status, when the error came from the server. */
  status?: number;
  /** The failing fields of a `validation_failed` error. */
  errors?: FieldError[];
  /** Seconds to wait before retrying (`rate_limited`, `limits_unavailable`). */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * The one error type of Minicard.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token, { surface: "feed" });
 * } catch (error) {
 *   if (error instanceof MinicardError && error.code === "expired") showExpired();
 * }
 * ```
 */
export class MinicardError extends Error {
  override readonly name = "MinicardError";
  readonly code: MinicardErrorCode;
  readonly status: number | undefined;
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: MinicardErrorCode, message: string, options: MinicardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
  }
}

/** True when `error` is a {@link MinicardError}, optionally with the given code. */
export function isMinicardError(error: unknown, code?: MinicardErrorCode): error is MinicardError {
  return error instanceof MinicardError && (code === undefined || error.code === code);
}
