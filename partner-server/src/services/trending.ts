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
 * Ties break by the newer card; cards without engagement in the window are not listed.
 * docs/growth.md documents the same.
 *
 * Scores come from the hourly rollups (one row per card and hour, never raw events), and a
 * request never computes them: the {@link TrendingBoard} keeps each partner's and surface's
 * current list and recomputes it in the background at most every `refreshMs`.
 */

import type { Surface } from "@minicard/sdk";
import { cardState, type StoredCard } from "../domain/model.js";
import type { Store } from "../store/store.js";
import { ledgerOf } from "./brand-stats.js";

/** The longest hot list one request may ask for, and the length the board keeps. */
export const MAX_TRENDING = 50;
/** Card ids per status read while ranking. */
const CHUNK = 500;

/** One hot-list entry. */
export interface TrendingEntry {
  card: StoredCard;
  score: number;
}

/** A computed hot list. */
export interface TrendingList {
  /** When it was computed: scores are as of this instant. */
  generatedAt: number;
  entries: TrendingEntry[];
}

/** Ranks the hot list of `partner` (optionally one surface) at `now`, at most `limit` entries. */
export async function trendingCards(
  store: Store,
  options: { partner: string; surface: Surface | undefined; limit: number; now: number; ratio: number },
): Promise<TrendingEntry[]> {
  const { partner, surface, limit, now, ratio } = options;
  // Only credited engagement is in the score: bots, unattested and over-cap traffic cannot push a card up.
  const scores = new Map((await store.events.scores(partner, surface, now)).map((row) => [row.cardId, row.score]));
  const ids = [...scores.keys()];
  const rows = [];
  for (let i = 0; i < ids.length; i += CHUNK) rows.push(...(await store.cards.statuses(ids.slice(i, i + CHUNK))));
  // Only cards still live: revoked, expired and suspended brands' cards never trend.
  const live = rows.filter((row) => cardState(row, now) === "active");
  const ledgers = await store.events.ledger([...new Set(live.map((row) => row.brandId))]);
  const funded = new Set(ledgers.filter((row) => ledgerOf(row.uv, row.pvDelivered, ratio).pvBalance > 0).map((row) => row.brandId));
  const ranked = live
    .filter((row) => funded.has(row.brandId))
    .map((row) => ({ id: row.id, score: scores.get(row.id)! }))
    // Ties: the newer card first (ULIDs sort by time).
    .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit);
  const cards = new Map((await store.cards.getMany(ranked.map((entry) => entry.id))).map((card) => [card.id, card]));
  return ranked.flatMap((entry) => (cards.has(entry.id) ? [{ card: cards.get(entry.id)!, score: entry.score }] : []));
}

/** Options of {@link createTrendingBoard}. */
export interface TrendingBoardOptions {
  /** PV granted per UV: the brand's balance gates paid slots. */
  ratio: number;
  now: () => number;
  /** A list older than this is recomputed in the background; 0 computes on every read. */
  refreshMs: number;
  /** A background recompute failed (the previous list stays in use). */
  onError?: (error: unknown) => void;
}

/** The current hot lists, one per partner and surface (or all surfaces). */
export interface TrendingBoard {
  /**
   * The current list of `partner`/`surface`. Only the first read of a list waits for it to be
   * computed; later reads answer the list in hand at once and, when it is older than
   * `refreshMs`, start one recompute in the background.
   */
  read(partner: string, surface: Surface | undefined): Promise<TrendingList>;
}

/** Creates the hot-list board over `store`. */
export function createTrendingBoard(store: Store, options: TrendingBoardOptions): TrendingBoard {
  const lists = new Map<string, { current: TrendingList | undefined; pending: Promise<TrendingList> | undefined }>();

  function recompute(key: string, partner: string, surface: Surface | undefined): Promise<TrendingList> {
    const slot = lists.get(key)!;
    if (slot.pending) return slot.pending;
    const now = options.now();
    slot.pending = trendingCards(store, { partner, surface, limit: MAX_TRENDING, now, ratio: options.ratio })
      .then((entries) => (slot.current = { generatedAt: now, entries }))
      .finally(() => (slot.pending = undefined));
    return slot.pending;
  }

  return {
    async read(partner, surface) {
      const key = `${partner}|${surface ?? ""}`;
      let slot = lists.get(key);
      if (!slot) lists.set(key, (slot = { current: undefined, pending: undefined }));
      const current = slot.current;
      if (current === undefined || options.refreshMs === 0) return recompute(key, partner, surface);
      if (options.now() - current.generatedAt >= options.refreshMs && !slot.pending) {
        recompute(key, partner, surface).catch((error: unknown) => options.onError?.(error));
      }
      return current;
    },
  };
}
