/**
 * @module errors — the codes a card's `minicard:error` event carries.
 *
 * The verifier's codes (`malformed`, `expired`, `wrong_surface`, …, `issuer_unreachable`)
 * plus the widget's own: `revoked` (the brand withdrew the card, or the brand is suspended),
 * `not_found` (a `src` share link the issuer does not know) and `invalid_argument` (the
 * element is missing `partner`, `surface` or an issuer).
 */

import type { VerifierErrorCode } from "@minicard/sdk";

/** Every code a `minicard:error` event may carry. */
export type WidgetErrorCode = VerifierErrorCode | "revoked" | "not_found" | "invalid_argument";

/** A failure with a code, thrown inside the widget and turned into an event. */
export class WidgetError extends Error {
  constructor(
    readonly code: WidgetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The code of any failure: the `MinicardError`'s or ours; anything unexpected reads `malformed`. */
export function codeOf(error: unknown): WidgetErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? (code as WidgetErrorCode) : "malformed";
}
