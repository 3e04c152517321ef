/**
 * The partner server's records: partners, brands, sharers, cards, signing keys, events.
 * Plain data shared by the domain rules, the stores and the routes. Times are milliseconds
 * since the epoch.
 */

import type { Card, CardKind, CardState, EventQuality, EventSlot, EventType, HostId, Surface } from "@minicard/sdk";

export type { CardState, EventQuality, EventSlot, EventType } from "@minicard/sdk";

/** Brand categories, in the order of the rollout's phases. */
export const CATEGORIES = [
  "government-affairs",
  "livelihood",
  "public-welfare",
  "campus",
  "smart-retail",
  "commercial-brand",
  "government-agency",
  "mcn-agency",
] as const;
/** A brand's category; categories open to issuance by rollout phase. */
export type Category = (typeof CATEGORIES)[number];

/** Which accounts a limit counts. */
export type LimitScope = "sharer" | "brand" | "partner";

/** A rolling-window quota: at most `max` cards per `windowSeconds` per scope (and surface). */
export interface LimitPolicy {
  scope: LimitScope;
  surface?: Surface;
  max: number;
  windowSeconds: number;
}

/** A partner platform (the JWT audience). */
export interface Partner {
  id: string;
  name: string;
  /** Web origins allowed to embed cards and send events (`https://weibo.example`). */
  origins: string[];
  surfaces: Surface[];
  /** Its own limits; `undefined` means the defaults. */
  limits: LimitPolicy[] | undefined;
  /** Every share must name its sharer with a pass this partner signed (`sharerPass`). */
  requireSharerPass: boolean;
  createdAt: number;
}

/** A public key a partner signs viewer and sharer passes with. */
export interface PartnerKey {
  partnerId: string;
  kid: string;
  jwk: Record<string, unknown>;
  createdAt: number;
}

/**
 * A mini-program a brand owns, in its one canonical form: an Alipay app as its plain appId
 * string (the form every brand's apps had before hosts were named, so stored brands and the
 * API's answers stay as they were), another host's as `{ id, host }`.
 */
export type BrandApp = string | { id: string; host: HostId };

/** A brand's app as `{ id, host }`, whichever form it is in. */
export function appRegistration(app: BrandApp): { id: string; host: HostId } {
  return typeof app === "string" ? { id: app, host: "alipay" } : app;
}

/** The canonical form of an app registered with `host`: a plain string for Alipay. */
export function canonicalApp(id: string, host: HostId): BrandApp {
  return host === "alipay" ? id : { id, host };
}

/** Whether `brand` registered the appId `id` with `host`: an Alipay app cannot be issued as WeChat's, nor the reverse. */
export function ownsApp(brand: Pick<Brand, "apps">, id: string, host: HostId): boolean {
  return brand.apps.some((app) => {
    const registered = appRegistration(app);
    return registered.id === id && registered.host === host;
  });
}

/** Whether a brand may issue. */
export type BrandStatus = "active" | "suspended";

/** A mini-program owner on the whitelist. */
export interface Brand {
  id: string;
  name: string;
  category: Category;
  /** The mini-programs it owns, each registered with its host (see {@link BrandApp}). */
  apps: BrandApp[];
  surfaces: Surface[];
  status: BrandStatus;
  /** Invited brands issue before their category opens. */
  invited: boolean;
  /** Off the whitelist: it still authenticates, but may not issue. */
  whitelisted: boolean;
  logo: string | undefined;
  createdAt: number;
  updatedAt: number;
}

/** A public key a brand signs `private_key_jwt` assertions with. */
export interface BrandKey {
  brandId: string;
  kid: string;
  jwk: Record<string, unknown>;
  createdAt: number;
}

/** An issued card, as stored. */
export interface StoredCard {
  id: string;
  brandId: string;
  partnerId: string;
  surface: Surface;
  kind: CardKind;
  sharer: string | undefined;
  card: Card;
  token: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | undefined;
}

/** What the status endpoint needs to know of a card. */
export interface CardStatusRow {
  id: string;
  brandId: string;
  partnerId: string;
  surface: Surface;
  expiresAt: number;
  revokedAt: number | undefined;
  brandStatus: BrandStatus;
}

/** The state of a card at `now`: a suspended brand's cards all read `revoked`. */
export function cardState(row: Pick<CardStatusRow, "expiresAt" | "revokedAt" | "brandStatus">, now: number): CardState {
  if (row.revokedAt !== undefined || row.brandStatus === "suspended") return "revoked";
  return row.expiresAt <= now ? "expired" : "active";
}

/** What the limiter needs of an issued card to rebuild its windows after a restart. */
export interface IssuedCardRef {
  id: string;
  brandId: string;
  partnerId: string;
  surface: Surface;
  sharer: string | undefined;
  issuedAt: number;
}

/** A signing key's place in its rotation. */
export type SigningKeyState = "next" | "current" | "retired";

/** A signing key, as stored (the private key sealed when a key secret is set). */
export interface StoredSigningKey {
  kid: string;
  alg: "ES256" | "EdDSA";
  publicJwk: Record<string, unknown>;
  /** `sealed:v1:…` (AES-256-GCM) or `plain:…` (PKCS#8 PEM). */
  privateKey: string;
  state: SigningKeyState;
  createdAt: number;
  /** When a retired key leaves the JWKS: the last card it signed has expired. */
  publishedUntil: number | undefined;
}

/** The result of starting an idempotent request. */
export type IdempotencyBegin =
  | { state: "new" }
  | { state: "in_progress" }
  | { state: "mismatch" }
  | { state: "done"; response: StoredResponse };

/** A response kept for idempotent replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Completes an idempotency key in the same transaction that stores the card. */
export interface IdempotencyCompletion {
  brandId: string;
  key: string;
  response: StoredResponse;
}

/** One accepted widget event. */
export interface StoredEvent {
  id: string;
  type: EventType;
  cardId: string;
  brandId: string;
  partnerId: string;
  surface: Surface;
  /**
   * Where it counts: `trending` only for a credited impression with a valid placement (it
   * debits the brand's exposure); the store downgrades it to `organic` when the placement was
   * already used by this viewer.
   */
  slot: EventSlot;
  quality: EventQuality;
  /** Opaque visitor id from the widget. */
  visitor: string;
  /** The viewer pass's `sub`, when a valid pass came with the event. */
  viewer: string | undefined;
  /** The placement id (its nonce) of a trending impression, when its placement was valid. */
  placement: string | undefined;
  at: number;
  /** Events with the same key count once (an impression repeated within a minute). */
  dedupKey: string | undefined;
}

/** What storing one event did. */
export interface IngestOutcome {
  id: string;
  /** Not stored: an event with its `dedupKey` (or its id) was stored before. */
  duplicate: boolean;
  /** A credited click that made its viewer a new unique visitor of the brand that UTC day. */
  uv: boolean;
  /** Where it was counted: `trending` only when it debited the brand (first use of its placement by its viewer). */
  slot: EventSlot;
}
