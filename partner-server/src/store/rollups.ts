/**
 * The SQL that rolls stored events up, for the migration that backfills rollups from the
 * events stored before them (`0003_rollups`). Ingest counts in the store (`sql/event-statements.ts`,
 * `counterStatements`): it already holds the events and what they won, and one upsert per
 * table costs less than these grouped reads. `test/store/migrations.test.ts` holds the two to
 * the same answers. Every counter is an upsert that adds.
 *
 * Plain SQL that SQLite and PostgreSQL both run; `power` exists in both, and
 * `DOUBLE PRECISION` is a REAL in SQLite.
 */

import { sql, type RawBuilder } from "kysely";
import { DAY_MS, EVENT_WEIGHTS, HALF_LIFE_MS, HOUR_MS } from "../domain/counting.js";

/** The two grains of every counter. */
export type Grain = "hour" | "day";

const unit = (grain: Grain) => sql.lit(grain === "hour" ? HOUR_MS : DAY_MS);
const table = (prefix: "rollup" | "uniques", grain: Grain) => sql.table(`${prefix}_${grain}s`);

/**
 * The hot-list weight of one credited event, decayed to the start of its hour (the same value
 * as `hourlyWeight` in `domain/counting.ts`).
 */
const weight = sql`CASE WHEN quality = 'credited' THEN (CASE WHEN type = 'click' THEN ${sql.lit(EVENT_WEIGHTS.click)} ELSE ${sql.lit(EVENT_WEIGHTS.impression)} END) * power(2, CAST(at % ${sql.lit(HOUR_MS)} AS DOUBLE PRECISION) / ${sql.lit(HALF_LIFE_MS)}) ELSE 0 END`;

/** Adds the events matching `where` to the per-card counters of `grain`. */
export function rollupEvents(grain: Grain, where: RawBuilder<unknown>): RawBuilder<unknown> {
  const bucket = sql`at / ${unit(grain)}`;
  const score = grain === "hour" ? sql`, score` : sql``;
  const scoreSum = grain === "hour" ? sql`, SUM(${weight})` : sql``;
  const scoreAdd = grain === "hour" ? sql`, score = ${table("rollup", grain)}.score + excluded.score` : sql``;
  return sql`INSERT INTO ${table("rollup", grain)} (card_id, ${sql.ref(grain)}, surface, slot, quality, brand_id, partner_id, impressions, clicks${score})
SELECT card_id, ${bucket}, surface, slot, quality, MIN(brand_id), MIN(partner_id),
  SUM(CASE WHEN type = 'impression' THEN 1 ELSE 0 END), SUM(CASE WHEN type = 'click' THEN 1 ELSE 0 END)${scoreSum}
FROM events WHERE ${where}
GROUP BY card_id, ${bucket}, surface, slot, quality
ON CONFLICT (card_id, ${sql.ref(grain)}, surface, slot, quality) DO UPDATE SET
  impressions = ${table("rollup", grain)}.impressions + excluded.impressions,
  clicks = ${table("rollup", grain)}.clicks + excluded.clicks${scoreAdd}`;
}

/**
 * Adds the visits won by the events matching `where` to the unique-visitor counters of
 * `grain`: the brand's (its `credits`), its surfaces' and its cards' (`visits`).
 */
export function countUniques(grain: Grain, where: RawBuilder<unknown>): RawBuilder<unknown> {
  const bucket = sql`first_at / ${unit(grain)}`;
  return sql`INSERT INTO ${table("uniques", grain)} (brand_id, ${sql.ref(grain)}, scope, item, n)
SELECT brand_id, ${bucket}, scope, item, COUNT(*) FROM (
  SELECT e.brand_id, 'brand' AS scope, '' AS item, e.at AS first_at FROM events e
    JOIN credits c ON c.brand_id = e.brand_id AND c.day = e.day AND c.viewer = e.viewer AND c.event_id = e.id
    WHERE ${where}
  UNION ALL
  SELECT e.brand_id, v.scope, v.item, e.at FROM events e
    JOIN visits v ON v.brand_id = e.brand_id AND v.day = e.day AND v.viewer = e.viewer AND v.event_id = e.id
    WHERE ${where}
) won WHERE true
GROUP BY brand_id, ${bucket}, scope, item
ON CONFLICT (brand_id, ${sql.ref(grain)}, scope, item) DO UPDATE SET n = ${table("uniques", grain)}.n + excluded.n`;
}

/** Adds the credits and debits won by the events matching `where` to their brands' ledgers. */
export function addToLedgers(where: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`INSERT INTO ledgers (brand_id, uv, pv_delivered)
SELECT brand_id, SUM(uv), SUM(pv) FROM (
  SELECT e.brand_id, 1 AS uv, 0 AS pv FROM events e
    JOIN credits c ON c.brand_id = e.brand_id AND c.day = e.day AND c.viewer = e.viewer AND c.event_id = e.id
    WHERE ${where}
  UNION ALL
  SELECT e.brand_id, 0, 1 FROM events e
    JOIN debits d ON d.placement = e.placement AND d.viewer = e.viewer AND d.event_id = e.id
    WHERE ${where}
) won WHERE true
GROUP BY brand_id
ON CONFLICT (brand_id) DO UPDATE SET uv = ledgers.uv + excluded.uv, pv_delivered = ledgers.pv_delivered + excluded.pv_delivered`;
}
