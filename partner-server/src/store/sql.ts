/**
 * The SQL store: one implementation over Kysely for SQLite and PostgreSQL. The two differ
 * only in how they are opened (`sqlite.ts`, `postgres.ts`); every query here is written
 * once and runs on both.
 *
 * This file is long because it is the whole persistence contract in one place, one short
 * method per operation, grouped by repository as `store.ts` declares them.
 */

import { randomInt } from "node:crypto";
import { CompiledQuery, Migrator, sql, type Insertable, type Kysely, type QueryResult, type RawBuilder, type Selectable } from "kysely";
import type { Card, CardKind, Surface } from "@minicard/sdk";
import type {
  Brand,
  BrandKey,
  Category,
  EventQuality,
  EventSlot,
  EventType,
  IdempotencyCompletion,
  IngestOutcome,
  Partner,
  PartnerKey,
  SigningKeyState,
  StoredCard,
  StoredEvent,
  StoredSigningKey,
} from "../domain/model.js";
import type { Rollout } from "../domain/rollout.js";
import { createBatcher } from "./batch.js";
import { migrationProvider, type Database } from "./schema.js";
import { DAY_MS, HALF_LIFE_MS, HOUR_MS, TRENDING_WINDOW_MS, dayOf, hourOf, hourlyWeight } from "../domain/counting.js";
import { ConflictError, IDEMPOTENCY_TTL_MS, StoreUnavailableError, type BrandCounts, type CardCount, type DayCount, type Store, type UniqueCount } from "./store.js";

/** Options of {@link createSqlStore}. */
export interface SqlStoreOptions {
  kind: "sqlite" | "postgres";
  db: Kysely<Database>;
  /** True when `error` means the database is unreachable (connection refused, shutting down…). */
  isUnavailable: (error: unknown) => boolean;
  /** True when `error` is a unique-constraint violation. */
  isConflict: (error: unknown) => boolean;
  /**
   * Runs compiled queries as one transaction in one round trip, when the driver can (the
   * SQLite thread); group-commit batches use it instead of a Kysely transaction.
   */
  transact?: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>;
  /**
   * An interactive transaction whose steps each run several queries in one round trip, when
   * the driver can (the SQLite thread); event batches use it.
   */
  transaction?: <T>(work: (run: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>) => Promise<T>) => Promise<T>;
  /** Runs after `close()` has destroyed the Kysely instance. */
  onClose?: () => Promise<void> | void;
  /**
   * PostgreSQL: `events` is partitioned by day. The store creates a day's partition before
   * the first insert into it, and retention drops whole partitions.
   */
  partitionedEvents?: boolean;
}

const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: string): T => JSON.parse(text) as T;
const num = (value: number | string) => Number(value);
const optNum = (value: number | string | null) => (value === null ? undefined : Number(value));

function toPartner(row: Selectable<Database["partners"]>): Partner {
  return {
    id: row.id,
    name: row.name,
    origins: parse(row.origins),
    surfaces: parse(row.surfaces),
    limits: row.limits === null ? undefined : parse(row.limits),
    requireSharerPass: Boolean(row.require_sharer_pass),
    createdAt: num(row.created_at),
  };
}

function toBrand(row: Selectable<Database["brands"]>): Brand {
  return {
    id: row.id,
    name: row.name,
    category: row.category as Category,
    apps: parse(row.apps),
    surfaces: parse(row.surfaces),
    status: row.status === "suspended" ? "suspended" : "active",
    invited: Boolean(row.invited),
    whitelisted: Boolean(row.whitelisted),
    logo: row.logo ?? undefined,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function toCard(row: Selectable<Database["cards"]>): StoredCard {
  return {
    id: row.id,
    brandId: row.brand_id,
    partnerId: row.partner_id,
    surface: row.surface as Surface,
    kind: row.kind as CardKind,
    sharer: row.sharer ?? undefined,
    card: parse<Card>(row.card),
    token: row.token,
    kid: row.kid,
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    revokedAt: optNum(row.revoked_at),
  };
}

function toSigningKey(row: Selectable<Database["signing_keys"]>): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg === "EdDSA" ? "EdDSA" : "ES256",
    publicJwk: parse(row.public_jwk),
    privateKey: row.private_key,
    state: row.state as SigningKeyState,
    createdAt: num(row.created_at),
    publishedUntil: optNum(row.published_until),
  };
}

function cardRow(card: StoredCard): Database["cards"] {
  return {
    id: card.id,
    brand_id: card.brandId,
    partner_id: card.partnerId,
    surface: card.surface,
    kind: card.kind,
    sharer: card.sharer ?? null,
    card: json(card.card),
    token: card.token,
    kid: card.kid,
    issued_at: card.issuedAt,
    expires_at: card.expiresAt,
    revoked_at: card.revokedAt ?? null,
  };
}

function toEvent(row: Selectable<Database["events"]>): StoredEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    cardId: row.card_id,
    brandId: row.brand_id,
    partnerId: row.partner_id,
    surface: row.surface as Surface,
    slot: row.slot as EventSlot,
    quality: row.quality as EventQuality,
    visitor: row.visitor,
    viewer: row.viewer ?? undefined,
    placement: row.placement ?? undefined,
    at: num(row.at),
    dedupKey: row.dedup_key ?? undefined,
  };
}

/** Events per insert statement: 15 columns each stays under SQLite's 32,766 bound parameters. */
const EVENTS_PER_STATEMENT = 1000;
/** The columns `eventInsert` binds, in its order. */
const EVENT_COLUMNS = ["id", "type", "card_id", "brand_id", "partner_id", "surface", "slot", "quality", "visitor", "viewer", "placement", "at", "dedup_key", "ingest_batch", "day"] as const;
const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** A credited click: it may make its viewer a unique visitor of the day. */
const earnsVisit = (event: StoredEvent) => event.type === "click" && event.quality === "credited" && event.viewer !== undefined;
/** A credited trending impression with a valid placement: it may debit the brand. */
const claimsDebit = (event: StoredEvent) =>
  event.type === "impression" && event.slot === "trending" && event.quality === "credited" && event.viewer !== undefined && event.placement !== undefined;

interface CardWrite {
  card: StoredCard;
  idempotency: IdempotencyCompletion | undefined;
}

/** Creates the store over an opened Kysely instance. */
export function createSqlStore(options: SqlStoreOptions): Store {
  const { db } = options;

  /** Maps driver errors to the store's own: unreachable → StoreUnavailableError, duplicate → ConflictError. */
  async function guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (options.isConflict(error)) throw new ConflictError("a record with this id exists", { cause: error });
      if (options.isUnavailable(error)) throw new StoreUnavailableError("the database is unavailable", { cause: error });
      throw error;
    }
  }

  /** The statements of one batch of card writes: the cards, then their idempotency keys. */
  const cardStatements = (writes: CardWrite[]) => [
    db.insertInto("cards").values(writes.map((write) => cardRow(write.card))),
    ...writes.flatMap(({ idempotency }) =>
      idempotency
        ? [
            db
              .updateTable("idempotency_keys")
              .set({ state: "done", response: json(idempotency.response) })
              .where("brand_id", "=", idempotency.brandId)
              .where("key", "=", idempotency.key),
          ]
        : [],
    ),
  ];

  const { transact } = options;
  const writeCards = createBatcher<CardWrite>((writes) =>
    guard(async () => {
      const statements = cardStatements(writes);
      if (transact) await transact(statements.map((statement) => statement.compile()));
      else await db.transaction().execute(async (trx) => {
        for (const statement of statements) await trx.executeQuery(statement.compile());
      });
    }),
  );

  let assertionUses = 0;

  /**
   * A brand's counts in `[from, to)`. Whole days come from tables without the card dimension
   * (`brand_days`, the daily unique counters) and from two rows of running totals per card
   * (`card_totals`); the hours at either edge from the hourly rollups. So the cost follows the
   * brand's cards and the range's days, never their product, nor the number of events.
   */
  async function brandCounts(brandId: string, from: number, to: number): Promise<BrandCounts> {
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

  /** Days whose `events` partition is known to exist (PostgreSQL). */
  const partitions = new Set<number>();
  /**
   * Creates the daily partitions a batch will write into, before its transaction. Another
   * instance may create one at the same moment, and a day whose rows already went to the
   * default partition cannot get its own: both are fine, the rows land in one or the other.
   */
  async function ensurePartitions(writes: readonly EventWrite[]): Promise<void> {
    if (!options.partitionedEvents) return;
    const days = new Set(writes.flatMap((write) => write.events.map((event) => dayOf(event.at))));
    for (const day of days) {
      if (partitions.has(day)) continue;
      try {
        await sql`CREATE TABLE IF NOT EXISTS ${sql.table(`events_d${day}`)} PARTITION OF events FOR VALUES FROM (${sql.lit(day)}) TO (${sql.lit(day + 1)})`.execute(db);
      } catch (error) {
        if (options.isUnavailable(error)) throw error;
      }
      partitions.add(day);
    }
  }

  interface EventWrite {
    events: readonly StoredEvent[];
    outcomes: IngestOutcome[];
  }

  /** `INSERT INTO events` texts by row count: the one statement that grows with traffic is built as text, not as a query tree. */
  const eventInserts = new Map<number, string>();
  const placeholder = options.kind === "postgres" ? (n: number) => `$${n}` : () => "?";

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
    const stored = chunks(events, EVENTS_PER_STATEMENT).map((chunk) => eventInsert(chunk, batch));
    const mine = (ids: readonly string[]) => sql`id IN (${sql.join(ids)}) AND ingest_batch = ${batch}`;
    const claims: CompiledQuery[] = [];
    for (const ids of chunks(events.filter(earnsVisit).map((event) => event.id), EVENTS_PER_STATEMENT)) {
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
    for (const ids of chunks(events.filter(claimsDebit).map((event) => event.id), EVENTS_PER_STATEMENT)) {
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
  function counterStatements(stored: readonly StoredEvent[], won: ReadonlyArray<{ event: StoredEvent; scope: string; item: string }>): CompiledQuery[] {
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
    const add = <T extends "rollup_hours" | "rollup_days" | "uniques_hours" | "uniques_days" | "ledgers" | "brand_days">(table: T, column: string) =>
      sql<number>`${sql.ref(`${table}.${column}`)} + ${sql.ref(`excluded.${column}`)}`;
    const statements: CompiledQuery[] = [];
    for (const rows of chunks([...hours.values()], 1000)) {
      statements.push(
        db.insertInto("rollup_hours").values(rows)
          .onConflict((c) => c.columns(["card_id", "hour", "surface", "slot", "quality"]).doUpdateSet({ impressions: add("rollup_hours", "impressions"), clicks: add("rollup_hours", "clicks"), score: add("rollup_hours", "score") }))
          .compile(),
      );
    }
    for (const rows of chunks([...days.values()], 1000)) {
      statements.push(
        db.insertInto("rollup_days").values(rows)
          .onConflict((c) => c.columns(["card_id", "day", "surface", "slot", "quality"]).doUpdateSet({ impressions: add("rollup_days", "impressions"), clicks: add("rollup_days", "clicks") }))
          .compile(),
      );
    }
    for (const rows of chunks([...uniqueHours.values()], 1000)) {
      statements.push(db.insertInto("uniques_hours").values(rows).onConflict((c) => c.columns(["brand_id", "hour", "scope", "item"]).doUpdateSet({ n: add("uniques_hours", "n") })).compile());
    }
    for (const rows of chunks([...uniqueDays.values()], 1000)) {
      statements.push(db.insertInto("uniques_days").values(rows).onConflict((c) => c.columns(["brand_id", "day", "scope", "item"]).doUpdateSet({ n: add("uniques_days", "n") })).compile());
    }
    for (const rows of chunks([...brandDays.values()], 1000)) {
      statements.push(
        db.insertInto("brand_days").values(rows)
          .onConflict((c) => c.columns(["brand_id", "day", "surface", "slot", "quality"]).doUpdateSet({ impressions: add("brand_days", "impressions"), clicks: add("brand_days", "clicks") }))
          .compile(),
      );
    }
    for (const rows of chunks([...cardDays.values()], 1000)) {
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
    if (ledgers.size > 0) {
      statements.push(
        db.insertInto("ledgers").values([...ledgers.values()])
          .onConflict((c) => c.column("brand_id").doUpdateSet({ uv: add("ledgers", "uv"), pv_delivered: add("ledgers", "pv_delivered") }))
          .compile(),
      );
    }
    return statements;
  }

  /** Runs an event transaction: step one's statements, then what `next` makes of their answers. */
  function eventTransaction<T>(first: CompiledQuery[], next: (answers: QueryResult<unknown>[]) => { statements: CompiledQuery[]; value: T }): Promise<T> {
    if (options.transaction) {
      return options.transaction(async (run) => {
        const { statements, value } = next(await run(first));
        await run(statements);
        return value;
      });
    }
    return db.transaction().execute(async (trx) => {
      const answers: QueryResult<unknown>[] = [];
      for (const statement of first) answers.push(await trx.executeQuery(statement));
      const { statements, value } = next(answers);
      for (const statement of statements) await trx.executeQuery(statement);
      return value;
    });
  }

  const writeEvents = createBatcher<EventWrite>((writes) =>
    guard(async () => {
      const batch = writes.filter((write) => write.events.length > 0);
      if (batch.length === 0) return;
      await ensurePartitions(batch);
      // Unique per transaction: rows of earlier transactions never match it (2^48 values).
      const ingestBatch = randomInt(1, 2 ** 48 - 1);
      const events = batch.flatMap((write) => write.events);
      const { stored, claims } = claimStatements(events, ingestBatch);
      await eventTransaction([...stored, ...claims], (answers) => {
        const rows = (answer: QueryResult<unknown>) => answer.rows as Array<{ id?: string; event_id?: string; scope?: string; item?: string }>;
        const storedIds = new Set(answers.slice(0, stored.length).flatMap((answer) => rows(answer).map((row) => row.id!)));
        const won = answers.slice(stored.length).flatMap(rows).filter((row) => row.event_id !== undefined);
        const wonBy = (scope: string) => new Set(won.filter((row) => row.scope === scope).map((row) => row.event_id!));
        const [visits, debits] = [wonBy("brand"), wonBy("debit")];
        // Each stored row is counted once, for the first write that carried its id.
        const counted: StoredEvent[] = [];
        const byId = new Map<string, StoredEvent>();
        for (const write of batch) {
          write.outcomes.length = 0;
          for (const event of write.events) {
            const isNew = storedIds.delete(event.id);
            const slot: EventSlot = event.slot === "trending" && debits.has(event.id) ? "trending" : "organic";
            write.outcomes.push({ id: event.id, duplicate: !isNew, uv: isNew && visits.has(event.id), slot: isNew ? slot : "organic" });
            if (!isNew) continue;
            const final = slot === event.slot ? event : { ...event, slot };
            counted.push(final);
            byId.set(event.id, final);
          }
        }
        const claimed = won.flatMap((row) => (byId.has(row.event_id!) ? [{ event: byId.get(row.event_id!)!, scope: row.scope!, item: row.item! }] : []));
        return { statements: counterStatements(counted, claimed), value: undefined };
      });
    }),
  );

  return {
    kind: options.kind,

    partners: {
      create: (partner) =>
        guard(async () => {
          await db
            .insertInto("partners")
            .values({
              id: partner.id,
              name: partner.name,
              origins: json(partner.origins),
              surfaces: json(partner.surfaces),
              limits: partner.limits === undefined ? null : json(partner.limits),
              require_sharer_pass: partner.requireSharerPass ? 1 : 0,
              created_at: partner.createdAt,
            })
            .execute();
        }),
      get: (id) =>
        guard(async () => {
          const row = await db.selectFrom("partners").selectAll().where("id", "=", id).executeTakeFirst();
          return row && toPartner(row);
        }),
      list: () => guard(async () => (await db.selectFrom("partners").selectAll().orderBy("id").execute()).map(toPartner)),
      update: (id, patch) =>
        guard(async () => {
          const set: Partial<Database["partners"]> = {};
          if (patch.name !== undefined) set.name = patch.name;
          if (patch.origins !== undefined) set.origins = json(patch.origins);
          if (patch.surfaces !== undefined) set.surfaces = json(patch.surfaces);
          if ("limits" in patch) set.limits = patch.limits === undefined ? null : json(patch.limits);
          if (patch.requireSharerPass !== undefined) set.require_sharer_pass = patch.requireSharerPass ? 1 : 0;
          if (Object.keys(set).length > 0) await db.updateTable("partners").set(set).where("id", "=", id).execute();
          const row = await db.selectFrom("partners").selectAll().where("id", "=", id).executeTakeFirst();
          return row && toPartner(row);
        }),
      putKey: (key) =>
        guard(async () => {
          await db
            .insertInto("partner_keys")
            .values({ partner_id: key.partnerId, kid: key.kid, jwk: json(key.jwk), created_at: key.createdAt })
            .onConflict((conflict) => conflict.columns(["partner_id", "kid"]).doUpdateSet({ jwk: json(key.jwk) }))
            .execute();
        }),
      keys: (partnerId) =>
        guard(async () => {
          const rows = await db.selectFrom("partner_keys").selectAll().where("partner_id", "=", partnerId).orderBy("created_at").execute();
          return rows.map((row): PartnerKey => ({ partnerId: row.partner_id, kid: row.kid, jwk: parse(row.jwk), createdAt: num(row.created_at) }));
        }),
      removeKey: (partnerId, kid) =>
        guard(async () => {
          const result = await db.deleteFrom("partner_keys").where("partner_id", "=", partnerId).where("kid", "=", kid).executeTakeFirst();
          return Number(result.numDeletedRows) > 0;
        }),
    },

    secrets: {
      get: (name, create, now) =>
        guard(async () => {
          const existing = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirst();
          if (existing) return existing.value;
          // Several instances may race here: the first insert wins and everyone reads it back.
          await db
            .insertInto("server_secrets")
            .values({ name, value: create(), created_at: now })
            .onConflict((conflict) => conflict.column("name").doNothing())
            .execute();
          const row = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
          return row.value;
        }),
    },

    sharers: {
      put: (partnerId, sharer, now) =>
        guard(async () => {
          await db
            .insertInto("sharers")
            .values({ partner_id: partnerId, sharer, created_at: now })
            .onConflict((conflict) => conflict.columns(["partner_id", "sharer"]).doNothing())
            .execute();
        }),
      remove: (partnerId, sharer) =>
        guard(async () => {
          const result = await db
            .deleteFrom("sharers")
            .where("partner_id", "=", partnerId)
            .where("sharer", "=", sharer)
            .executeTakeFirst();
          return Number(result.numDeletedRows) > 0;
        }),
      has: (partnerId, sharer) =>
        guard(async () => {
          const row = await db
            .selectFrom("sharers")
            .select("sharer")
            .where("partner_id", "=", partnerId)
            .where("sharer", "=", sharer)
            .executeTakeFirst();
          return row !== undefined;
        }),
      list: (partnerId) =>
        guard(async () => {
          const rows = await db.selectFrom("sharers").select("sharer").where("partner_id", "=", partnerId).orderBy("sharer").execute();
          return rows.map((row) => row.sharer);
        }),
    },

    brands: {
      create: (brand, apiKeyHash) =>
        guard(async () => {
          await db
            .insertInto("brands")
            .values({
              id: brand.id,
              name: brand.name,
              category: brand.category,
              apps: json(brand.apps),
              surfaces: json(brand.surfaces),
              status: brand.status,
              invited: brand.invited ? 1 : 0,
              whitelisted: brand.whitelisted ? 1 : 0,
              logo: brand.logo ?? null,
              api_key_hash: apiKeyHash,
              created_at: brand.createdAt,
              updated_at: brand.updatedAt,
            })
            .execute();
        }),
      get: (id) =>
        guard(async () => {
          const row = await db.selectFrom("brands").selectAll().where("id", "=", id).executeTakeFirst();
          return row && toBrand(row);
        }),
      getByApiKeyHash: (hash) =>
        guard(async () => {
          const row = await db.selectFrom("brands").selectAll().where("api_key_hash", "=", hash).executeTakeFirst();
          return row && toBrand(row);
        }),
      list: () => guard(async () => (await db.selectFrom("brands").selectAll().orderBy("id").execute()).map(toBrand)),
      update: (id, patch, now) =>
        guard(async () => {
          const set: Partial<Database["brands"]> = { updated_at: now };
          if (patch.name !== undefined) set.name = patch.name;
          if (patch.category !== undefined) set.category = patch.category;
          if (patch.status !== undefined) set.status = patch.status;
          if (patch.apps !== undefined) set.apps = json(patch.apps);
          if (patch.surfaces !== undefined) set.surfaces = json(patch.surfaces);
          if (patch.invited !== undefined) set.invited = patch.invited ? 1 : 0;
          if (patch.whitelisted !== undefined) set.whitelisted = patch.whitelisted ? 1 : 0;
          if ("logo" in patch) set.logo = patch.logo ?? null;
          await db.updateTable("brands").set(set).where("id", "=", id).execute();
          const row = await db.selectFrom("brands").selectAll().where("id", "=", id).executeTakeFirst();
          return row && toBrand(row);
        }),
      setApiKeyHash: (id, hash) =>
        guard(async () => {
          const result = await db.updateTable("brands").set({ api_key_hash: hash }).where("id", "=", id).executeTakeFirst();
          return Number(result.numUpdatedRows) > 0;
        }),
      putKey: (key) =>
        guard(async () => {
          await db
            .insertInto("brand_keys")
            .values({ brand_id: key.brandId, kid: key.kid, jwk: json(key.jwk), created_at: key.createdAt })
            .onConflict((conflict) => conflict.columns(["brand_id", "kid"]).doUpdateSet({ jwk: json(key.jwk) }))
            .execute();
        }),
      keys: (brandId) =>
        guard(async () => {
          const rows = await db.selectFrom("brand_keys").selectAll().where("brand_id", "=", brandId).orderBy("created_at").execute();
          return rows.map((row): BrandKey => ({ brandId: row.brand_id, kid: row.kid, jwk: parse(row.jwk), createdAt: num(row.created_at) }));
        }),
    },

    rollout: {
      get: () =>
        guard(async () => {
          const rows = await db.selectFrom("rollout").selectAll().execute();
          return Object.fromEntries(rows.map((row) => [row.category, row.opens_at])) as Rollout;
        }),
      put: (categories) =>
        guard(async () => {
          await db.transaction().execute(async (trx) => {
            for (const [category, opensAt] of Object.entries(categories)) {
              if (opensAt === null) {
                await trx.deleteFrom("rollout").where("category", "=", category).execute();
              } else {
                await trx
                  .insertInto("rollout")
                  .values({ category, opens_at: opensAt })
                  .onConflict((conflict) => conflict.column("category").doUpdateSet({ opens_at: opensAt }))
                  .execute();
              }
            }
          });
          const rows = await db.selectFrom("rollout").selectAll().execute();
          return Object.fromEntries(rows.map((row) => [row.category, row.opens_at])) as Rollout;
        }),
    },

    cards: {
      insert: (card, idempotency) => writeCards({ card, idempotency }),
      get: (id) =>
        guard(async () => {
          const row = await db.selectFrom("cards").selectAll().where("id", "=", id).executeTakeFirst();
          return row && toCard(row);
        }),
      getMany: (ids) =>
        guard(async () => {
          const rows = [];
          for (const chunk of chunks([...new Set(ids)], 500)) rows.push(...(await db.selectFrom("cards").selectAll().where("id", "in", chunk).execute()));
          return rows.map(toCard);
        }),
      revoke: (id, brandId, now) =>
        guard(async () => {
          const row = await db.selectFrom("cards").select(["brand_id"]).where("id", "=", id).executeTakeFirst();
          if (!row || row.brand_id !== brandId) return false;
          await db.updateTable("cards").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null).execute();
          return true;
        }),
      statuses: (ids) =>
        guard(async () => {
          if (ids.length === 0) return [];
          const rows = await db
            .selectFrom("cards")
            .innerJoin("brands", "brands.id", "cards.brand_id")
            .select(["cards.id", "cards.brand_id", "cards.partner_id", "cards.surface", "cards.expires_at", "cards.revoked_at", "brands.status"])
            .where("cards.id", "in", [...ids])
            .execute();
          return rows.map((row) => ({
            id: row.id,
            brandId: row.brand_id,
            partnerId: row.partner_id,
            surface: row.surface as Surface,
            expiresAt: num(row.expires_at),
            revokedAt: optNum(row.revoked_at),
            brandStatus: row.status === "suspended" ? ("suspended" as const) : ("active" as const),
          }));
        }),
      issuedSince: (since) =>
        guard(async () => {
          const rows = await db
            .selectFrom("cards")
            .select(["id", "brand_id", "partner_id", "surface", "sharer", "issued_at"])
            .where("issued_at", ">=", since)
            .orderBy("issued_at")
            .execute();
          return rows.map((row) => ({
            id: row.id,
            brandId: row.brand_id,
            partnerId: row.partner_id,
            surface: row.surface as Surface,
            sharer: row.sharer ?? undefined,
            issuedAt: num(row.issued_at),
          }));
        }),
      lastExpiryForKey: (kid) =>
        guard(async () => {
          const row = await db
            .selectFrom("cards")
            .select(({ fn }) => fn.max("expires_at").as("last"))
            .where("kid", "=", kid)
            .executeTakeFirst();
          return row?.last == null ? 0 : Number(row.last);
        }),
      listByBrand: (brandId, listOptions = {}) =>
        guard(async () => {
          let query = db.selectFrom("cards").selectAll().where("brand_id", "=", brandId);
          if (listOptions.before !== undefined) query = query.where("id", "<", listOptions.before);
          const rows = await query.orderBy("id", "desc").limit(listOptions.limit ?? 100).execute();
          return rows.map(toCard);
        }),
      listActive: (partnerId, surface, now, limit) =>
        guard(async () => {
          let query = db
            .selectFrom("cards")
            .innerJoin("brands", "brands.id", "cards.brand_id")
            .selectAll("cards")
            .where("cards.partner_id", "=", partnerId)
            .where("cards.revoked_at", "is", null)
            .where("cards.expires_at", ">", now)
            .where("brands.status", "=", "active");
          if (surface !== undefined) query = query.where("cards.surface", "=", surface);
          const rows = await query.orderBy("cards.id", "desc").limit(limit).execute();
          return rows.map(toCard);
        }),
    },

    idempotency: {
      begin: (brandId, key, fingerprint, now, leaseMs) =>
        guard(async () => {
          const inserted = await db
            .insertInto("idempotency_keys")
            .values({ brand_id: brandId, key, fingerprint, state: "in_progress", response: null, lease_until: now + leaseMs, created_at: now })
            .onConflict((conflict) => conflict.columns(["brand_id", "key"]).doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: "new" as const };
          const row = await db
            .selectFrom("idempotency_keys")
            .selectAll()
            .where("brand_id", "=", brandId)
            .where("key", "=", key)
            .executeTakeFirst();
          if (!row) return { state: "in_progress" as const }; // released between our insert and select: let the client retry
          const live =
            row.state === "done" ? num(row.created_at) + IDEMPOTENCY_TTL_MS > now : num(row.lease_until) > now;
          if (live) {
            if (row.fingerprint !== fingerprint) return { state: "mismatch" as const };
            if (row.state === "done" && row.response !== null) return { state: "done" as const, response: parse(row.response) };
            return { state: "in_progress" as const };
          }
          // A stale entry (expired, or a crashed request's lease ran out): take it over, once.
          const taken = await db
            .updateTable("idempotency_keys")
            .set({ fingerprint, state: "in_progress", response: null, lease_until: now + leaseMs, created_at: now })
            .where("brand_id", "=", brandId)
            .where("key", "=", key)
            .where("state", "=", row.state)
            .where("lease_until", "=", row.lease_until)
            .where("created_at", "=", row.created_at)
            .executeTakeFirst();
          return Number(taken.numUpdatedRows) > 0 ? { state: "new" as const } : { state: "in_progress" as const };
        }),
      release: (brandId, key) =>
        guard(async () => {
          await db
            .deleteFrom("idempotency_keys")
            .where("brand_id", "=", brandId)
            .where("key", "=", key)
            .where("state", "=", "in_progress")
            .execute();
        }),
    },

    assertions: {
      use: (brandId, jti, expiresAt, now) =>
        guard(async () => {
          if (++assertionUses % 1000 === 0) await db.deleteFrom("assertions").where("expires_at", "<", now).execute();
          const inserted = await db
            .insertInto("assertions")
            .values({ brand_id: brandId, jti, expires_at: expiresAt })
            .onConflict((conflict) => conflict.columns(["brand_id", "jti"]).doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
          // Seen before: a replay, unless the old entry has expired (then the assertion has too).
          const revived = await db
            .updateTable("assertions")
            .set({ expires_at: expiresAt })
            .where("brand_id", "=", brandId)
            .where("jti", "=", jti)
            .where("expires_at", "<=", now)
            .executeTakeFirst();
          return Number(revived.numUpdatedRows) > 0;
        }),
    },

    signingKeys: {
      list: () => guard(async () => (await db.selectFrom("signing_keys").selectAll().orderBy("created_at").execute()).map(toSigningKey)),
      save: (added, updated) =>
        guard(async () => {
          await db.transaction().execute(async (trx) => {
            for (const key of added) {
              await trx
                .insertInto("signing_keys")
                .values({
                  kid: key.kid,
                  alg: key.alg,
                  public_jwk: json(key.publicJwk),
                  private_key: key.privateKey,
                  state: key.state,
                  created_at: key.createdAt,
                  published_until: key.publishedUntil ?? null,
                })
                .execute();
            }
            for (const change of updated) {
              await trx
                .updateTable("signing_keys")
                .set({ state: change.state, published_until: change.publishedUntil ?? null, private_key: change.privateKey })
                .where("kid", "=", change.kid)
                .execute();
            }
          });
        }),
      purge: (now) =>
        guard(async () => {
          const result = await db
            .deleteFrom("signing_keys")
            .where("state", "=", "retired")
            .where("published_until", "<=", now)
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }),
    },

    events: {
      async insert(events) {
        const write: EventWrite = { events, outcomes: [] };
        await writeEvents(write);
        return write.outcomes;
      },
      listByBrand: (brandId, from, to) =>
        guard(async () => {
          const rows = await db
            .selectFrom("events")
            .selectAll()
            .where("brand_id", "=", brandId)
            .where("at", ">=", from)
            .where("at", "<", to)
            .orderBy("at")
            .execute();
          return rows.map(toEvent);
        }),
      counts: (brandId, from, to) => guard(() => brandCounts(brandId, from, to)),
      scores: (partnerId, surface, now) =>
        guard(async () => {
          const since = hourOf(now - TRENDING_WINDOW_MS);
          const rows = await sql<{ card_id: string; score: number }>`SELECT card_id,
              SUM(score * power(2, (CAST(hour AS DOUBLE PRECISION) * ${sql.lit(HOUR_MS)} - CAST(${now} AS DOUBLE PRECISION)) / ${sql.lit(HALF_LIFE_MS)})) AS score
            FROM rollup_hours
            WHERE partner_id = ${partnerId} AND hour >= ${since} AND quality = 'credited' AND score > 0 ${surface === undefined ? sql`` : sql`AND surface = ${surface}`}
            GROUP BY card_id`.execute(db);
          return rows.rows.map((row) => ({ cardId: row.card_id, score: Number(row.score) }));
        }),
      ledger: (brandIds) =>
        guard(async () => {
          if (brandIds.length === 0) return [];
          const rows = await db.selectFrom("ledgers").selectAll().where("brand_id", "in", [...new Set(brandIds)]).execute();
          const ledgers = new Map(rows.map((row) => [row.brand_id, row]));
          return brandIds.map((brandId) => ({ brandId, uv: Number(ledgers.get(brandId)?.uv ?? 0), pvDelivered: Number(ledgers.get(brandId)?.pv_delivered ?? 0) }));
        }),
      purge: (beforeDay, limit, now) =>
        guard(async () => {
          // Visit keys are needed only while their day is open (events arrive up to a day late).
          // Bounded like the events below: after a long pause there may be many days of keys.
          await db
            .deleteFrom("visits")
            .where(({ eb, refTuple, selectFrom }) =>
              eb(
                refTuple("brand_id", "day", "viewer", "scope", "item"),
                "in",
                selectFrom("visits").select(["brand_id", "day", "viewer", "scope", "item"]).where("day", "<", dayOf(now) - 1).limit(limit).$asTuple("brand_id", "day", "viewer", "scope", "item"),
              ),
            )
            .execute();
          if (options.partitionedEvents) {
            const old = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i
              JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
              WHERE p.relname = 'events' AND c.relname ~ '^events_d[0-9]+$'`.execute(db);
            for (const { name } of old.rows) {
              const day = Number(name.slice("events_d".length));
              if (day >= beforeDay) continue;
              await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(db);
              partitions.delete(day);
            }
          }
          // SQLite, and rows PostgreSQL kept in its default partition: bounded deletes.
          const result = await db
            .deleteFrom("events")
            .where(
              "id",
              "in",
              db.selectFrom("events").select("id").where("day", "<", beforeDay).limit(limit),
            )
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }),
    },

    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((result) => result.status === "Error");
        throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${(error as Error).message}`, { cause: error });
      }
    },

    ping: () =>
      guard(async () => {
        await db.selectFrom("partners").select("id").limit(1).execute();
      }),

    async close() {
      await db.destroy();
      await options.onClose?.();
    },
  };
}
