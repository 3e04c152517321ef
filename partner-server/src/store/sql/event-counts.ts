/** A brand's counts over a range, read from the rollups (never from raw events). */

import { sql, type Kysely, type RawBuilder } from "kysely";
import type { EventQuality, EventSlot, Surface } from "@minicard/sdk";
import { DAY_MS, HOUR_MS } from "../../domain/counting.js";
import type { Database } from "../schema.js";
import type { BrandCounts, CardCount, DayCount, UniqueCount } from "../store.js";

/**
 * A brand's counts in `[from, to)`. Whole days come from tables without the card dimension
 * (`brand_days`, the daily unique counters) and from two rows of running totals per card
 * (`card_totals`); the hours at either edge from the hourly rollups. So the cost follows the
 * brand's cards and the range's days, never their product, nor the number of events.
 */
export async function brandCounts(db: Kysely<Database>, brandId: string, from: number, to: number): Promise<BrandCounts> {
  const [firstHour, endHour] = [Math.floor(from / HOUR_MS), Math.ceil(to / HOUR_MS)];
  const [firstDay, endDay] = [Math.ceil(from / DAY_MS), Math.floor(to / DAY_MS)];
  const hoursPerDay = DAY_MS / HOUR_MS;
  const whole = firstDay < endDay;
  const edges = whole
    ? sql`((hour >= ${firstHour} AND hour < ${firstDay * hoursPerDay}) OR (hour >= ${endDay * hoursPerDay} AND hour < ${endHour}))`
    : sql`hour >= ${firstHour} AND hour < ${endHour}`;
  const hours = (table: string, columns: RawBuilder<unknown>) =>
    sql`SELECT ${columns}, hour / ${sql.lit(hoursPerDay)} AS day FROM ${sql.table(table)} WHERE brand_id = ${brandId} AND ${edges}`;
  const wholeDays = (table: string, columns: RawBuilder<unknown>) =>
    sql`SELECT ${columns}, day FROM ${sql.table(table)} WHERE brand_id = ${brandId} AND day >= ${firstDay} AND day < ${endDay}`;
  const both = (hourly: RawBuilder<unknown>, daily: RawBuilder<unknown>) => (whole ? sql`(${hourly} UNION ALL ${daily})` : sql`(${hourly})`);
  const cellColumns = sql`surface, slot, quality, impressions, clicks`;
  const counted = both(hours("rollup_hours", cellColumns), wholeDays("brand_days", cellColumns));
  const uniqueColumns = sql`scope, item, n`;
  const uniques = both(hours("uniques_hours", uniqueColumns), wholeDays("uniques_days", uniqueColumns));
  type Sum = number | string;
  type CardSums = { card_id: string; impressions: Sum; clicks: Sum; trending: Sum; uv: Sum };
  // Running totals through the range's last whole day, minus those through the day before it.
  const runningAt = (alias: string, before: number) =>
    sql`${sql.ref(`${alias}.day`)} = (SELECT MAX(t.day) FROM card_totals t WHERE t.card_id = k.id AND t.day < ${before})`;
  const [cells, byDay, totals, daily, edgeCards, edgeUniques, wholeCards] = await Promise.all([
    sql<{ surface: string; slot: string; quality: string; impressions: Sum; clicks: Sum }>`SELECT surface, slot, quality,
        SUM(impressions) AS impressions, SUM(clicks) AS clicks FROM ${counted} r GROUP BY surface, slot, quality`.execute(db),
    sql<{ day: Sum; impressions: Sum; clicks: Sum }>`SELECT day, SUM(impressions) AS impressions, SUM(clicks) AS clicks FROM ${counted} r GROUP BY day`.execute(db),
    sql<{ scope: string; item: string; n: Sum }>`SELECT scope, item, SUM(n) AS n FROM ${uniques} u WHERE scope <> 'card' GROUP BY scope, item`.execute(db),
    sql<{ day: Sum; n: Sum }>`SELECT day, SUM(n) AS n FROM ${uniques} u WHERE scope = 'brand' GROUP BY day`.execute(db),
    sql<CardSums>`SELECT card_id, SUM(impressions) AS impressions, SUM(clicks) AS clicks,
        SUM(CASE WHEN slot = 'trending' THEN impressions ELSE 0 END) AS trending, 0 AS uv
      FROM rollup_hours WHERE brand_id = ${brandId} AND ${edges} GROUP BY card_id`.execute(db),
    sql<{ item: string; n: Sum }>`SELECT item, SUM(n) AS n FROM uniques_hours WHERE brand_id = ${brandId} AND scope = 'card' AND ${edges} GROUP BY item`.execute(db),
    whole
      ? sql<CardSums>`SELECT k.id AS card_id,
            hi.impressions - COALESCE(lo.impressions, 0) AS impressions, hi.clicks - COALESCE(lo.clicks, 0) AS clicks,
            hi.trending - COALESCE(lo.trending, 0) AS trending, hi.uv - COALESCE(lo.uv, 0) AS uv
          FROM cards k
          JOIN card_totals hi ON hi.card_id = k.id AND ${runningAt("hi", endDay)}
          LEFT JOIN card_totals lo ON lo.card_id = k.id AND ${runningAt("lo", firstDay)}
          WHERE k.brand_id = ${brandId}`.execute(db)
      : Promise.resolve({ rows: [] as CardSums[] }),
  ]);
  const days = new Map<number, DayCount>();
  const dayEntry = (day: Sum) => {
    let entry = days.get(Number(day));
    if (!entry) days.set(Number(day), (entry = { day: Number(day), impressions: 0, clicks: 0, uv: 0 }));
    return entry;
  };
  for (const row of byDay.rows) Object.assign(dayEntry(row.day), { impressions: Number(row.impressions), clicks: Number(row.clicks) });
  for (const row of daily.rows) dayEntry(row.day).uv = Number(row.n);
  const cards = new Map<string, CardCount>();
  const card = (id: string) => {
    let entry = cards.get(id);
    if (!entry) cards.set(id, (entry = { cardId: id, impressions: 0, clicks: 0, trending: 0, uv: 0 }));
    return entry;
  };
  for (const row of [...wholeCards.rows, ...edgeCards.rows]) {
    const entry = card(row.card_id);
    entry.impressions += Number(row.impressions);
    entry.clicks += Number(row.clicks);
    entry.trending += Number(row.trending);
    entry.uv += Number(row.uv);
  }
  for (const row of edgeUniques.rows) card(row.item).uv += Number(row.n);
  return {
    cells: cells.rows.map((row) => ({
      surface: row.surface as Surface,
      slot: row.slot as EventSlot,
      quality: row.quality as EventQuality,
      impressions: Number(row.impressions),
      clicks: Number(row.clicks),
    })),
    // A card without counts in the range is not listed.
    cards: [...cards.values()].filter((entry) => entry.impressions + entry.clicks > 0),
    days: [...days.values()].sort((a, b) => a.day - b.day),
    uniques: totals.rows.map((row) => ({ scope: row.scope as UniqueCount["scope"], item: row.item, uv: Number(row.n) })),
  };
}
