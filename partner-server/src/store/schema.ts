/**
 * The SQL schema, shared by SQLite and PostgreSQL, and its migrations. Kysely's migrator
 * records applied migrations and takes a lock, so several instances starting at once apply
 * each migration once. Times are integer milliseconds (`bigint`); lists and objects are
 * JSON text, read and written only through the store.
 */

import { PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { DAY_MS } from "../domain/counting.js";
import { toLowS } from "../keys/low-s.js";
import { addToLedgers, countUniques, rollupEvents } from "./rollups.js";

/** The counted columns of a rollup row. */
export interface RollupRow {
  card_id: string;
  surface: string;
  slot: string;
  quality: string;
  brand_id: string;
  partner_id: string;
  impressions: number;
  clicks: number;
}

/** One unique-visitor counter. */
export interface UniqueRow {
  brand_id: string;
  scope: string;
  item: string;
  n: number;
}

/** Table types for Kysely. */
export interface Database {
  partners: {
    id: string;
    name: string;
    origins: string;
    surfaces: string;
    limits: string | null;
    require_sharer_pass: number;
    created_at: number;
  };
  partner_keys: { partner_id: string; kid: string; jwk: string; created_at: number };
  server_secrets: { name: string; value: string; created_at: number };
  sharers: { partner_id: string; sharer: string; created_at: number };
  brands: {
    id: string;
    name: string;
    category: string;
    apps: string;
    surfaces: string;
    status: string;
    invited: number;
    whitelisted: number;
    logo: string | null;
    api_key_hash: string;
    created_at: number;
    updated_at: number;
  };
  brand_keys: { brand_id: string; kid: string; jwk: string; created_at: number };
  rollout: { category: string; opens_at: string };
  cards: {
    id: string;
    brand_id: string;
    partner_id: string;
    surface: string;
    kind: string;
    sharer: string | null;
    card: string;
    token: string;
    kid: string;
    issued_at: number;
    expires_at: number;
    revoked_at: number | null;
  };
  idempotency_keys: {
    brand_id: string;
    key: string;
    fingerprint: string;
    state: string;
    response: string | null;
    lease_until: number;
    created_at: number;
  };
  assertions: { brand_id: string; jti: string; expires_at: number };
  events: {
    id: string;
    type: string;
    card_id: string;
    brand_id: string;
    partner_id: string;
    surface: string;
    slot: string;
    quality: string;
    visitor: string;
    viewer: string | null;
    placement: string | null;
    at: number;
    dedup_key: string | null;
    /** The transaction that stored the row: claims and counts of a batch read only its own rows. */
    ingest_batch: number;
    /** The UTC day of `at` (`at / DAY_MS`): PostgreSQL partitions the table by it, retention drops whole days. */
    day: number;
  };
  /**
   * Counters rolled up at ingest, in the transaction that stores the events: per card, hour
   * (`at / HOUR_MS`), surface, slot and quality. `score` is the hot list's decayed weight of
   * the hour's credited events, relative to the hour's start (see `services/trending.ts`).
   */
  rollup_hours: RollupRow & { hour: number; score: number };
  /** The same counters per UTC day: a long stats range reads one row per card and day. */
  rollup_days: RollupRow & { day: number };
  /**
   * Unique visitors per brand, hour or day: `scope` is `brand` (the ledger's credited visits),
   * `surface` or `card`, `item` the surface or card id (empty for the brand). A visit counts in
   * the hour of the viewer's first credited click that UTC day.
   */
  uniques_hours: UniqueRow & { hour: number };
  uniques_days: UniqueRow & { day: number };
  /**
   * The de-duplication keys of surface and card visits (the brand's are `credits`). Only the
   * open days' keys are needed; maintenance deletes older ones, so the table holds about one
   * day of credited visitors.
   */
  visits: { brand_id: string; scope: string; item: string; day: number; viewer: string; event_id: string };
  /** Each brand's lifetime ledger, kept current by every ingest transaction. */
  ledgers: { brand_id: string; uv: number; pv_delivered: number };
  /** A brand's daily counts without the card: what long stats ranges sum. */
  brand_days: { brand_id: string; day: number; surface: string; slot: string; quality: string; impressions: number; clicks: number };
  /**
   * Each card's running totals through the end of `day` (a row for each day the card counted
   * something): a range of whole days is the difference of two rows, whatever its length.
   * `trending`: paid impressions; `uv`: the card's unique visits.
   */
  card_totals: { card_id: string; day: number; brand_id: string; impressions: number; clicks: number; trending: number; uv: number };
  /** The ledger's unique visitors: one row per brand, UTC day and credited viewer. */
  credits: {
    brand_id: string;
    day: number;
    viewer: string;
    event_id: string;
    card_id: string;
    partner_id: string;
    surface: string;
    at: number;
  };
  /** Paid-slot debits: one per placement and viewer. */
  debits: { placement: string; viewer: string; event_id: string; brand_id: string; at: number };
  signing_keys: {
    kid: string;
    alg: string;
    public_jwk: string;
    private_key: string;
    state: string;
    created_at: number;
    published_until: number | null;
  };
}

const init: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("partners")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("origins", "text", (c) => c.notNull())
      .addColumn("surfaces", "text", (c) => c.notNull())
      .addColumn("limits", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("sharers")
      .addColumn("partner_id", "text", (c) => c.notNull())
      .addColumn("sharer", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("sharers_pk", ["partner_id", "sharer"])
      .execute();
    await db.schema
      .createTable("brands")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("category", "text", (c) => c.notNull())
      .addColumn("apps", "text", (c) => c.notNull())
      .addColumn("surfaces", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("invited", "integer", (c) => c.notNull())
      .addColumn("whitelisted", "integer", (c) => c.notNull())
      .addColumn("logo", "text")
      .addColumn("api_key_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("brand_keys")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("kid", "text", (c) => c.notNull())
      .addColumn("jwk", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("brand_keys_pk", ["brand_id", "kid"])
      .execute();
    await db.schema
      .createTable("rollout")
      .addColumn("category", "text", (c) => c.primaryKey())
      .addColumn("opens_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("cards")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("partner_id", "text", (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("sharer", "text")
      .addColumn("card", "text", (c) => c.notNull())
      .addColumn("token", "text", (c) => c.notNull())
      .addColumn("kid", "text", (c) => c.notNull())
      .addColumn("issued_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("revoked_at", "bigint")
      .execute();
    await db.schema.createIndex("cards_brand_idx").on("cards").columns(["brand_id", "id"]).execute();
    await db.schema.createIndex("cards_issued_idx").on("cards").column("issued_at").execute();
    await db.schema.createIndex("cards_partner_idx").on("cards").columns(["partner_id", "surface", "id"]).execute();
    await db.schema.createIndex("cards_kid_idx").on("cards").columns(["kid", "expires_at"]).execute();
    await db.schema
      .createTable("idempotency_keys")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("response", "text")
      .addColumn("lease_until", "bigint", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["brand_id", "key"])
      .execute();
    await db.schema
      .createTable("assertions")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("jti", "text", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("assertions_pk", ["brand_id", "jti"])
      .execute();
    await db.schema
      .createTable("events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("card_id", "text", (c) => c.notNull())
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("partner_id", "text", (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("slot", "text", (c) => c.notNull())
      .addColumn("visitor", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addColumn("dedup_key", "text", (c) => c.unique())
      .execute();
    await db.schema.createIndex("events_brand_idx").on("events").columns(["brand_id", "at"]).execute();
    await db.schema.createIndex("events_partner_idx").on("events").columns(["partner_id", "at"]).execute();
    await db.schema
      .createTable("signing_keys")
      .addColumn("kid", "text", (c) => c.primaryKey())
      .addColumn("alg", "text", (c) => c.notNull())
      .addColumn("public_jwk", "text", (c) => c.notNull())
      .addColumn("private_key", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("published_until", "bigint")
      .execute();
  },
};

/**
 * Counted traffic is a currency: events carry their quality, the viewer a partner attested and
 * the placement of a paid slot; the ledger's unique visitors and debits get tables of their
 * own whose keys make them exact (one UV per brand, day and viewer; one debit per placement
 * and viewer). Partners register the keys they sign passes with. Events stored before this
 * migration were never attested: they read `unverified`, and earn nothing.
 */
const trafficIntegrity: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("partners").addColumn("require_sharer_pass", "integer", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable("partner_keys")
      .addColumn("partner_id", "text", (c) => c.notNull())
      .addColumn("kid", "text", (c) => c.notNull())
      .addColumn("jwk", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("partner_keys_pk", ["partner_id", "kid"])
      .execute();
    await db.schema
      .createTable("server_secrets")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.alterTable("events").addColumn("quality", "text", (c) => c.notNull().defaultTo("unverified")).execute();
    await db.schema.alterTable("events").addColumn("viewer", "text").execute();
    await db.schema.alterTable("events").addColumn("placement", "text").execute();
    await db.schema.alterTable("events").addColumn("ingest_batch", "bigint", (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable("credits")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("day", "integer", (c) => c.notNull())
      .addColumn("viewer", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("card_id", "text", (c) => c.notNull())
      .addColumn("partner_id", "text", (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("credits_pk", ["brand_id", "day", "viewer"])
      .execute();
    await db.schema
      .createTable("debits")
      .addColumn("placement", "text", (c) => c.notNull())
      .addColumn("viewer", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("debits_pk", ["placement", "viewer"])
      .execute();
    await db.schema.createIndex("debits_brand_idx").on("debits").columns(["brand_id", "at"]).execute();
  },
};

/**
 * Analytics at scale: counters rolled up at ingest (per card, surface, slot and quality, per
 * hour and per day), unique visitors per brand, surface and card, and each brand's ledger, so
 * that stats and the hot list read rollups, never raw events. Raw events get a `day`; on
 * PostgreSQL the table becomes partitioned by it, so retention drops whole days. Rollups are
 * backfilled from the events already stored.
 */
const rollups: Migration = {
  async up(db: Kysely<any>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`CREATE TABLE events_by_day (
        id text NOT NULL, type text NOT NULL, card_id text NOT NULL, brand_id text NOT NULL, partner_id text NOT NULL,
        surface text NOT NULL, slot text NOT NULL, visitor text NOT NULL, at bigint NOT NULL, dedup_key text,
        quality text NOT NULL DEFAULT 'unverified', viewer text, placement text, ingest_batch bigint NOT NULL DEFAULT 0,
        day integer NOT NULL,
        PRIMARY KEY (id, day), UNIQUE (dedup_key, day)
      ) PARTITION BY RANGE (day)`.execute(db);
      await sql`CREATE TABLE events_default PARTITION OF events_by_day DEFAULT`.execute(db);
      const days = await sql<{ day: number }>`SELECT DISTINCT at / ${sql.lit(DAY_MS)} AS day FROM events`.execute(db);
      for (const { day } of days.rows) {
        await sql`CREATE TABLE ${sql.table(`events_d${Number(day)}`)} PARTITION OF events_by_day FOR VALUES FROM (${sql.lit(Number(day))}) TO (${sql.lit(Number(day) + 1)})`.execute(db);
      }
      await sql`INSERT INTO events_by_day (id, type, card_id, brand_id, partner_id, surface, slot, visitor, at, dedup_key, quality, viewer, placement, ingest_batch, day)
        SELECT id, type, card_id, brand_id, partner_id, surface, slot, visitor, at, dedup_key, quality, viewer, placement, ingest_batch, at / ${sql.lit(DAY_MS)} FROM events`.execute(db);
      await sql`DROP TABLE events`.execute(db);
      await sql`ALTER TABLE events_by_day RENAME TO events`.execute(db);
      await db.schema.createIndex("events_brand_idx").on("events").columns(["brand_id", "at"]).execute();
    } else {
      await db.schema.alterTable("events").addColumn("day", "integer", (c) => c.notNull().defaultTo(0)).execute();
      await sql`UPDATE events SET day = at / ${sql.lit(DAY_MS)}`.execute(db);
      await db.schema.dropIndex("events_partner_idx").execute();
      // Retention deletes by day, in bounded batches.
      await db.schema.createIndex("events_day_idx").on("events").column("day").execute();
    }
    for (const grain of ["hour", "day"] as const) {
      let rollup = db.schema
        .createTable(`rollup_${grain}s`)
        .addColumn("card_id", "text", (c) => c.notNull())
        .addColumn(grain, "integer", (c) => c.notNull())
        .addColumn("surface", "text", (c) => c.notNull())
        .addColumn("slot", "text", (c) => c.notNull())
        .addColumn("quality", "text", (c) => c.notNull())
        .addColumn("brand_id", "text", (c) => c.notNull())
        .addColumn("partner_id", "text", (c) => c.notNull())
        .addColumn("impressions", "bigint", (c) => c.notNull())
        .addColumn("clicks", "bigint", (c) => c.notNull());
      if (grain === "hour") rollup = rollup.addColumn("score", "double precision", (c) => c.notNull().defaultTo(0));
      await rollup.addPrimaryKeyConstraint(`rollup_${grain}s_pk`, ["card_id", grain, "surface", "slot", "quality"]).execute();
      await db.schema.createIndex(`rollup_${grain}s_brand_idx`).on(`rollup_${grain}s`).columns(["brand_id", grain]).execute();
      await db.schema
        .createTable(`uniques_${grain}s`)
        .addColumn("brand_id", "text", (c) => c.notNull())
        .addColumn(grain, "integer", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("item", "text", (c) => c.notNull())
        .addColumn("n", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint(`uniques_${grain}s_pk`, ["brand_id", grain, "scope", "item"])
        .execute();
    }
    // The hot list reads a partner's recent hours.
    await db.schema.createIndex("rollup_hours_partner_idx").on("rollup_hours").columns(["partner_id", "hour"]).execute();
    await db.schema
      .createTable("visits")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("day", "integer", (c) => c.notNull())
      .addColumn("viewer", "text", (c) => c.notNull())
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("item", "text", (c) => c.notNull())
      .addColumn("event_id", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("visits_pk", ["brand_id", "day", "viewer", "scope", "item"])
      .execute();
    await db.schema
      .createTable("ledgers")
      .addColumn("brand_id", "text", (c) => c.primaryKey())
      .addColumn("uv", "bigint", (c) => c.notNull())
      .addColumn("pv_delivered", "bigint", (c) => c.notNull())
      .execute();
    // Backfill from every stored row (ingest counts the same way as it stores).
    const all = sql`true`;
    await sql`INSERT INTO visits (brand_id, day, viewer, scope, item, event_id)
      SELECT brand_id, day, viewer, 'card', card_id, MIN(id) FROM events WHERE type = 'click' AND quality = 'credited' AND viewer IS NOT NULL GROUP BY brand_id, day, viewer, card_id
      UNION ALL
      SELECT brand_id, day, viewer, 'surface', surface, MIN(id) FROM events WHERE type = 'click' AND quality = 'credited' AND viewer IS NOT NULL GROUP BY brand_id, day, viewer, surface`.execute(db);
    for (const grain of ["hour", "day"] as const) {
      await rollupEvents(grain, all).execute(db);
      await countUniques(grain, all).execute(db);
    }
    await addToLedgers(all).execute(db);
  },
};

/**
 * Long stats ranges at the cost of short ones: each brand's daily counts without the card
 * dimension, and each card's running totals per day, so that a range of whole days reads one
 * row per card at each end instead of one per card and day. Backfilled from the daily rollups.
 */
const cardTotals: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("brand_days")
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("day", "integer", (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("slot", "text", (c) => c.notNull())
      .addColumn("quality", "text", (c) => c.notNull())
      .addColumn("impressions", "bigint", (c) => c.notNull())
      .addColumn("clicks", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("brand_days_pk", ["brand_id", "day", "surface", "slot", "quality"])
      .execute();
    await db.schema
      .createTable("card_totals")
      .addColumn("card_id", "text", (c) => c.notNull())
      .addColumn("day", "integer", (c) => c.notNull())
      .addColumn("brand_id", "text", (c) => c.notNull())
      .addColumn("impressions", "bigint", (c) => c.notNull())
      .addColumn("clicks", "bigint", (c) => c.notNull())
      .addColumn("trending", "bigint", (c) => c.notNull())
      .addColumn("uv", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("card_totals_pk", ["card_id", "day"])
      .execute();
    await sql`INSERT INTO brand_days (brand_id, day, surface, slot, quality, impressions, clicks)
      SELECT brand_id, day, surface, slot, quality, SUM(impressions), SUM(clicks) FROM rollup_days WHERE true
      GROUP BY brand_id, day, surface, slot, quality`.execute(db);
    await sql`INSERT INTO card_totals (card_id, day, brand_id, impressions, clicks, trending, uv)
      SELECT card_id, day, brand_id,
        SUM(imp) OVER running, SUM(clk) OVER running, SUM(trd) OVER running, SUM(uv) OVER running
      FROM (
        SELECT card_id, day, MIN(brand_id) AS brand_id, SUM(imp) AS imp, SUM(clk) AS clk, SUM(trd) AS trd, SUM(uv) AS uv FROM (
          SELECT card_id, day, brand_id, impressions AS imp, clicks AS clk, CASE WHEN slot = 'trending' THEN impressions ELSE 0 END AS trd, 0 AS uv FROM rollup_days
          UNION ALL
          SELECT item, day, brand_id, 0, 0, 0, n FROM uniques_days WHERE scope = 'card'
        ) daily GROUP BY card_id, day
      ) days WHERE true
      WINDOW running AS (PARTITION BY card_id ORDER BY day)`.execute(db);
  },
};

/**
 * One token string per card: tokens signed before the server emitted only low-S ES256
 * signatures are rewritten to their low-S twin (`s` → `n − s`, which verifies under the same
 * key, so no key is needed), in the cards and in the idempotency answers that replay them.
 * Without it, a widget or SDK that refuses high-S signatures would show about half the cards
 * issued before the upgrade as unavailable until they expire. Rows are read in pages by id.
 */
const lowSTokens: Migration = {
  async up(db: Kysely<any>) {
    const PAGE = 1000;
    for (let after = ""; ; ) {
      const rows: Array<{ id: string; token: string }> = await db.selectFrom("cards").select(["id", "token"]).where("id", ">", after).orderBy("id").limit(PAGE).execute();
      for (const row of rows) {
        const token = lowSToken(row.token);
        if (token !== row.token) await db.updateTable("cards").set({ token }).where("id", "=", row.id).execute();
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
    // The rewrite is a function of the token alone, so a stored answer's tokens are rewritten
    // where they stand: no list of the cards' old tokens is kept. (Idempotency answers live a day.)
    const answers: Array<{ brand_id: string; key: string; response: string }> = await db
      .selectFrom("idempotency_keys")
      .select(["brand_id", "key", "response"])
      .where("response", "is not", null)
      .execute();
    for (const answer of answers) {
      const response = answer.response.replace(COMPACT_JWS, lowSToken);
      if (response !== answer.response) {
        await db.updateTable("idempotency_keys").set({ response }).where("brand_id", "=", answer.brand_id).where("key", "=", answer.key).execute();
      }
    }
  },
};

/** A compact JWS (three base64url segments) inside a stored text. */
const COMPACT_JWS = /[\w-]+\.[\w-]+\.[\w-]+/g;

/** `token` with its ES256 signature in low-S form; any other token as it is. */
function lowSToken(token: string): string {
  const [header, payload, signature] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined) return token;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg;
  } catch {
    return token;
  }
  const raw = Buffer.from(signature, "base64url");
  if (alg !== "ES256" || raw.length !== 64) return token;
  return `${header}.${payload}.${toLowS(raw).toString("base64url")}`;
}

/** Migrations by name; names sort in the order they apply. Never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  "0001_init": init,
  "0002_traffic_integrity": trafficIntegrity,
  "0003_rollups": rollups,
  "0004_card_totals": cardTotals,
  "0005_low_s_tokens": lowSTokens,
};

/** Feeds the in-code migrations to Kysely's migrator. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

