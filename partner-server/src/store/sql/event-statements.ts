/**
 * The statements of an event transaction (see `events.ts`): step one stores the events and
 * claims what they earn; step two adds what the stored events count to the counter tables.
 */

import { CompiledQuery, sql, type Insertable, type Kysely } from "kysely";
import type { StoredEvent } from "../../domain/model.js";
import { dayOf, hourOf, hourlyWeight } from "../../domain/counting.js";
import type { Database } from "../schema.js";
import { chunks, ladderChunks } from "./context.js";

/** Rows per statement on PostgreSQL: 15 columns each stays under its 65,535 bound parameters. */
const ROWS_PER_STATEMENT = 1000;
/** The columns `eventInsert` binds, in its order. */
const EVENT_COLUMNS = ["id", "type", "card_id", "brand_id", "partner_id", "surface", "slot", "quality", "visitor", "viewer", "placement", "at", "dedup_key", "ingest_batch", "day"] as const;

/** The key of a rollup row at a grain: the card, the hour or day, and what the events were. */
const ROLLUP_KEY = <G extends "hour" | "day">(grain: G) => ["card_id", grain, "surface", "slot", "quality"] as const;

/** A credited click: it may make its viewer a unique visitor of the day. */
const earnsVisit = (event: StoredEvent) => event.type === "click" && event.quality === "credited" && event.viewer !== undefined;
/** A credited trending impression with a valid placement: it may debit the brand. */
const claimsDebit = (event: StoredEvent) =>
  event.type === "impression" && event.slot === "trending" && event.quality === "credited" && event.viewer !== undefined && event.placement !== undefined;

/** A claim an event won: a unique visit (`brand`, `card`, `surface`) or a debit. */
export interface WonClaim {
  event: StoredEvent;
  scope: string;
  item: string;
}

/** The statement builders of an event transaction. */
export interface EventStatements {
  claimStatements(events: readonly StoredEvent[], batch: number): { stored: CompiledQuery[]; claims: CompiledQuery[] };
  counterStatements(stored: readonly StoredEvent[], won: readonly WonClaim[]): CompiledQuery[];
}

/** The builders over `db`, with `kind`'s parameter placeholders. */
export function createEventStatements(db: Kysely<Database>, kind: "sqlite" | "postgres"): EventStatements {
  /** `INSERT INTO events` texts by row count: the one statement that grows with traffic is built as text, not as a query tree. */
  const eventInserts = new Map<number, string>();
  const placeholder = kind === "postgres" ? (n: number) => `$${n}` : () => "?";
  /**
   * How rows are cut into multi-row statements. SQLite: by a fixed ladder of lengths, so a few
   * texts, each prepared once on the SQLite thread, serve every batch (`ladderChunks`; at most
   * 1,024 rows of 15 columns stays under its 32,766 bound parameters). PostgreSQL runs each
   * statement as a round trip and prepares nothing by text: as few statements as it takes.
   */
  const cut = kind === "sqlite" ? ladderChunks : <T>(rows: readonly T[]) => chunks(rows, ROWS_PER_STATEMENT);

  /** Counter upsert texts by table and row count (see `upsert`). */
  const upserts = new Map<string, string>();

  /**
   * Adds `rows` to a counter table: multi-row upserts (cut by `cut`), which set `keys`,
   * `others` and `sums`, and adds up the `sums` on a key already there. Built as text and kept per row count, like the events
   * INSERT, so a batch builds no query tree and the SQLite thread finds the text it prepared.
   */
  function upsert<Row extends object>(table: keyof Database & string, keys: readonly (keyof Row & string)[], others: readonly (keyof Row & string)[], sums: readonly (keyof Row & string)[], rows: ReadonlyMap<string, Row>): CompiledQuery[] {
    const columns = [...keys, ...others, ...sums];
    return cut([...rows.values()]).map((chunk) => {
      const cacheKey = `${table}|${chunk.length}`;
      let text = upserts.get(cacheKey);
      if (text === undefined) {
        const values: string[] = [];
        for (let row = 0, n = 1; row < chunk.length; row++) values.push(`(${columns.map(() => placeholder(n++)).join(", ")})`);
        const set = sums.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(", ");
        text = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values.join(", ")} ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${set}`;
        if (upserts.size < 256) upserts.set(cacheKey, text);
      }
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of columns) parameters.push(row[column]);
      return CompiledQuery.raw(text, parameters);
    });
  }

  /** Stores `chunk` (skipping a seen `dedup_key` or id) and answers the ids stored. */
  function eventInsert(chunk: readonly StoredEvent[], batch: number): CompiledQuery {
    let text = eventInserts.get(chunk.length);
    if (text === undefined) {
      const rows: string[] = [];
      for (let row = 0, n = 1; row < chunk.length; row++) {
        const values: string[] = [];
        for (let column = 0; column < EVENT_COLUMNS.length; column++) values.push(placeholder(n++));
        rows.push(`(${values.join(", ")})`);
      }
      text = `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) VALUES ${rows.join(", ")} ON CONFLICT DO NOTHING RETURNING id`;
      if (eventInserts.size < 64) eventInserts.set(chunk.length, text);
    }
    const parameters: unknown[] = [];
    for (const event of chunk) {
      parameters.push(
        event.id, event.type, event.cardId, event.brandId, event.partnerId, event.surface, event.slot, event.quality, event.visitor,
        event.viewer ?? null, event.placement ?? null, event.at, event.dedupKey ?? null, batch, dayOf(event.at),
      );
    }
    return CompiledQuery.raw(text, parameters);
  }

  /**
   * The first step of an event transaction: the statements that store the events and claim
   * what they earn, for every write of the batch at once. Every claim reads back only rows this
   * transaction stored (`ingest_batch`), so a duplicate or a replayed event earns nothing twice:
   * 1. the events (skipping a seen `dedup_key` or id), answering the ids stored;
   * 2. credited clicks' unique visits: one per brand, UTC day and viewer (`credits`), and one per
   *    surface and per card (`visits`), answering the winners (the earliest click wins);
   * 3. trending impressions' debits, one per placement and viewer, answering the winners;
   * 4. the trending impressions that lost their claim are stored as organic.
   */
  function claimStatements(events: readonly StoredEvent[], batch: number) {
    const stored = cut(events).map((chunk) => eventInsert(chunk, batch));
    const mine = (ids: readonly string[]) => sql`id IN (${sql.join(ids)}) AND ingest_batch = ${batch}`;
    const claims: CompiledQuery[] = [];
    for (const ids of cut(events.filter(earnsVisit).map((event) => event.id))) {
      claims.push(
        sql`INSERT INTO credits (brand_id, day, viewer, event_id, card_id, partner_id, surface, at)
          SELECT brand_id, day, viewer, id, card_id, partner_id, surface, at FROM events WHERE ${mine(ids)} ORDER BY at, id
          ON CONFLICT DO NOTHING RETURNING event_id, 'brand' AS scope, '' AS item`.compile(db),
        sql`INSERT INTO visits (brand_id, day, viewer, scope, item, event_id)
          SELECT brand_id, day, viewer, 'card', card_id, id AS event_id FROM events WHERE ${mine(ids)}
          UNION ALL
          SELECT brand_id, day, viewer, 'surface', surface, id FROM events WHERE ${mine(ids)}
          ORDER BY event_id
          ON CONFLICT DO NOTHING RETURNING event_id, scope, item`.compile(db),
      );
    }
    for (const ids of cut(events.filter(claimsDebit).map((event) => event.id))) {
      claims.push(
        sql`INSERT INTO debits (placement, viewer, event_id, brand_id, at)
          SELECT placement, viewer, id, brand_id, at FROM events WHERE ${mine(ids)} ORDER BY at, id
          ON CONFLICT DO NOTHING RETURNING event_id, 'debit' AS scope, '' AS item`.compile(db),
        db
          .updateTable("events")
          .set({ slot: "organic" })
          .where(sql<boolean>`${mine(ids)}`)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("debits")
                  .select(sql.lit(1).as("one"))
                  .whereRef("debits.placement", "=", "events.placement")
                  .whereRef("debits.viewer", "=", "events.viewer")
                  .whereRef("debits.event_id", "=", "events.id"),
              ),
            ),
          )
          .compile(),
      );
    }
    return { stored, claims };
  }

  /**
   * The second step: what the stored events count, added up here and written as one upsert
   * per counter table (hourly and daily rollups, unique visitors, ledgers).
   */
  function counterStatements(stored: readonly StoredEvent[], won: readonly WonClaim[]): CompiledQuery[] {
    const hours = new Map<string, Insertable<Database["rollup_hours"]>>();
    const days = new Map<string, Insertable<Database["rollup_days"]>>();
    for (const event of stored) {
      const [hour, day] = [hourOf(event.at), dayOf(event.at)];
      const cell = { card_id: event.cardId, surface: event.surface, slot: event.slot, quality: event.quality, brand_id: event.brandId, partner_id: event.partnerId };
      const click = event.type === "click" ? 1 : 0;
      const hourKey = `${event.cardId}|${hour}|${event.surface}|${event.slot}|${event.quality}`;
      const hourRow = hours.get(hourKey) ?? { ...cell, hour, impressions: 0, clicks: 0, score: 0 };
      hours.set(hourKey, hourRow);
      hourRow.impressions = Number(hourRow.impressions) + 1 - click;
      hourRow.clicks = Number(hourRow.clicks) + click;
      if (event.quality === "credited") hourRow.score = Number(hourRow.score) + hourlyWeight(event.type, event.at);
      const dayKey = `${event.cardId}|${day}|${event.surface}|${event.slot}|${event.quality}`;
      const dayRow = days.get(dayKey) ?? { ...cell, day, impressions: 0, clicks: 0 };
      days.set(dayKey, dayRow);
      dayRow.impressions = Number(dayRow.impressions) + 1 - click;
      dayRow.clicks = Number(dayRow.clicks) + click;
    }
    // Without the card, for long ranges; and each card's change per day, for its running totals.
    const brandDays = new Map<string, Insertable<Database["brand_days"]>>();
    const cardDays = new Map<string, { card: string; day: number; brand: string; impressions: number; clicks: number; trending: number; uv: number }>();
    const cardDay = (event: StoredEvent) => {
      const day = dayOf(event.at);
      const key = `${event.cardId}|${day}`;
      const entry = cardDays.get(key) ?? { card: event.cardId, day, brand: event.brandId, impressions: 0, clicks: 0, trending: 0, uv: 0 };
      cardDays.set(key, entry);
      return entry;
    };
    for (const event of stored) {
      const day = dayOf(event.at);
      const key = `${event.brandId}|${day}|${event.surface}|${event.slot}|${event.quality}`;
      const row = brandDays.get(key) ?? { brand_id: event.brandId, day, surface: event.surface, slot: event.slot, quality: event.quality, impressions: 0, clicks: 0 };
      brandDays.set(key, row);
      const entry = cardDay(event);
      if (event.type === "click") {
        row.clicks = Number(row.clicks) + 1;
        entry.clicks++;
      } else {
        row.impressions = Number(row.impressions) + 1;
        entry.impressions++;
        if (event.slot === "trending") entry.trending++;
      }
    }
    for (const { event, scope } of won) if (scope === "card") cardDay(event).uv++;
    const uniqueHours = new Map<string, Insertable<Database["uniques_hours"]>>();
    const uniqueDays = new Map<string, Insertable<Database["uniques_days"]>>();
    const ledgers = new Map<string, { brand_id: string; uv: number; pv_delivered: number }>();
    for (const { event, scope, item } of won) {
      const ledger = ledgers.get(event.brandId) ?? { brand_id: event.brandId, uv: 0, pv_delivered: 0 };
      ledgers.set(event.brandId, ledger);
      if (scope === "debit") {
        ledger.pv_delivered++;
        continue;
      }
      if (scope === "brand") ledger.uv++;
      const [hour, day] = [hourOf(event.at), dayOf(event.at)];
      const hourRow = uniqueHours.get(`${event.brandId}|${hour}|${scope}|${item}`) ?? { brand_id: event.brandId, hour, scope, item, n: 0 };
      uniqueHours.set(`${event.brandId}|${hour}|${scope}|${item}`, hourRow);
      hourRow.n = Number(hourRow.n) + 1;
      const dayRow = uniqueDays.get(`${event.brandId}|${day}|${scope}|${item}`) ?? { brand_id: event.brandId, day, scope, item, n: 0 };
      uniqueDays.set(`${event.brandId}|${day}|${scope}|${item}`, dayRow);
      dayRow.n = Number(dayRow.n) + 1;
    }
    const statements: CompiledQuery[] = [];
    statements.push(
      ...upsert("rollup_hours", ROLLUP_KEY("hour"), ["brand_id", "partner_id"], ["impressions", "clicks", "score"], hours),
      ...upsert("rollup_days", ROLLUP_KEY("day"), ["brand_id", "partner_id"], ["impressions", "clicks"], days),
      ...upsert("uniques_hours", ["brand_id", "hour", "scope", "item"], [], ["n"], uniqueHours),
      ...upsert("uniques_days", ["brand_id", "day", "scope", "item"], [], ["n"], uniqueDays),
      ...upsert("brand_days", ["brand_id", "day", "surface", "slot", "quality"], [], ["impressions", "clicks"], brandDays),
    );
    for (const rows of cut([...cardDays.values()])) {
      // A day's row starts from the card's totals of its last earlier day; then every row from
      // each changed day on (at most yesterday's and today's) adds that day's change.
      const bigint = (value: number) => sql`CAST(${value} AS BIGINT)`;
      statements.push(
        sql`WITH d(card_id, day, brand_id) AS (VALUES ${sql.join(rows.map((row) => sql`(${row.card}, CAST(${row.day} AS INTEGER), ${row.brand})`))})
          INSERT INTO card_totals (card_id, day, brand_id, impressions, clicks, trending, uv)
          SELECT d.card_id, d.day, d.brand_id, COALESCE(p.impressions, 0), COALESCE(p.clicks, 0), COALESCE(p.trending, 0), COALESCE(p.uv, 0)
          FROM d LEFT JOIN card_totals p ON p.card_id = d.card_id AND p.day = (SELECT MAX(q.day) FROM card_totals q WHERE q.card_id = d.card_id AND q.day < d.day)
          WHERE true ON CONFLICT DO NOTHING`.compile(db),
        sql`WITH d(card_id, day, impressions, clicks, trending, uv) AS (VALUES ${sql.join(
          rows.map((row) => sql`(${row.card}, CAST(${row.day} AS INTEGER), ${bigint(row.impressions)}, ${bigint(row.clicks)}, ${bigint(row.trending)}, ${bigint(row.uv)})`),
        )})
          UPDATE card_totals SET
            impressions = impressions + COALESCE((SELECT SUM(d.impressions) FROM d WHERE d.card_id = card_totals.card_id AND d.day <= card_totals.day), 0),
            clicks = clicks + COALESCE((SELECT SUM(d.clicks) FROM d WHERE d.card_id = card_totals.card_id AND d.day <= card_totals.day), 0),
            trending = trending + COALESCE((SELECT SUM(d.trending) FROM d WHERE d.card_id = card_totals.card_id AND d.day <= card_totals.day), 0),
            uv = uv + COALESCE((SELECT SUM(d.uv) FROM d WHERE d.card_id = card_totals.card_id AND d.day <= card_totals.day), 0)
          WHERE card_id IN (SELECT card_id FROM d) AND day >= (SELECT MIN(day) FROM d)`.compile(db),
      );
    }
    statements.push(...upsert("ledgers", ["brand_id"], [], ["uv", "pv_delivered"], ledgers));
    return statements;
  }

  return { claimStatements, counterStatements };
}
