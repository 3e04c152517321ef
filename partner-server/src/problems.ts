/**
 * Every error the partner server answers with, as `application/problem+json` (RFC 9457).
 *
 * One table maps each stable `code` to its status and title; `docs/errors.md` lists the same
 * codes and a test keeps the two in step. Routes throw `Problem`s; the one error handler in
 * `app.ts` turns them (and Fastify's own errors) into responses. Anything unexpected is
 * logged and answered with a plain 500: internals never reach the client.
 */

import type { FieldError, ServerErrorCode } from "@minicard/sdk";

/** Status and title of every code. */
export const PROBLEMS = {
  unauthorized: { status: 401, title: "Authentication required" },
  validation_failed: { status: 400, title: "The request is invalid" },
  malformed_json: { status: 400, title: "The body is not valid JSON" },
  unsupported_media_type: { status: 415, title: "Unsupported content type" },
  payload_too_large: { status: 413, title: "The body is too large" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Already exists" },
  brand_suspended: { status: 403, title: "The brand is suspended" },
  brand_not_whitelisted: { status: 403, title: "The brand is not on the whitelist" },
  category_not_open: { status: 403, title: "The brand's category is not open yet" },
  app_not_owned: { status: 403, title: "The brand does not own this mini-program" },
  surface_not_allowed: { status: 403, title: "The surface is not allowed" },
  sharer_not_attested: { status: 403, title: "The sharer is not attested by a pass of the partner" },
  sharer_not_whitelisted: { status: 403, title: "The sharer is not on the partner's whitelist" },
  partner_unknown: { status: 403, title: "Unknown partner" },
  rate_limited: { status: 429, title: "Rate limit reached" },
  too_many_auth_failures: { status: 429, title: "Too many failed authentications" },
  limits_unavailable: { status: 503, title: "Limits are unavailable" },
  store_unavailable: { status: 503, title: "Storage is unavailable" },
  idempotency_key_reused: { status: 422, title: "Idempotency key reused with another request" },
  idempotency_in_progress: { status: 409, title: "A request with this idempotency key is in progress" },
  origin_not_allowed: { status: 403, title: "Origin not allowed" },
  too_many_ids: { status: 400, title: "Too many ids" },
  too_many_events: { status: 400, title: "Too many events in one batch" },
  not_implemented: { status: 501, title: "Not implemented" },
  internal_error: { status: 500, title: "Internal error" },
} as const satisfies Record<ServerErrorCode, { status: number; title: string }>;

/** A code the server answers with. */
export type ProblemCode = keyof typeof PROBLEMS;

/** Options of a {@link Problem}. */
export interface ProblemOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members of the problem body (e.g. `retryAfter`). */
  extra?: Record<string, unknown>;
}

/** An error answered as problem+json with a stable `code`. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(code: ProblemCode, detail?: string, options: ProblemOptions = {}) {
    super(detail ?? PROBLEMS[code].title);
    this.name = "Problem";
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  /** The RFC 9457 body. */
  toJSON(): Record<string, unknown> {
    return {
      type: `https://minicard.dev/problems/${this.code}`,
      title: PROBLEMS[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }
}

/** A `validation_failed` problem listing each failing field. */
export function validationProblem(errors: FieldError[]): Problem {
  const first = errors[0];
  const detail = first ? `${first.path || "body"} ${first.message}` : "The request is invalid";
  return new Problem("validation_failed", errors.length > 1 ? `${detail} (and ${errors.length - 1} more)` : detail, { errors });
}
