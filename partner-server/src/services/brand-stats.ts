/**
 * A brand's statistics and its traffic-exchange ledger (`GET /v1/brands/me/stats`, the CLI's
 * `brands stats`). Definitions, as docs/growth.md states them:
 *
 * - impressions: accepted impression events of every quality (an impression repeated by the
 *   same visitor on the same card and slot within the same minute was already counted once at
 *   ingestion); `byQuality` splits them into credited, unverified, bot and suspect;
 * - clicks: accepted click events, likewise; ctr = clicks / impressions (0 without impressions);
 * - uv: distinct **credited** viewers who opened the mini-program through a card (a click),
 *   counted once per UTC day: the number of distinct (viewer, day) pairs;
 * - pvGranted = uv × ratio; pvDelivered = credited impressions in `trending` slots with a
 *   valid placement (the hot list's paid slots); pvBalance = pvGranted − pvDelivered.
 *
 * The top-level figures cover the range; `ledger` is the same arithmetic over the brand's
 * whole history, and is the balance the hot list reads.
 */

import { QUALITIES, SURFACES, type EventQuality, type Surface } from "@minicard/sdk";
import type { StoredEvent } from "../domain/model.js";
import { DAY_MS, type Store } from "../store/store.js";
import { validationProblem } from "../problems.js";

/** The longest range one stats request may cover. */
export const MAX_RANGE_DAYS = 366;
/** The range when none is given: the last 30 UTC days, today included. */
export const DEFAULT_RANGE_DAYS = 30;

/** Counts of one card, surface or day. */
export interface Counts {
  impressions: number;
  clicks: number;
  ctr: number;
  uv: number;
}

/** The traffic-exchange ledger. */
export interface Ledger {
  uv: number;
  pvGranted: number;
  pvDelivered: number;
  pvBalance: number;
}

/** Impressions and clicks of one quality. */
export interface QualityCounts {
  impressions: number;
  clicks: number;
}

/** The stats document. */
export interface BrandStatsView extends Counts, Ledger {
  brand: string;
  from: string;
  to: string;
  ratio: number;
  byCard: Array<Counts & { card: string; title: string; kind: string; surface: Surface; pvDelivered: number }>;
  bySurface: Record<Surface, Counts>;
  byDay: Array<Counts & { day: string }>;
  /** Every event counted, by how much it is trusted: only `credited` moves the ledger. */
  byQuality: Record<EventQuality, QualityCounts>;
  /** Lifetime ledger: what the hot list's paid slots read. */
  ledger: Ledger;
}

/** A resolved range `[from, to)` in milliseconds. */
export interface StatsRange {
  from: number;
  to: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseBound(name: "from" | "to", value: string): number {
  if (DATE.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(start)) throw validationProblem([{ path: `query:${name}`, message: "is not a valid date" }]);
    // A date `to` is inclusive: the range runs to the end of that day.
    return name === "to" ? start + DAY_MS : start;
  }
  const number = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(number)) throw validationProblem([{ path: `query:${name}`, message: "must be a date (2026-11-24), an ISO time or epoch milliseconds" }]);
  return number;
}

/** Resolves `from`/`to` query values (dates, ISO times or epoch ms) into a range; throws `validation_failed`. */
export function resolveRange(query: { from?: string | undefined; to?: string | undefined }, now: number): StatsRange {
  const to = query.to ? parseBound("to", query.to) : now;
  // Default: the 30 UTC days that end with the day `to` falls in (or ends at).
  const from = query.from ? parseBound("from", query.from) : Math.ceil(to / DAY_MS) * DAY_MS - DEFAULT_RANGE_DAYS * DAY_MS;
  if (from >= to) throw validationProblem([{ path: "query:from", message: "must be before to" }]);
  if (to - from > MAX_RANGE_DAYS * DAY_MS) throw validationProblem([{ path: "query:from", message: `the range may cover at most ${MAX_RANGE_DAYS} days` }]);
  return { from, to };
}

/** The ledger arithmetic. */
export function ledgerOf(uv: number, pvDelivered: number, ratio: number): Ledger {
  const pvGranted = uv * ratio;
  return { uv, pvGranted, pvDelivered, pvBalance: pvGranted - pvDelivered };
}

class Tally {
  impressions = 0;
  clicks = 0;
  trending = 0;
  readonly visits = new Set<string>();

  add(event: StoredEvent): void {
    const credited = event.quality === "credited";
    if (event.type === "impression") {
      this.impressions++;
      if (event.slot === "trending" && credited) this.trending++;
    } else {
      this.clicks++;
      if (credited && event.viewer !== undefined) this.visits.add(`${event.viewer}|${Math.floor(event.at / DAY_MS)}`);
    }
  }

  counts(): Counts {
    const ctr = this.impressions === 0 ? 0 : Math.round((this.clicks / this.impressions) * 10_000) / 10_000;
    return { impressions: this.impressions, clicks: this.clicks, ctr, uv: this.visits.size };
  }
}

const dayOf = (at: number) => new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

/** Computes a brand's stats over `range` and its lifetime ledger. */
export async function brandStats(store: Store, brandId: string, range: StatsRange, ratio: number): Promise<BrandStatsView> {
  const [events, [lifetime]] = await Promise.all([store.events.listByBrand(brandId, range.from, range.to), store.events.ledger([brandId])]);
  const total = new Tally();
  const cards = new Map<string, Tally>();
  const surfaces = new Map<Surface, Tally>(SURFACES.map((surface) => [surface, new Tally()]));
  const days = new Map<string, Tally>();
  for (let day = Math.floor(range.from / DAY_MS) * DAY_MS; day < range.to; day += DAY_MS) days.set(dayOf(day), new Tally());
  const qualities = Object.fromEntries(QUALITIES.map((quality) => [quality, { impressions: 0, clicks: 0 }])) as Record<EventQuality, QualityCounts>;
  for (const event of events) {
    total.add(event);
    qualities[event.quality][event.type === "impression" ? "impressions" : "clicks"]++;
    let card = cards.get(event.cardId);
    if (!card) cards.set(event.cardId, (card = new Tally()));
    card.add(event);
    surfaces.get(event.surface)?.add(event);
    days.get(dayOf(event.at))?.add(event);
  }
  const byCard = await Promise.all(
    [...cards].map(async ([id, tally]) => {
      const stored = await store.cards.get(id);
      return {
        card: id,
        title: stored?.card.title ?? "",
        kind: stored?.kind ?? "app",
        surface: stored?.surface ?? ("dm" as Surface),
        ...tally.counts(),
        pvDelivered: tally.trending,
      };
    }),
  );
  byCard.sort((a, b) => b.impressions - a.impressions || b.clicks - a.clicks || a.card.localeCompare(b.card));
  const counts = total.counts();
  return {
    brand: brandId,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    ratio,
    ...counts,
    ...ledgerOf(counts.uv, total.trending, ratio),
    byCard,
    bySurface: Object.fromEntries([...surfaces].map(([surface, tally]) => [surface, tally.counts()])) as Record<Surface, Counts>,
    byDay: [...days].map(([day, tally]) => ({ day, ...tally.counts() })),
    byQuality: qualities,
    ledger: ledgerOf(lifetime?.uv ?? 0, lifetime?.pvDelivered ?? 0, ratio),
  };
}
