/**
 * The SQL schema, shared by SQLite and PostgreSQL, and its migrations. Kysely's migrator
 * records applied migrations and takes a lock, so several instances starting at once apply
 * each migration once. Times are integer milliseconds (`bigint`); lists and objects are
 * JSON text, read and written only through the store.
 */

import { type Kysely, type Migration, type MigrationProvider } from "kysely";

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
  };
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

/** Migrations by name; names sort in the order they apply. Never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  "0001_init": init,
  "0002_traffic_integrity": trafficIntegrity,
};

/** Feeds the in-code migrations to Kysely's migrator. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

