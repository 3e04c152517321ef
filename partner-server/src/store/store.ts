/**
 * The store: one interface over every backend (in-memory for unit tests, SQLite by default,
 * PostgreSQL for several instances). Routes and services see only this interface; the
 * contract tests in `test/store/store.contract.ts` run unchanged against each backend.
 *
 * Grouped by noun, one method per operation. Every write that a client is told succeeded
 * is durable when its promise resolves.
 */

import type { EventQuality, EventSlot, Surface } from "@minicard/sdk";
import type {
  Brand,
  BrandKey,
  CardStatusRow,
  IdempotencyBegin,
  IdempotencyCompletion,
  IngestOutcome,
  IssuedCardRef,
  Partner,
  PartnerKey,
  StoredEvent,
  StoredCard,
  StoredSigningKey,
} from "../domain/model.js";
import type { Rollout } from "../domain/rollout.js";
import type { SigningJob } from "../keys/signer.js";

/** How long a finished idempotency key is remembered (the IETF draft suggests at least 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** Thrown when a record with the same id exists. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/**
 * Thrown when the database cannot take an operation now but may later: unreachable, busy, out
 * of disk space, or closed. The API answers 503 `store_unavailable` with `Retry-After`, and
 * the client retries (with its `Idempotency-Key`).
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

/** Fields an operator may change on a partner. */
export type PartnerPatch = Partial<Pick<Partner, "name" | "origins" | "surfaces" | "limits" | "requireSharerPass">>;
/** Fields an operator may change on a brand. */
export type BrandPatch = Partial<
  Pick<Brand, "name" | "status" | "surfaces" | "apps" | "invited" | "whitelisted" | "logo" | "category">
>;

/** Partner platforms. */
export interface PartnerRepository {
  /** Throws {@link ConflictError} when the id is taken. */
  create(partner: Partner): Promise<void>;
  get(id: string): Promise<Partner | undefined>;
  list(): Promise<Partner[]>;
  update(id: string, patch: PartnerPatch): Promise<Partner | undefined>;
  /** Registers a public key the partner signs passes with; replaces one with the same kid. */
  putKey(key: PartnerKey): Promise<void>;
  keys(partnerId: string): Promise<PartnerKey[]>;
  /** True when the key existed. */
  removeKey(partnerId: string, kid: string): Promise<boolean>;
}

/** Server-wide secrets shared by every instance (the placement signing key). */
export interface SecretRepository {
  /**
   * The secret named `name`; the first caller's `create()` value is stored when there is none
   * yet, and every instance reads the same one from then on.
   */
  get(name: string, create: () => string, now: number): Promise<string>;
}

/** The sharer whitelist, per partner. */
export interface SharerRepository {
  put(partnerId: string, sharer: string, now: number): Promise<void>;
  /** True when it was on the list. */
  remove(partnerId: string, sharer: string): Promise<boolean>;
  has(partnerId: string, sharer: string): Promise<boolean>;
  list(partnerId: string): Promise<string[]>;
}

/** Whitelisted brands and their credentials. */
export interface BrandRepository {
  /** Throws {@link ConflictError} when the id is taken. `apiKeyHash` is SHA-256 of the key. */
  create(brand: Brand, apiKeyHash: string): Promise<void>;
  get(id: string): Promise<Brand | undefined>;
  getByApiKeyHash(hash: string): Promise<Brand | undefined>;
  list(): Promise<Brand[]>;
  update(id: string, patch: BrandPatch, now: number): Promise<Brand | undefined>;
  /** Replaces the brand's API key (the old one stops working at once). */
  setApiKeyHash(id: string, hash: string): Promise<boolean>;
  /** Registers a public key for `private_key_jwt`; replaces one with the same kid. */
  putKey(key: BrandKey): Promise<void>;
  keys(brandId: string): Promise<BrandKey[]>;
}

/** Category opening dates. */
export interface RolloutRepository {
  get(): Promise<Rollout>;
  /** Sets the given categories' dates; `null` closes a category again. */
  put(categories: Record<string, string | null>): Promise<Rollout>;
}

/** Issued cards. */
export interface CardRepository {
  /**
   * Stores a card durably; with `idempotency`, completes that key with the response in the
   * same transaction, so a replay after a crash answers the same card.
   */
  insert(card: StoredCard, idempotency?: IdempotencyCompletion): Promise<void>;
  /**
   * Signs and stores a card in one step, where the store's own thread can sign (SQLite): the
   * thread signs `signing.input`, writes the card with that token in the next group commit (and
   * completes `idempotency`, its response's `body.token` filled in), and the token is returned
   * once committed. One hand-off to the thread per card instead of two. Absent where the store
   * cannot sign; sign first, then {@link insert}.
   */
  insertSigned?(card: Omit<StoredCard, "token">, signing: SigningJob, idempotency?: IdempotencyCompletion): Promise<string>;
  get(id: string): Promise<StoredCard | undefined>;
  /** The cards among `ids` that exist, in any order (one read for a stats page or a hot list). */
  getMany(ids: readonly string[]): Promise<StoredCard[]>;
  /** Marks a card revoked; false when it does not exist or belongs to another brand. */
  revoke(id: string, brandId: string, now: number): Promise<boolean>;
  /** Rows for the status endpoint (unknown ids are left out). */
  statuses(ids: readonly string[]): Promise<CardStatusRow[]>;
  /** Cards issued at or after `since`, oldest first, to rebuild limit windows. */
  issuedSince(since: number): Promise<IssuedCardRef[]>;
  /** The latest expiry among cards signed with `kid` (0 when none). */
  lastExpiryForKey(kid: string): Promise<number>;
  /** A brand's cards, newest first. */
  listByBrand(brandId: string, options?: { limit?: number; before?: string }): Promise<StoredCard[]>;
  /** Active cards on a partner's surface, newest first (demo feeds, trending candidates). */
  listActive(partnerId: string, surface: Surface | undefined, now: number, limit: number): Promise<StoredCard[]>;
}

/** Idempotency keys of `POST /v1/cards`. */
export interface IdempotencyRepository {
  /**
   * Claims `key` for a request with `fingerprint`: `new` (go ahead), `in_progress`
   * (another request holds it, lease not expired), `mismatch` (another body), or `done`
   * with the stored response to replay.
   */
  begin(brandId: string, key: string, fingerprint: string, now: number, leaseMs: number): Promise<IdempotencyBegin>;
  /** Frees a claimed key whose request failed, so a retry may proceed. */
  release(brandId: string, key: string): Promise<void>;
}

/** Single-use `jti`s of `private_key_jwt` client assertions. */
export interface AssertionRepository {
  /** True the first time `(brandId, jti)` is seen; false for a replay. Entries live until `expiresAt`. */
  use(brandId: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

/** The server's signing keys. */
export interface SigningKeyRepository {
  list(): Promise<StoredSigningKey[]>;
  /**
   * Applies a rotation atomically: inserts `added`, then sets each `updated` key's state
   * (and `publishedUntil`) — so every instance sees the whole rotation or none of it.
   */
  save(added: StoredSigningKey[], updated: Pick<StoredSigningKey, "kid" | "state" | "publishedUntil" | "privateKey">[]): Promise<void>;
  /** Removes retired keys no longer published at `now`. */
  purge(now: number): Promise<number>;
}

/** Widget events (impressions and clicks), their rollups, and the traffic-exchange ledger they feed. */
export interface EventRepository {
  /**
   * Stores events durably, in one transaction with what they earn and what they count: a
   * credited click's unique visit (one per brand, UTC day and viewer; and one per surface and
   * card), a trending impression's debit (one per placement and viewer; a reused placement is
   * stored as `organic`), the hourly and daily rollups and the brand's ledger. An event whose
   * `dedupKey` or id was stored before is skipped, and counts nothing. Answers one outcome per
   * event, in order.
   */
  insert(events: readonly StoredEvent[]): Promise<IngestOutcome[]>;
  /** A brand's raw events in `[from, to)`, oldest first (audits and tests; stats read {@link counts}). */
  listByBrand(brandId: string, from: number, to: number): Promise<StoredEvent[]>;
  /**
   * A brand's rolled-up counts in `[from, to)`, both whole hours (multiples of `HOUR_MS`):
   * whole days read daily tables and per-card running totals, the edges the hourly rollups,
   * so the cost follows the brand's cards and the range's days, not the number of events.
   */
  counts(brandId: string, from: number, to: number): Promise<BrandCounts>;
  /**
   * The hot-list score at `now` of each card of `partnerId` (one surface, or all) with
   * credited engagement in the last `TRENDING_WINDOW_MS`, from the hourly rollups.
   */
  scores(partnerId: string, surface: Surface | undefined, now: number): Promise<CardScore[]>;
  /**
   * The lifetime traffic-exchange figures of each brand asked about (brands without events
   * answer zeros): `uv`, its credited unique visits (one per viewer and UTC day), and
   * `pvDelivered`, its debited trending impressions (see docs/growth.md).
   */
  ledger(brandIds: readonly string[]): Promise<BrandLedgerCounts[]>;
  /**
   * Retention: deletes raw events of UTC days before `beforeDay`, at most about `limit` rows
   * per call (PostgreSQL drops whole daily partitions at once), and the visit keys of closed
   * days (before the day before `now`'s). Rollups, credits, debits and ledgers are kept. Answers the rows deleted; call again
   * while it answers `limit` or more.
   */
  purge(beforeDay: number, limit: number, now: number): Promise<number>;
}

/** What {@link EventRepository.ledger} counts for one brand. */
export interface BrandLedgerCounts {
  brandId: string;
  uv: number;
  pvDelivered: number;
}

/** A brand's counted events of one surface, slot and quality, over a range. */
export interface CountCell {
  surface: Surface;
  slot: EventSlot;
  quality: EventQuality;
  impressions: number;
  clicks: number;
}

/** One UTC day of a brand's counts (`day`: days since the epoch); `uv` its credited visits. */
export interface DayCount {
  day: number;
  impressions: number;
  clicks: number;
  uv: number;
}

/** Unique visitors over a range: the brand's (`item` empty) or one surface's. */
export interface UniqueCount {
  scope: "brand" | "surface";
  item: string;
  uv: number;
}

/** One card's counts over a range: `trending` its paid impressions, `uv` its unique visits. */
export interface CardCount {
  cardId: string;
  impressions: number;
  clicks: number;
  trending: number;
  uv: number;
}

/** What {@link EventRepository.counts} answers. */
export interface BrandCounts {
  /** The brand's counts by surface, slot and quality. */
  cells: CountCell[];
  /** Each card with counts in the range. */
  cards: CardCount[];
  /** Only days with counts, in order. */
  days: DayCount[];
  uniques: UniqueCount[];
}

/** One card's hot-list score. */
export interface CardScore {
  cardId: string;
  score: number;
}

/** Everything the server persists. */
export interface Store {
  readonly kind: "memory" | "sqlite" | "postgres";
  readonly partners: PartnerRepository;
  readonly sharers: SharerRepository;
  readonly brands: BrandRepository;
  readonly rollout: RolloutRepository;
  readonly cards: CardRepository;
  readonly idempotency: IdempotencyRepository;
  readonly assertions: AssertionRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly secrets: SecretRepository;
  readonly events: EventRepository;
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>;
  /** Resolves when the database answers; throws {@link StoreUnavailableError} otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
