/**
 * @module @minicard/sdk — the card contract, the brand client, the card verifier and the
 * deep-link builder. WebCrypto and `fetch` only: the same build runs in Node, browsers,
 * Deno, Bun and workers.
 */

export { MinicardError, isMinicardError } from "./errors.js";
export type {
  ClientErrorCode,
  FieldError,
  MinicardErrorCode,
  MinicardErrorOptions,
  ServerErrorCode,
  VerifierErrorCode,
} from "./errors.js";

export {
  CARD_TTL,
  KINDS,
  SURFACES,
  appSchema,
  cardInputSchema,
  cardSchema,
  idSchema,
  membershipSchema,
  priceSchema,
  sharerSchema,
  validateCard,
  validateCardInput,
} from "./card/schema.js";
export type { AppTarget, Card, CardInput, CardKind, Membership, Price, Surface } from "./card/schema.js";
export { isHttpsUrl, validateSchema } from "./card/json-schema.js";
export type { ArraySchema, BooleanSchema, Infer, IntegerSchema, ObjectSchema, Schema, StringSchema } from "./card/json-schema.js";

export { ALGORITHMS, CARD_TYPE, MAX_TOKEN_LENGTH, createIssuerKeys, createVerifier } from "./verify/verifier.js";
export type {
  Algorithm,
  IssuerKeys,
  IssuerKeysOptions,
  KeyResolver,
  VerifiedCard,
  Verifier,
  VerifierOptions,
  VerifyOptions,
} from "./verify/verifier.js";

export { createBrandClient, problemFrom } from "./brand/client.js";
export type {
  ApiKeyAuth,
  BrandClient,
  BrandClientOptions,
  BrandStats,
  CardRecord,
  CardState,
  CreateCardOptions,
  IssuedCard,
  PrivateKeyAuth,
  StatsCounts,
  StatsRange,
  TrafficLedger,
} from "./brand/client.js";

export { buildDeepLink, encodeQuery, isHostUrl } from "./links/deep-link.js";
export type { DeepLink, DeepLinkOptions } from "./links/deep-link.js";
export { hosts } from "./links/hosts.js";
export type { HostProfile } from "./links/hosts.js";
