/**
 * @module card/claims — what a card token says besides the card: its `typ`, its registered
 * claims, and the card id they carry. The partner server signs exactly this (its payload
 * `satisfies` {@link CardClaims}) and the verifier checks exactly this.
 */

import type { Card } from "./schema.js";

/** The JOSE `typ` header of every card. */
export const CARD_TYPE = "minicard+jwt";

/** A card id, as a regular expression (a literal: shorter in embed.js than `new RegExp(…)`). */
const CARD_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * A card id: a ULID (26 characters of Crockford base32, no `I`, `L`, `O` or `U`), sortable
 * by issuance time. It is the token's `jti`, the share link's `/c/<id>` and the id the status
 * endpoint is asked about. A JSON Schema `pattern`; {@link isCardId} tests a string.
 */
export const CARD_ID_PATTERN: string = CARD_ID.source;

/**
 * True when `value` is a card id ({@link CARD_ID_PATTERN}).
 *
 * @example
 * ```ts
 * if (!isCardId(request.params.id)) throw new Problem("not_found", "no such card");
 * ```
 */
export function isCardId(value: string): boolean {
  return CARD_ID.test(value);
}

/**
 * The registered claims every card must carry, with their JSON types, in the order the
 * verifier checks them (`aud` is checked on its own: it must equal the partner). Times are
 * seconds since the epoch, and finite.
 */
export const CLAIM_TYPES = {
  iss: "string",
  sub: "string",
  jti: "string",
  iat: "number",
  nbf: "number",
  exp: "number",
} as const satisfies Partial<Record<keyof CardClaims, "string" | "number">>;

/**
 * The payload of a card token: the registered claims, then the card itself.
 *
 * @example
 * ```ts
 * const iat = Math.floor(Date.now() / 1000);
 * const claims = { iss: "https://cards.example", aud: "weibo", sub: "brand-1", jti: id, iat, nbf: iat, exp: iat + CARD_TTL.default, card } satisfies CardClaims;
 * ```
 */
export interface CardClaims {
  /** The partner server's public base URL. */
  iss: string;
  /** The partner platform's id: exactly one audience, a string. */
  aud: string;
  /** The issuing brand's id. */
  sub: string;
  /** The card id (see {@link CARD_ID_PATTERN}). */
  jti: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Not before, seconds since the epoch (the server sets it to `iat`). */
  nbf: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  /** The card, as the contract's schema defines it. */
  card: Card;
}
