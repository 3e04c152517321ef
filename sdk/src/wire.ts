/**
 * @module wire — the partner server's JSON answers, as clients read them and as the server
 * builds them (its handlers `satisfies` these types): an issued card, a card record and its
 * state, the status endpoint the widget polls, and a brand's statistics.
 */

import type { Card, CardKind, Surface } from "./card/schema.js";
import type { EventQuality } from "./traffic/events.js";

/** The answer to a successful issuance. */
export interface IssuedCard {
  /** The card id (ULID), also the share-link id. */
  id: string;
  /** The signed card (compact JWS), for `<mini-program-card token="…">`. */
  token: string;
  /** The share link, `<server>/c/<id>`. */
  url: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** A card's lifecycle state. */
export type CardState = "active" | "revoked" | "expired";

/** A card as its brand reads it back. */
export interface CardRecord {
  id: string;
  state: CardState;
  partner: string;
  surface: Surface;
  kind: CardKind;
  sharer?: string;
  card: Card;
  token: string;
  url: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
}

/** A card's status as `GET /v1/cards/status` answers it: `unknown` for ids the server never issued. */
export type CardStatus = CardState | "unknown";

/** Most ids one `GET /v1/cards/status?ids=…` may ask about; more are refused with `too_many_ids`. */
export const MAX_STATUS_IDS = 100;

/** Impressions, clicks, click-through rate and unique visitors of one slice. */
export interface StatsCounts {
  impressions: number;
  clicks: number;
  /** clicks / impressions, rounded to 4 decimals; 0 without impressions. */
  ctr: number;
  /** Distinct credited viewers who opened the mini-program through a card (clicked), once per UTC day. */
  uv: number;
}

/** The traffic exchange: each UV earns `ratio` PV of exposure in the hot list's paid slots. */
export interface TrafficLedger {
  uv: number;
  /** uv × ratio. */
  pvGranted: number;
  /** Credited impressions of the brand's cards in the hot list's paid slots (with a valid placement). */
  pvDelivered: number;
  /** pvGranted − pvDelivered; at zero or below the brand leaves the paid slots. */
  pvBalance: number;
}

/**
 * A brand's statistics (see `GET /v1/brands/me/stats` and docs/growth.md). The top-level
 * figures cover the range; `ledger` is lifetime, the balance the hot list reads.
 */
export interface BrandStats extends StatsCounts, TrafficLedger {
  brand: string;
  /** ISO 8601, inclusive. */
  from: string;
  /** ISO 8601, exclusive. */
  to: string;
  /** PV granted per UV (server configuration; default 3000). */
  ratio: number;
  byCard: Array<StatsCounts & { card: string; title: string; kind: CardKind; surface: Surface; pvDelivered: number }>;
  bySurface: Record<Surface, StatsCounts>;
  /** Every UTC day of the range, oldest first, days without events included. */
  byDay: Array<StatsCounts & { day: string }>;
  /**
   * Every event counted, by quality (see {@link EventQuality}): the invalid-traffic report.
   * Only `credited` events earn UV and debit paid slots.
   */
  byQuality: Record<EventQuality, { impressions: number; clicks: number }>;
  ledger: TrafficLedger;
}
