/**
 * The units events are counted in. Stats and the ledger count a unique visitor once per UTC
 * day; rollups keep counters per hour and per day; the hot list decays an event's weight by
 * half every six hours. The store writes these into its rollups, and the services read them
 * back, so each is written once, here.
 */

import type { EventType } from "./model.js";

/** Milliseconds in an hour: the finest grain of the rollups and of a stats range. */
export const HOUR_MS = 3_600_000;
/** Milliseconds in a UTC day: UV counts a visitor once per day. */
export const DAY_MS = 86_400_000;
/** An event's weight in the hot list's score. */
export const EVENT_WEIGHTS: Record<EventType, number> = { impression: 1, click: 10 };
/** After one half-life an event counts half in the hot list. */
export const HALF_LIFE_MS = 6 * HOUR_MS;
/** Events older than this are left out of the hot list (their weight is below 2^-28). */
export const TRENDING_WINDOW_MS = 7 * DAY_MS;

/** The hour an instant falls in (hours since the epoch). */
export const hourOf = (at: number) => Math.floor(at / HOUR_MS);
/** The UTC day an instant falls in (days since the epoch). */
export const dayOf = (at: number) => Math.floor(at / DAY_MS);

/** An impression repeated by the same visitor on the same card and slot within a clock minute counts once. */
export const DEDUP_WINDOW_MS = 60_000;

/**
 * The de-duplication key of an impression at `at` of `card`, seen by `who` (the attested
 * viewer or the page's visitor id) in `slot`: unique among stored events, so a repeat within
 * the same clock minute is skipped.
 *
 * The minute comes first. Keys then sort by time in the store's unique index, and the keys of
 * the current minute sit together at its end: each insert touches the same few pages, not a
 * random page of an index over every event of the retention window. SQLite alone, insert and
 * commit per stored event (`bench/probes/sqlite-floor.mjs`): with 500 k events stored, 44 µs
 * for a card-first key and 20 µs for this one; with 2 M spread over 90 days, 60 µs and 15 µs.
 */
export const dedupKey = (card: string, who: string, slot: string, at: number) => `${Math.floor(at / DEDUP_WINDOW_MS)}|${card}|${who}|${slot}`;

/**
 * A credited event's weight, decayed to the start of its hour: the hot list scores a card as
 * Σ over its hours of `score(hour) · 2^(−(now − hourStart) / HALF_LIFE_MS)`, which equals the
 * sum of each event's own decayed weight, so one row per hour gives the exact score.
 */
export function hourlyWeight(type: EventType, at: number): number {
  return EVENT_WEIGHTS[type] * 2 ** ((at % HOUR_MS) / HALF_LIFE_MS);
}
