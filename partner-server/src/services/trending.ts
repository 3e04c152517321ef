/**
 * The hot list: a partner's live cards ranked by time-decayed engagement, filling the
 * platform-distributed (paid) slots that pay out the traffic exchange.
 *
 *     score(card) = Σ over its credited events e in the last 7 days of  weight(e) · 2^(−age(e) / halfLife)
 *
 * with weight(impression) = 1, weight(click) = 10, halfLife = 6 hours: an event counts half
 * as much six hours later. Every hot-list slot is a paid slot: a card is eligible only while
 * its brand's lifetime `pvBalance` (uv × ratio − pvDelivered) is above zero, so a brand that
 * has used up the exposure its visitors earned drops out until it brings new visitors.
 * Ties break by the newer card; cards without engagement in the window are not listed. docs/growth.md documents the same.
 */

import type { Surface } from "@minicard/sdk";
import { cardState, type EventType, type StoredCard, type StoredEvent } from "../domain/model.js";
import type { Store } from "../store/store.js";
import { ledgerOf } from "./brand-stats.js";

/** An event's weight in the score. */
export const EVENT_WEIGHTS: Record<EventType, number> = { impression: 1, click: 10 };
/** After one half-life an event counts half. */
export const HALF_LIFE_MS = 6 * 3600 * 1000;
/** Events older than this are ignored (their weight is below 2^-28). */
export const TRENDING_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** The decayed weight of one event at `now`. */
export function decayedWeight(event: Pick<StoredEvent, "type" | "at">, now: number): number {
  return EVENT_WEIGHTS[event.type] * 2 ** (-Math.max(0, now - event.at) / HALF_LIFE_MS);
}

/** One hot-list entry. */
export interface TrendingEntry {
  card: StoredCard;
  score: number;
}

/** The hot list of `partner` (optionally one surface) at `now`, at most `limit` entries. */
export async function trendingCards(
  store: Store,
  options: { partner: string; surface: Surface | undefined; limit: number; now: number; ratio: number },
): Promise<TrendingEntry[]> {
  const { partner, surface, limit, now, ratio } = options;
  const events = await store.events.listByPartner(partner, now - TRENDING_WINDOW_MS);
  const scores = new Map<string, number>();
  for (const event of events) {
    // Only credited engagement ranks: bots, unattested and over-cap traffic cannot push a card up.
    if (event.quality !== "credited") continue;
    if (surface !== undefined && event.surface !== surface) continue;
    scores.set(event.cardId, (scores.get(event.cardId) ?? 0) + decayedWeight(event, now));
  }
  // Only cards still live: revoked, expired and suspended brands' cards never trend.
  const live = (await store.cards.statuses([...scores.keys()])).filter((row) => cardState(row, now) === "active");
  const ledgers = await store.events.ledger([...new Set(live.map((row) => row.brandId))]);
  const funded = new Set(ledgers.filter((row) => ledgerOf(row.uv, row.pvDelivered, ratio).pvBalance > 0).map((row) => row.brandId));
  const ranked = live
    .filter((row) => funded.has(row.brandId))
    .map((row) => ({ id: row.id, score: scores.get(row.id)! }))
    // Ties: the newer card first (ULIDs sort by time).
    .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit);
  const cards = await Promise.all(ranked.map((entry) => store.cards.get(entry.id)));
  return ranked.flatMap((entry, i) => (cards[i] ? [{ card: cards[i]!, score: entry.score }] : []));
}
