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

export { CARD_ID_PATTERN, CARD_TYPE, isCardId } from "./card/claims.js";
export type { CardClaims } from "./card/claims.js";

export { ALGORITHMS, MAX_TOKEN_LENGTH, createVerifier } from "./verify/verifier.js";
export type { Algorithm, VerifiedCard, Verifier, VerifierOptions, VerifyOptions } from "./verify/verifier.js";
export { createIssuerKeys } from "./verify/keys.js";
export type { IssuerKeys, IssuerKeysOptions, KeyResolver } from "./verify/keys.js";

export { createBrandClient, problemFrom } from "./brand/client.js";
export type { ApiKeyAuth, BrandClient, BrandClientOptions, CreateCardOptions, PrivateKeyAuth, StatsRange } from "./brand/client.js";
export { MAX_STATUS_IDS } from "./wire.js";
export type { BrandStats, CardRecord, CardState, CardStatus, IssuedCard, StatsCounts, TrafficLedger } from "./wire.js";

export { EVENT_SLOTS, EVENT_TYPES, MAX_EVENTS, QUALITIES } from "./traffic/events.js";
export type { BeaconEvent, EventBatch, EventQuality, EventReason, EventResult, EventSlot, EventType, EventsResponse, ViewerPassStatus } from "./traffic/events.js";
export {
  PERSONAL_ID_PATTERN,
  VIEWER_ID_PATTERN,
  VIEWER_PASS_DEFAULT_TTL_SECONDS,
  VIEWER_PASS_MAX_LENGTH,
  VIEWER_PASS_MAX_TTL_SECONDS,
  VIEWER_PASS_TYPE,
  createPassMinter,
} from "./traffic/viewer-pass.js";
export type { MintOptions, PassAlgorithm, PassMinter, PassMinterOptions } from "./traffic/viewer-pass.js";

export { buildDeepLink, encodeQuery, isHostUrl } from "./links/deep-link.js";
export type { DeepLink, DeepLinkOptions } from "./links/deep-link.js";
export { HOST_IDS, appHost, hosts } from "./links/hosts.js";
export type { HostId, HostProfile } from "./links/hosts.js";
