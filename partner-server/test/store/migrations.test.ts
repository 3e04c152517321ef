/**
 * Upgrading a store that holds events: `0003_rollups` backfills the rollups, unique visitors
 * and ledgers from the events (and their credits and debits) stored under `0002`, and on
 * PostgreSQL moves `events` into daily partitions; `0004_card_totals` backfills the brand's
 * daily counts and each card's running totals. After the upgrade the store answers the
 * same counts, ledger and scores as a store that ingested the same events (the in-memory one,
 * which counts as SQLite and PostgreSQL do at ingest: see the store contract).
 */

import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { DAY_MS, HOUR_MS } from "../../src/domain/counting.js";
import type { StoredEvent } from "../../src/domain/model.js";
import { migrationProvider } from "../../src/store/schema.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { tempDir } from "../support/server.js";
import { createTestDatabase } from "../support/services.js";

const D0 = Date.UTC(2026, 10, 1);

/** Events of three days on two cards: every quality, repeated visits, paid impressions. */
function history(): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const at = D0 + (i % 3) * DAY_MS + ((i * 37) % 24) * HOUR_MS + i;
    const quality = (["credited", "credited", "unverified", "bot", "suspect"] as const)[i % 5]!;
    const credited = quality === "credited";
    const type = i % 4 === 0 ? "click" : "impression";
    const trending = credited && type === "impression" && i % 3 === 0;
    events.push({
      id: `01KEVENT${String(i).padStart(18, "0")}`,
      type,
      cardId: i % 2 ? "card-a" : "card-b",
      brandId: "cinema",
      partnerId: "weibo",
      surface: i % 2 ? "feed" : "dm",
      slot: trending ? "trending" : "organic",
      quality,
      visitor: `w${i % 9}`,
      viewer: credited ? `r${i % 9}` : undefined,
      placement: trending ? `pl-${i % 7}` : undefined,
      at,
      dedupKey: type === "impression" ? `k${i}` : undefined,
    });
  }
  return events;
}

type Backend = { name: string; open(): Promise<{ legacy: Kysely<any>; store: () => Store; close(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: "SQLite",
    async open() {
      const dir = tempDir();
      const file = join(dir.path, "minicard.db");
      const legacy = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      return { legacy, store: () => openSqliteStore(file), close: async () => dir.cleanup() };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      const database = await createTestDatabase();
      const pool = new pg.Pool({ connectionString: database.url, max: 2 });
      pool.on("error", () => {});
      const legacy = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
      return { legacy, store: () => openPostgresStore(database.url), close: () => database.drop() };
    },
  },
];

describe.each(backends)("upgrading $name to rollups", (backend) => {
  const opened = backend.open();
  afterAll(async () => (await opened).close());

  it("backfills counts, unique visitors, ledgers and scores equal to ingesting the same events", async () => {
    const { legacy, store: openStore } = await opened;
    const migrator = new Migrator({ db: legacy, provider: migrationProvider });
    const to0002 = await migrator.migrateTo("0002_traffic_integrity");
    expect(to0002.error).toBeUndefined();

    // What the 0002 store kept: the events, and the credits and debits they won.
    const events = history();
    const reference = createMemoryStore();
    const outcomes = await reference.events.insert(events);
    for (const [i, event] of events.entries()) {
      const slot = outcomes[i]!.slot;
      await legacy
        .insertInto("events")
        .values({ id: event.id, type: event.type, card_id: event.cardId, brand_id: event.brandId, partner_id: event.partnerId, surface: event.surface, slot, visitor: event.visitor, at: event.at, dedup_key: event.dedupKey ?? null, quality: event.quality, viewer: event.viewer ?? null, placement: event.placement ?? null, ingest_batch: 1 })
        .execute();
      if (outcomes[i]!.uv) {
        await legacy.insertInto("credits").values({ brand_id: event.brandId, day: Math.floor(event.at / DAY_MS), viewer: event.viewer, event_id: event.id, card_id: event.cardId, partner_id: event.partnerId, surface: event.surface, at: event.at }).execute();
      }
      if (slot === "trending") await legacy.insertInto("debits").values({ placement: event.placement, viewer: event.viewer, event_id: event.id, brand_id: event.brandId, at: event.at }).execute();
    }
    await legacy.destroy();

    const store = openStore();
    try {
      await store.migrate();
      // Stats list a brand's own cards.
      for (const id of ["card-a", "card-b"]) {
        const card = { id, brandId: "cinema", partnerId: "weibo", surface: "feed" as const, kind: "app" as const, sharer: undefined, card: { v: 1 as const, kind: "app" as const, surface: "feed" as const, app: { id: "2021000000000001", page: "p" }, title: id, brand: { name: "Cinema" } }, token: "t", kid: "k", issuedAt: D0, expiresAt: D0 + 90 * DAY_MS, revokedAt: undefined };
        await store.cards.insert(card);
        await reference.cards.insert(card);
      }
      const range = [D0, D0 + 3 * DAY_MS] as const;
      const sort = <T>(rows: T[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      const [upgraded, expected] = [await store.events.counts("cinema", ...range), await reference.events.counts("cinema", ...range)];
      expect(sort(upgraded.cells)).toEqual(sort(expected.cells));
      expect(sort(upgraded.cards)).toEqual(sort(expected.cards));
      expect(upgraded.cards.length).toBe(2);
      expect(upgraded.days).toEqual(expected.days);
      expect(sort(upgraded.uniques)).toEqual(sort(expected.uniques));
      // Edges read the hourly rollups.
      const edge = [D0 + 5 * HOUR_MS, D0 + 2 * DAY_MS + 7 * HOUR_MS] as const;
      expect(sort((await store.events.counts("cinema", ...edge)).cells)).toEqual(sort((await reference.events.counts("cinema", ...edge)).cells));
      expect(await store.events.ledger(["cinema"])).toEqual(await reference.events.ledger(["cinema"]));
      expect((await store.events.ledger(["cinema"]))[0]!.uv).toBeGreaterThan(5);
      const now = D0 + 3 * DAY_MS;
      const scores = Object.fromEntries((await store.events.scores("weibo", undefined, now)).map((row) => [row.cardId, row.score]));
      for (const row of await reference.events.scores("weibo", undefined, now)) expect(scores[row.cardId]).toBeCloseTo(row.score, 9);
      // The raw events are all still there (on PostgreSQL, in daily partitions), and new ones count on top.
      expect(await store.events.listByBrand("cinema", 0, Number.MAX_SAFE_INTEGER)).toHaveLength(events.length);
      const late = { ...events[1]!, id: "01KLATE000000000000000000", dedupKey: "late" };
      await store.events.insert([late]);
      expect((await store.events.counts("cinema", ...range)).cells.reduce((sum, cell) => sum + cell.impressions, 0)).toBe(expected.cells.reduce((sum, cell) => sum + cell.impressions, 0) + 1);
    } finally {
      await store.close();
    }
  });
});

/** The P-256 group order: `(r, n − s)` verifies like `(r, s)`. */
const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** An ES256 token over `claims` whose signature is high-S (s > n/2), and its public key. */
function highSToken(claims: Record<string, unknown>) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const input = `${Buffer.from(JSON.stringify({ alg: "ES256", kid: "old", typ: "minicard+jwt" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const raw = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  let s = BigInt(`0x${raw.toString("hex", 32)}`);
  if (s <= ORDER >> 1n) s = ORDER - s;
  const high = Buffer.concat([raw.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, "0"), "hex")]);
  return { token: `${input}.${high.toString("base64url")}`, publicKey, input };
}

describe.each(backends)("upgrading $name to one token per card", (backend) => {
  const opened = backend.open();
  afterAll(async () => (await opened).close());

  it("0005 rewrites stored high-S tokens (and the answers that replay them) to their low-S twin; other tokens stay", async () => {
    const { legacy, store: openStore } = await opened;
    const migrator = new Migrator({ db: legacy, provider: migrationProvider });
    expect((await migrator.migrateTo("0004_card_totals")).error).toBeUndefined();
    const old = highSToken({ jti: "01KOLDCARD0000000000000001", aud: "weibo" });
    const eddsa = "eyJhbGciOiJFZERTQSJ9.e30." + Buffer.alloc(64, 0xff).toString("base64url");
    const row = (id: string, token: string) => ({ id, brand_id: "cinema", partner_id: "weibo", surface: "dm", kind: "app", sharer: null, card: "{}", token, kid: "old", issued_at: D0, expires_at: D0 + DAY_MS, revoked_at: null });
    await legacy.insertInto("cards").values([row("01KOLDCARD0000000000000001", old.token), row("01KOLDCARD0000000000000002", eddsa)]).execute();
    await legacy
      .insertInto("idempotency_keys")
      .values({ brand_id: "cinema", key: "k1", fingerprint: "f", state: "done", response: JSON.stringify({ status: 201, body: { id: "01KOLDCARD0000000000000001", token: old.token } }), lease_until: D0, created_at: D0 })
      .execute();
    await legacy.destroy();

    const store = openStore();
    try {
      await store.migrate();
      const upgraded = (await store.cards.get("01KOLDCARD0000000000000001"))!.token;
      expect(upgraded).not.toBe(old.token);
      const [header, payload, signature] = upgraded.split(".") as [string, string, string];
      expect(`${header}.${payload}`).toBe(old.input);
      const raw = Buffer.from(signature, "base64url");
      expect(BigInt(`0x${raw.toString("hex", 32)}`) <= ORDER >> 1n).toBe(true);
      expect(verify("sha256", Buffer.from(old.input), { key: old.publicKey, dsaEncoding: "ieee-p1363" }, raw)).toBe(true);
      expect((await store.cards.get("01KOLDCARD0000000000000002"))!.token).toBe(eddsa);
      const replay = await store.idempotency.begin("cinema", "k1", "f", D0 + 1000, 60_000);
      expect(replay.state).toBe("done");
      expect(JSON.stringify(replay)).toContain(upgraded);
      expect(JSON.stringify(replay)).not.toContain(old.token);
    } finally {
      await store.close();
    }
  });
});
