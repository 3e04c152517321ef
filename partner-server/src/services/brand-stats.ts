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
 *
 * Everything is read from the rollups the store keeps at ingest (never from raw events), so
 * a range costs about the same however many events it holds: ranges are counted in whole
 * UTC hours, and a unique visit counts in the hour of the viewer's first credited click
 * that day.
 */

import { QUALITIES, SURFACES, type BrandStats, type StatsCounts, type Surface, type TrafficLedger } from "@minicard/sdk";
import { DAY_MS, HOUR_MS } from "../domain/counting.js";
import type { Store } from "../store/store.js";
import { validationProblem } from "../problems.js";

/** The longest range one stats request may cover. */
export const MAX_RANGE_DAYS = 366;
/** The range when none is given: the last 30 UTC days, today included. */
export const DEFAULT_RANGE_DAYS = 30;

/** A resolved range `[from, to)` in milliseconds, both whole hours. */
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

/**
 * Resolves `from`/`to` query values (dates, ISO times or epoch ms) into a range of whole
 * hours (`from` rounds down, `to` up); throws `validation_failed`.
 */
export function resolveRange(query: { from?: string | undefined; to?: string | undefined }, now: number): StatsRange {
  const range = resolveBounds(query, now);
  return { from: Math.floor(range.from / HOUR_MS) * HOUR_MS, to: Math.ceil(range.to / HOUR_MS) * HOUR_MS };
}

function resolveBounds(query: { from?: string | undefined; to?: string | undefined }, now: number): StatsRange {
  const to = query.to ? parseBound("to", query.to) : now;
  // Default: the 30 UTC days that end with the day `to` falls in (or ends at).
  const from = query.from ? parseBound("from", query.from) : Math.ceil(to / DAY_MS) * DAY_MS - DEFAULT_RANGE_DAYS * DAY_MS;
  if (from >= to) throw validationProblem([{ path: "query:from", message: "must be before to" }]);
  if (to - from > MAX_RANGE_DAYS * DAY_MS) throw validationProblem([{ path: "query:from", message: `the range may cover at most ${MAX_RANGE_DAYS} days` }]);
  return { from, to };
}

/** The ledger arithmetic. */
export function ledgerOf(uv: number, pvDelivered: number, ratio: number): TrafficLedger {
  const pvGranted = uv * ratio;
  return { uv, pvGranted, pvDelivered, pvBalance: pvGranted - pvDelivered };
}

const ctrOf = (impressions: number, clicks: number) => (impressions === 0 ? 0 : Math.round((clicks / impressions) * 10_000) / 10_000);
const countsOf = (impressions: number, clicks: number, uv: number): StatsCounts => ({ impressions, clicks, ctr: ctrOf(impressions, clicks), uv });
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Computes a brand's stats over `range` and its lifetime ledger, from the store's rollups: the answer of `GET /v1/brands/me/stats`. */
export async function brandStats(store: Store, brandId: string, range: StatsRange, ratio: number): Promise<BrandStats> {
  const [counts, [lifetime]] = await Promise.all([store.events.counts(brandId, range.from, range.to), store.events.ledger([brandId])]);
  const uv = new Map(counts.uniques.map((row) => [`${row.scope}|${row.item}`, row.uv]));
  const qualities = Object.fromEntries(QUALITIES.map((quality) => [quality, { impressions: 0, clicks: 0 }])) as BrandStats["byQuality"];
  const surfaces = new Map<Surface, { impressions: number; clicks: number }>(SURFACES.map((surface) => [surface, { impressions: 0, clicks: 0 }]));
  let [impressions, clicks, trending] = [0, 0, 0];
  for (const cell of counts.cells) {
    impressions += cell.impressions;
    clicks += cell.clicks;
    qualities[cell.quality].impressions += cell.impressions;
    qualities[cell.quality].clicks += cell.clicks;
    // A trending slot is kept only by a credited impression that won its debit.
    if (cell.slot === "trending") trending += cell.impressions;
    const surface = surfaces.get(cell.surface);
    if (surface) {
      surface.impressions += cell.impressions;
      surface.clicks += cell.clicks;
    }
  }
  const stored = new Map((await store.cards.getMany(counts.cards.map((card) => card.cardId))).map((card) => [card.id, card]));
  const byCard = counts.cards.map((card) => ({
    card: card.cardId,
    title: stored.get(card.cardId)?.card.title ?? "",
    kind: stored.get(card.cardId)?.kind ?? "app",
    surface: stored.get(card.cardId)?.surface ?? ("dm" as Surface),
    ...countsOf(card.impressions, card.clicks, card.uv),
    pvDelivered: card.trending,
  }));
  byCard.sort((a, b) => b.impressions - a.impressions || b.clicks - a.clicks || a.card.localeCompare(b.card));
  const days = new Map(counts.days.map((row) => [row.day, row]));
  const byDay: BrandStats["byDay"] = [];
  for (let day = Math.floor(range.from / DAY_MS); day * DAY_MS < range.to; day++) {
    const row = days.get(day);
    byDay.push({ day: isoDay(day), ...countsOf(row?.impressions ?? 0, row?.clicks ?? 0, row?.uv ?? 0) });
  }
  const total = countsOf(impressions, clicks, uv.get("brand|") ?? 0);
  return {
    brand: brandId,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    ratio,
    ...total,
    ...ledgerOf(total.uv, trending, ratio),
    byCard,
    bySurface: Object.fromEntries([...surfaces].map(([surface, row]) => [surface, countsOf(row.impressions, row.clicks, uv.get(`surface|${surface}`) ?? 0)])) as BrandStats["bySurface"],
    byDay,
    byQuality: qualities,
    ledger: ledgerOf(lifetime?.uv ?? 0, lifetime?.pvDelivered ?? 0, ratio),
  } satisfies BrandStats;
}
