/**
 * A property of the rollups, on every store: for any stream of events (duplicate ids and
 * dedup keys, bots, unverified and suspect traffic, credited viewers, paid-slot impressions
 * with reused placements, several days, out of order), what `counts`, `ledger` and `scores`
 * answer equals a recount of the raw events the store kept:
 * - impressions and clicks per surface, slot and quality, per card (with its paid impressions)
 *   and per day, for any range of whole hours (whole days read daily tables and per-card running
 *   totals, the edges the hourly rollups);
 * - unique visitors per brand (the ledger's, exact), surface and card: the distinct (viewer,
 *   UTC day) pairs of credited clicks, each in the hour of the click that made it a visit;
 * - the hot-list score: each credited event's weight, halved every six hours.
 */

import fc from "fast-check";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../../src/domain/counting.js";
import type { StoredCard, StoredEvent } from "../../src/domain/model.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { openPostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { BrandCounts, Store } from "../../src/store/store.js";
import { createTestDatabase } from "../support/services.js";
import { tempDir } from "../support/server.js";

const D0 = Date.UTC(2026, 10, 20);
const CARDS = [
  { cardId: "card-a", surface: "feed" },
  { cardId: "card-b", surface: "feed" },
  { cardId: "card-c", surface: "dm" },
] as const;

function storedCard(id: string, brandId: string, partnerId: string, surface: "feed" | "dm"): StoredCard {
  return {
    id,
    brandId,
    partnerId,
    surface,
    kind: "app",
    sharer: undefined,
    card: { v: 1, kind: "app", surface, app: { id: "2021000000000001", page: "p" }, title: id, brand: { name: brandId } },
    token: "t",
    kid: "k",
    issuedAt: D0,
    expiresAt: D0 + 30 * DAY_MS,
    revokedAt: undefined,
  };
}

const event = fc.record({
  card: fc.integer({ min: 0, max: 2 }),
  type: fc.constantFrom("impression", "click"),
  quality: fc.constantFrom("credited", "credited", "unverified", "bot", "suspect"),
  viewer: fc.constantFrom("v0", "v1", "v2", "v3"),
  // Three days and a bit, at minute resolution.
  minute: fc.integer({ min: 0, max: 3 * 24 * 60 + 90 }),
  trending: fc.constantFrom(undefined, "pl-0", "pl-1"),
  dedup: fc.boolean(),
  replayOf: fc.option(fc.nat(), { freq: 6 }),
});

/** A brand's counts recounted from its raw events, the way the docs define them. */
function recount(raw: readonly StoredEvent[], from: number, to: number): BrandCounts {
  const cells = new Map<string, BrandCounts["cells"][number]>();
  const cards = new Map<string, BrandCounts["cards"][number]>();
  const days = new Map<number, BrandCounts["days"][number]>();
  const uniques = new Map<string, number>();
  const firstVisit = new Map<string, StoredEvent>();
  // The store answers raw events by time; a visit is claimed by the click stored first, which
  // these streams store in time order (see `sorted` below).
  for (const e of raw) {
    if (e.type !== "click" || e.quality !== "credited" || e.viewer === undefined) continue;
    const day = Math.floor(e.at / DAY_MS);
    for (const scope of ["brand|", `surface|${e.surface}`, `card|${e.cardId}`]) {
      const key = `${scope}#${day}#${e.viewer}`;
      if (!firstVisit.has(key)) firstVisit.set(key, e);
    }
  }
  const day = (number: number) => {
    const entry = days.get(number) ?? { day: number, impressions: 0, clicks: 0, uv: 0 };
    days.set(number, entry);
    return entry;
  };
  const card = (id: string) => {
    const entry = cards.get(id) ?? { cardId: id, impressions: 0, clicks: 0, trending: 0, uv: 0 };
    cards.set(id, entry);
    return entry;
  };
  for (const e of raw) {
    if (e.at < from || e.at >= to) continue;
    const key = `${e.surface}|${e.slot}|${e.quality}`;
    const cell = cells.get(key) ?? { surface: e.surface, slot: e.slot, quality: e.quality, impressions: 0, clicks: 0 };
    cells.set(key, cell);
    const counter = e.type === "impression" ? "impressions" : "clicks";
    cell[counter]++;
    card(e.cardId)[counter]++;
    if (e.slot === "trending") card(e.cardId).trending++;
    day(Math.floor(e.at / DAY_MS))[counter]++;
  }
  for (const [key, e] of firstVisit) {
    if (e.at < from || e.at >= to) continue;
    const scope = key.split("#")[0]!;
    if (scope.startsWith("card|")) {
      card(e.cardId).uv++;
      continue;
    }
    uniques.set(scope, (uniques.get(scope) ?? 0) + 1);
    if (scope === "brand|") day(Math.floor(e.at / DAY_MS)).uv++;
  }
  return {
    cells: [...cells.values()],
    cards: [...cards.values()],
    days: [...days.values()].sort((a, b) => a.day - b.day),
    uniques: [...uniques].map(([scope, uv]) => {
      const [kind, item] = scope.split("|") as ["brand" | "surface", string];
      return { scope: kind, item, uv };
    }),
  };
}

const byKey = <T>(rows: readonly T[], key: (row: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
const normal = (counts: BrandCounts) => ({
  cells: byKey(counts.cells, (c) => `${c.surface}|${c.slot}|${c.quality}`),
  cards: byKey(counts.cards, (c) => c.cardId),
  days: counts.days,
  uniques: byKey(counts.uniques, (u) => `${u.scope}|${u.item}`),
});

interface Backend {
  name: string;
  open(): Promise<{ store: Store; close(): Promise<void> }>;
}

const backends: Backend[] = [
  { name: "memory", open: async () => ({ store: createMemoryStore(), close: async () => {} }) },
  {
    name: "SQLite",
    async open() {
      const dir = tempDir();
      const store = openSqliteStore(join(dir.path, "minicard.db"));
      await store.migrate();
      return { store, close: async () => (await store.close(), dir.cleanup()) };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      const database = await createTestDatabase();
      const store = openPostgresStore(database.url);
      await store.migrate();
      return { store, close: async () => (await store.close(), await database.drop()) };
    },
  },
];

describe.each(backends)("rollup property on $name", (backend) => {
  const opened = backend.open();
  afterAll(async () => (await opened).close());

  it("counts, unique visitors, the ledger and scores equal a recount of the raw events", async () => {
    const { store } = await opened;
    let run = 0;
    const seen = { uv: 0, duplicates: 0, trending: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(event, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * 24 }), fc.integer({ min: 1, max: 4 * 24 })), { minLength: 1, maxLength: 4 }),
        async (batches, sorted, ranges) => {
          const brandId = `brand-${backend.name}-${run++}`;
          const partnerId = `partner-${brandId}`;
          // The brand's cards (stats list a brand's own cards).
          for (const { cardId, surface } of CARDS) await store.cards.insert(storedCard(`${brandId}-${cardId}`, brandId, partnerId, surface));
          const made: StoredEvent[] = [];
          let minuteFloor = 0;
          for (const batch of batches) {
            const events = batch.map((e, i): StoredEvent => {
              // A replay resends an event already made (same id, same dedup key).
              if (e.replayOf !== null && made.length > 0) return made[e.replayOf % made.length]!;
              // Sorted streams arrive in time order: the visit's hour is then its earliest click's.
              const minute = sorted ? (minuteFloor = Math.max(minuteFloor, e.minute)) : e.minute;
              const at = D0 + minute * 60_000 + i;
              const credited = e.quality === "credited";
              const made1: StoredEvent = {
                id: `${brandId}-${made.length}`,
                type: e.type,
                // Every card belongs to one brand.
                cardId: `${brandId}-${CARDS[e.card]!.cardId}`,
                surface: CARDS[e.card]!.surface,
                brandId,
                partnerId,
                slot: credited && e.type === "impression" && e.trending ? "trending" : "organic",
                quality: e.quality,
                visitor: `w-${e.viewer}`,
                viewer: credited ? e.viewer : undefined,
                placement: credited && e.type === "impression" ? e.trending : undefined,
                at,
                dedupKey: e.dedup && e.type === "impression" ? `${CARDS[e.card]!.cardId}|${e.viewer}|${e.quality}|${Math.floor(at / 60_000)}` : undefined,
              };
              made.push(made1);
              return made1;
            });
            const outcomes = await store.events.insert(events);
            seen.duplicates += outcomes.filter((o) => o.duplicate).length;
          }
          const raw = await store.events.listByBrand(brandId, 0, Number.MAX_SAFE_INTEGER);

          // Whole days: exact for every stream. Hour ranges: exact when clicks arrive in time order.
          const whole = await store.events.counts(brandId, D0, D0 + 4 * DAY_MS);
          expect(normal(whole)).toEqual(normal(recount(raw, D0, D0 + 4 * DAY_MS)));
          for (const [start, length] of ranges) {
            const from = D0 + start * HOUR_MS;
            const to = from + length * HOUR_MS;
            const counts = normal(await store.events.counts(brandId, from, to));
            const expected = normal(recount(raw, from, to));
            expect(counts.cells).toEqual(expected.cells);
            expect(counts.cards.map(({ uv: _uv, ...rest }) => rest)).toEqual(expected.cards.map(({ uv: _uv, ...rest }) => rest));
            expect(counts.days.map((d) => [d.day, d.impressions, d.clicks])).toEqual(expected.days.map((d) => [d.day, d.impressions, d.clicks]));
            if (sorted) expect(counts).toEqual(expected);
          }

          // The ledger: exact distinct (viewer, day) pairs, and the debits kept as trending.
          const pairs = new Set(raw.filter((e) => e.type === "click" && e.quality === "credited").map((e) => `${e.viewer}|${Math.floor(e.at / DAY_MS)}`));
          const debits = raw.filter((e) => e.slot === "trending").length;
          expect(await store.events.ledger([brandId])).toEqual([{ brandId, uv: pairs.size, pvDelivered: debits }]);
          seen.uv += pairs.size;
          seen.trending += debits;

          // The hot list's scores at the stream's end: each credited event's own decayed weight.
          const end = D0 + 4 * DAY_MS;
          const scoresAtEnd = new Map((await store.events.scores(partnerId, undefined, end)).map((row) => [row.cardId, row.score]));
          const expectedAtEnd = new Map<string, number>();
          for (const e of raw) {
            if (e.quality !== "credited") continue;
            expectedAtEnd.set(e.cardId, (expectedAtEnd.get(e.cardId) ?? 0) + (e.type === "click" ? 10 : 1) * 2 ** (-(end - e.at) / (6 * HOUR_MS)));
          }
          expect([...scoresAtEnd.keys()].sort()).toEqual([...expectedAtEnd.keys()].sort());
          for (const [card, score] of expectedAtEnd) expect(scoresAtEnd.get(card)!).toBeCloseTo(score, 9);
        },
      ),
      { numRuns: backend.name === "memory" ? 80 : 40 },
    );
    // The runs exercised what the property is about.
    expect(seen.uv).toBeGreaterThan(10);
    expect(seen.duplicates).toBeGreaterThan(5);
    expect(seen.trending).toBeGreaterThan(3);
  });
});
