/**
 * The store contract: one test body, run against every backend (`memory.test.ts`,
 * `sqlite.test.ts`, `postgres.test.ts`). Each suite gets a fresh, migrated store.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "@minicard/sdk";
import type { Brand, Partner, StoredCard, StoredEvent, StoredSigningKey } from "../../src/domain/model.js";
import { ConflictError, IDEMPOTENCY_TTL_MS, type BrandCounts, type Store } from "../../src/store/store.js";

/** Opens a fresh, migrated store, and how to dispose of it. */
export type OpenStore = () => Promise<{ store: Store; dispose(): Promise<void> }>;

export const T = 1_700_000_000_000;

export const partner = (id: string, overrides: Partial<Partner> = {}): Partner => ({
  id,
  name: `Partner ${id}`,
  origins: ["https://weibo.example"],
  surfaces: ["dm", "feed"],
  limits: undefined,
  requireSharerPass: false,
  createdAt: T,
  ...overrides,
});

export const brand = (id: string, overrides: Partial<Brand> = {}): Brand => ({
  id,
  name: `Brand ${id}`,
  category: "commercial-brand",
  apps: ["2021000000000001"],
  surfaces: ["dm", "profile", "feed"],
  status: "active",
  invited: true,
  whitelisted: true,
  logo: undefined,
  createdAt: T,
  updatedAt: T,
  ...overrides,
});

const cardClaim: Card = {
  v: 1,
  kind: "app",
  surface: "feed",
  app: { id: "2021000000000001", page: "pages/index/index" },
  title: "Tonight at 19:30",
  brand: { name: "Starlight" },
};

export const card = (id: string, overrides: Partial<StoredCard> = {}): StoredCard => ({
  id,
  brandId: "cinema",
  partnerId: "weibo",
  surface: "feed",
  kind: "app",
  sharer: "alice",
  card: cardClaim,
  token: `token-${id}`,
  kid: "kid-a",
  issuedAt: T,
  expiresAt: T + 3600_000,
  revokedAt: undefined,
  ...overrides,
});

const signingKey = (kid: string, state: StoredSigningKey["state"], createdAt: number): StoredSigningKey => ({
  kid,
  alg: "ES256",
  publicJwk: { kty: "EC", crv: "P-256", x: kid, y: kid, kid },
  privateKey: `plain:${kid}`,
  state,
  createdAt,
  publishedUntil: undefined,
});

/** Registers the contract for one backend. */
export function storeContract(backend: string, open: OpenStore): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await open());
      await store.partners.create(partner("weibo"));
      await store.brands.create(brand("cinema"), "hash-cinema");
    });
    afterAll(() => dispose?.());

    it("answers ping and migrates again without harm", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await expect(store.migrate()).resolves.toBeUndefined();
    });

    it("partners: create, get, list, update; a taken id conflicts", async () => {
      await store.partners.create(partner("douyin", { limits: [{ scope: "sharer", surface: "feed", max: 2, windowSeconds: 60 }] }));
      expect(await store.partners.get("douyin")).toEqual(
        partner("douyin", { limits: [{ scope: "sharer", surface: "feed", max: 2, windowSeconds: 60 }] }),
      );
      expect(await store.partners.get("nobody")).toBeUndefined();
      await expect(store.partners.create(partner("douyin"))).rejects.toBeInstanceOf(ConflictError);
      const updated = await store.partners.update("douyin", { name: "Douyin", origins: ["https://d.example"], limits: undefined });
      expect(updated).toMatchObject({ id: "douyin", name: "Douyin", origins: ["https://d.example"] });
      expect(updated?.limits).toBeUndefined();
      expect(await store.partners.update("nobody", { name: "x" })).toBeUndefined();
      expect((await store.partners.list()).map((p) => p.id)).toEqual(["douyin", "weibo"]);
      expect(await store.partners.update("douyin", { requireSharerPass: true })).toMatchObject({ requireSharerPass: true });
      expect(await store.partners.get("douyin")).toMatchObject({ requireSharerPass: true, name: "Douyin" });
    });

    it("partner keys: put replaces by kid, list per partner, remove", async () => {
      const jwk = (kid: string, x: string) => ({ kty: "EC", crv: "P-256", x, y: "y", kid, alg: "ES256" });
      await store.partners.putKey({ partnerId: "weibo", kid: "k1", jwk: jwk("k1", "a"), createdAt: T });
      await store.partners.putKey({ partnerId: "weibo", kid: "k2", jwk: jwk("k2", "b"), createdAt: T + 1 });
      await store.partners.putKey({ partnerId: "weibo", kid: "k1", jwk: jwk("k1", "c"), createdAt: T + 2 });
      expect((await store.partners.keys("weibo")).map((key) => [key.kid, key.jwk.x])).toEqual([
        ["k1", "c"],
        ["k2", "b"],
      ]);
      expect(await store.partners.keys("douyin")).toEqual([]);
      expect(await store.partners.removeKey("weibo", "k2")).toBe(true);
      expect(await store.partners.removeKey("weibo", "k2")).toBe(false);
      expect((await store.partners.keys("weibo")).map((key) => key.kid)).toEqual(["k1"]);
    });

    it("secrets: the first value is kept for everyone", async () => {
      expect(await store.secrets.get("s1", () => "first", T)).toBe("first");
      expect(await store.secrets.get("s1", () => "second", T)).toBe("first");
      const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => store.secrets.get("s2", () => `value-${i}`, T)));
      expect(new Set(racing).size).toBe(1);
    });

    it("sharers: put is idempotent, has, list, remove", async () => {
      await store.sharers.put("weibo", "bob", T);
      await store.sharers.put("weibo", "alice", T);
      await store.sharers.put("weibo", "alice", T + 1);
      expect(await store.sharers.has("weibo", "alice")).toBe(true);
      expect(await store.sharers.has("douyin", "alice")).toBe(false);
      expect(await store.sharers.list("weibo")).toEqual(["alice", "bob"]);
      expect(await store.sharers.remove("weibo", "bob")).toBe(true);
      expect(await store.sharers.remove("weibo", "bob")).toBe(false);
      expect(await store.sharers.list("weibo")).toEqual(["alice"]);
    });

    it("brands: create, by API key hash, update, keys", async () => {
      await store.brands.create(brand("burger", { logo: "https://b.example/logo.png", invited: false }), "hash-burger");
      expect(await store.brands.get("burger")).toEqual(brand("burger", { logo: "https://b.example/logo.png", invited: false }));
      expect((await store.brands.getByApiKeyHash("hash-burger"))?.id).toBe("burger");
      expect(await store.brands.getByApiKeyHash("nope")).toBeUndefined();
      await expect(store.brands.create(brand("burger"), "hash-other")).rejects.toBeInstanceOf(ConflictError);
      const updated = await store.brands.update("burger", { status: "suspended", invited: true, logo: undefined }, T + 5);
      expect(updated).toMatchObject({ status: "suspended", invited: true, updatedAt: T + 5 });
      expect(updated?.logo).toBeUndefined();
      expect(await store.brands.setApiKeyHash("burger", "hash-new")).toBe(true);
      expect(await store.brands.getByApiKeyHash("hash-burger")).toBeUndefined();
      expect((await store.brands.getByApiKeyHash("hash-new"))?.id).toBe("burger");
      expect(await store.brands.setApiKeyHash("nobody", "x")).toBe(false);
      await store.brands.putKey({ brandId: "burger", kid: "k1", jwk: { kty: "EC", x: "1" }, createdAt: T });
      await store.brands.putKey({ brandId: "burger", kid: "k2", jwk: { kty: "EC", x: "2" }, createdAt: T + 1 });
      await store.brands.putKey({ brandId: "burger", kid: "k1", jwk: { kty: "EC", x: "1b" }, createdAt: T + 2 });
      const keys = await store.brands.keys("burger");
      expect(keys.map((key) => [key.kid, key.jwk.x])).toEqual([
        ["k1", "1b"],
        ["k2", "2"],
      ]);
      expect((await store.brands.list()).map((b) => b.id)).toEqual(["burger", "cinema"]);
    });

    it("rollout: put, overwrite, close again", async () => {
      expect(await store.rollout.get()).toEqual({});
      await store.rollout.put({ campus: "2026-01-01", livelihood: "2026-02-01" });
      expect(await store.rollout.put({ campus: "2026-03-01", livelihood: null })).toEqual({ campus: "2026-03-01" });
    });

    it("cards: insert, get, getMany, statuses, revoke, list, issuedSince, lastExpiryForKey", async () => {
      await store.cards.insert(card("c1", { issuedAt: T + 1, expiresAt: T + 10_000 }));
      await Promise.all([
        store.cards.insert(card("c2", { issuedAt: T + 2, surface: "dm", sharer: undefined, kid: "kid-b", expiresAt: T + 50_000 })),
        store.cards.insert(card("c3", { issuedAt: T + 3, kid: "kid-b", expiresAt: T + 20_000 })),
      ]);
      expect(await store.cards.get("c1")).toEqual(card("c1", { issuedAt: T + 1, expiresAt: T + 10_000 }));
      expect((await store.cards.get("c2"))?.sharer).toBeUndefined();
      expect(await store.cards.get("nope")).toBeUndefined();
      const many = await store.cards.getMany(["c3", "nope", "c1", "c3"]);
      expect(many.map((c) => c.id).sort()).toEqual(["c1", "c3"]);
      expect(many.find((c) => c.id === "c1")).toEqual(card("c1", { issuedAt: T + 1, expiresAt: T + 10_000 }));
      expect(await store.cards.getMany([])).toEqual([]);
      await expect(store.cards.insert(card("c1"))).rejects.toBeInstanceOf(ConflictError);

      expect(await store.cards.revoke("c1", "other-brand", T + 5)).toBe(false);
      expect(await store.cards.revoke("nope", "cinema", T + 5)).toBe(false);
      expect(await store.cards.revoke("c1", "cinema", T + 5)).toBe(true);
      expect((await store.cards.get("c1"))?.revokedAt).toBe(T + 5);

      const statuses = await store.cards.statuses(["c1", "c2", "missing"]);
      expect(statuses.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: "c1", brandId: "cinema", partnerId: "weibo", surface: "feed", expiresAt: T + 10_000, revokedAt: T + 5, brandStatus: "active" },
        { id: "c2", brandId: "cinema", partnerId: "weibo", surface: "dm", expiresAt: T + 50_000, revokedAt: undefined, brandStatus: "active" },
      ]);
      expect(await store.cards.statuses([])).toEqual([]);

      expect((await store.cards.issuedSince(T + 2)).map((ref) => ref.id)).toEqual(["c2", "c3"]);
      expect((await store.cards.issuedSince(T + 2))[0]).toEqual({
        id: "c2",
        brandId: "cinema",
        partnerId: "weibo",
        surface: "dm",
        sharer: undefined,
        issuedAt: T + 2,
      });
      expect(await store.cards.lastExpiryForKey("kid-b")).toBe(T + 50_000);
      expect(await store.cards.lastExpiryForKey("kid-none")).toBe(0);

      expect((await store.cards.listByBrand("cinema")).map((c) => c.id)).toEqual(["c3", "c2", "c1"]);
      expect((await store.cards.listByBrand("cinema", { limit: 1, before: "c3" })).map((c) => c.id)).toEqual(["c2"]);
      expect((await store.cards.listActive("weibo", "feed", T + 15_000, 10)).map((c) => c.id)).toEqual(["c3"]);
      expect((await store.cards.listActive("weibo", undefined, T, 10)).map((c) => c.id)).toEqual(["c3", "c2"]);
    });

    it("idempotency: new, in progress, mismatch, done in the card's transaction, release, takeover", async () => {
      const lease = 60_000;
      expect(await store.idempotency.begin("cinema", "k1", "fp1", T, lease)).toEqual({ state: "new" });
      expect(await store.idempotency.begin("cinema", "k1", "fp1", T + 1, lease)).toEqual({ state: "in_progress" });
      expect(await store.idempotency.begin("cinema", "k1", "fp2", T + 1, lease)).toEqual({ state: "mismatch" });
      const response = { status: 201, headers: { location: "/v1/cards/i1" }, body: { id: "i1" } };
      await store.cards.insert(card("i1"), { brandId: "cinema", key: "k1", response });
      expect(await store.idempotency.begin("cinema", "k1", "fp1", T + 2, lease)).toEqual({ state: "done", response });
      // A finished key is remembered for a day, then may be used afresh.
      expect(await store.idempotency.begin("cinema", "k1", "fp1", T + IDEMPOTENCY_TTL_MS + 1, lease)).toEqual({ state: "new" });

      expect(await store.idempotency.begin("cinema", "k2", "fp", T, lease)).toEqual({ state: "new" });
      await store.idempotency.release("cinema", "k2");
      expect(await store.idempotency.begin("cinema", "k2", "fp", T + 1, lease)).toEqual({ state: "new" });
      // A crashed request's lease runs out: the key can be taken over.
      expect(await store.idempotency.begin("cinema", "k2", "fp", T + 1 + lease + 1, lease)).toEqual({ state: "new" });
      // Keys belong to one brand.
      expect(await store.idempotency.begin("burger", "k2", "other", T, lease)).toEqual({ state: "new" });
    });

    it("idempotency: exactly one of many concurrent claims wins", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.idempotency.begin("cinema", "race", "fp", T, 60_000)),
      );
      expect(results.filter((result) => result.state === "new")).toHaveLength(1);
    });

    it("assertions: a jti is used once until it expires", async () => {
      expect(await store.assertions.use("cinema", "j1", T + 300_000, T)).toBe(true);
      expect(await store.assertions.use("cinema", "j1", T + 300_000, T + 1)).toBe(false);
      expect(await store.assertions.use("burger", "j1", T + 300_000, T + 1)).toBe(true);
      expect(await store.assertions.use("cinema", "j1", T + 900_000, T + 300_001)).toBe(true);
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.assertions.use("cinema", "j2", T + 300_000, T)));
      expect(concurrent.filter(Boolean)).toHaveLength(1);
    });

    it("signing keys: save applies a rotation at once, purge drops unpublished retired keys", async () => {
      await store.signingKeys.save([signingKey("a", "current", T), signingKey("b", "next", T + 1)], []);
      expect((await store.signingKeys.list()).map((key) => [key.kid, key.state])).toEqual([
        ["a", "current"],
        ["b", "next"],
      ]);
      await store.signingKeys.save(
        [signingKey("c", "next", T + 2)],
        [
          { kid: "a", state: "retired", publishedUntil: T + 1000, privateKey: "sealed:v1:x" },
          { kid: "b", state: "current", publishedUntil: undefined, privateKey: "plain:b" },
        ],
      );
      const keys = await store.signingKeys.list();
      expect(keys.map((key) => [key.kid, key.state, key.publishedUntil])).toEqual([
        ["a", "retired", T + 1000],
        ["b", "current", undefined],
        ["c", "next", undefined],
      ]);
      expect(keys[0]!.privateKey).toBe("sealed:v1:x");
      expect(keys[1]!.publicJwk).toEqual({ kty: "EC", crv: "P-256", x: "b", y: "b", kid: "b" });
      expect(await store.signingKeys.purge(T + 999)).toBe(0);
      expect(await store.signingKeys.purge(T + 1000)).toBe(1);
      expect((await store.signingKeys.list()).map((key) => key.kid)).toEqual(["b", "c"]);
      // A rotation that fails part-way changes nothing.
      await expect(
        store.signingKeys.save([signingKey("d", "next", T + 3), signingKey("c", "next", T + 3)], [{ kid: "b", state: "retired", publishedUntil: T, privateKey: "plain:b" }]),
      ).rejects.toThrow();
      expect((await store.signingKeys.list()).map((key) => [key.kid, key.state])).toEqual([
        ["b", "current"],
        ["c", "next"],
      ]);
    });

    const storedEvent = (id: string, at: number, overrides: Partial<StoredEvent> = {}): StoredEvent => ({
      id,
      type: "impression",
      cardId: "c3",
      brandId: "cinema",
      partnerId: "weibo",
      surface: "feed",
      slot: "organic",
      quality: "credited",
      visitor: "v1",
      viewer: "p1",
      placement: undefined,
      at,
      dedupKey: undefined,
      ...overrides,
    });

    it("events: insert skips repeated dedup keys and ids, lists a brand's raw events", async () => {
      const event = storedEvent;
      const first = await store.events.insert([event("e1", T + 10, { dedupKey: "d1" }), event("e2", T + 20, { type: "click", quality: "unverified", viewer: undefined })]);
      expect(first.map((outcome) => outcome.duplicate)).toEqual([false, false]);
      const second = await store.events.insert([event("e3", T + 30, { dedupKey: "d1" }), event("e4", T + 40, { brandId: "burger", quality: "bot", viewer: undefined }), event("e1", T + 10)]);
      expect(second.map((outcome) => [outcome.id, outcome.duplicate])).toEqual([
        ["e3", true],
        ["e4", false],
        ["e1", true],
      ]);
      expect(await store.events.insert([])).toEqual([]);
      expect((await store.events.listByBrand("cinema", T, T + 100)).map((e) => e.id)).toEqual(["e1", "e2"]);
      expect((await store.events.listByBrand("cinema", T + 11, T + 20)).map((e) => e.id)).toEqual([]);
      expect(await store.events.listByBrand("cinema", T + 10, T + 11)).toEqual([event("e1", T + 10, { dedupKey: "d1" })]);
      expect((await store.events.listByBrand("cinema", T + 20, T + 21))[0]).toMatchObject({ quality: "unverified", viewer: undefined });
      expect((await store.events.listByBrand("burger", T, T + 100)).map((e) => e.id)).toEqual(["e4"]);
    });

    it("events: the ledger counts one UV per credited viewer and UTC day, one debit per placement and viewer", async () => {
      const day = 86_400_000;
      const event = (id: string, type: StoredEvent["type"], viewer: string | undefined, at: number, overrides: Partial<StoredEvent> = {}) =>
        storedEvent(id, at, { type, brandId: "ledger-brand", viewer, visitor: `w-${viewer}`, quality: viewer === undefined ? "unverified" : "credited", ...overrides });
      const outcomes = await store.events.insert([
        event("l1", "click", "v1", T),
        event("l2", "click", "v1", T + 60_000), // same viewer, same day: one UV
        event("l3", "click", "v1", T + day), // the next day: another UV
        event("l4", "click", "v2", T),
        event("l5", "impression", "v3", T, { slot: "trending", placement: "pl-a" }),
        event("l6", "impression", "v3", T + 1, { slot: "trending", placement: "pl-a" }), // the same placement again: organic
        event("l7", "impression", "v4", T, { slot: "trending", placement: "pl-a" }), // another viewer: debits
        event("l8", "impression", "v3", T + 2, { slot: "trending", placement: "pl-b" }), // another placement: debits
        event("l9", "impression", "v4", T, { slot: "organic" }),
        event("l10", "click", undefined, T), // not credited: no UV
        event("l11", "click", "v5", T, { quality: "suspect", viewer: undefined }),
      ]);
      expect(outcomes.map((outcome) => [outcome.id, outcome.uv, outcome.slot])).toEqual([
        ["l1", true, "organic"],
        ["l2", false, "organic"],
        ["l3", true, "organic"],
        ["l4", true, "organic"],
        ["l5", false, "trending"],
        ["l6", false, "organic"],
        ["l7", false, "trending"],
        ["l8", false, "trending"],
        ["l9", false, "organic"],
        ["l10", false, "organic"],
        ["l11", false, "organic"],
      ]);
      // A replay of a stored event earns nothing again; the reused placement is stored as organic.
      expect((await store.events.insert([event("l1", "click", "v1", T), event("l5", "impression", "v3", T, { slot: "trending", placement: "pl-a" })])).map((o) => [o.duplicate, o.uv, o.slot])).toEqual([
        [true, false, "organic"],
        [true, false, "organic"],
      ]);
      const l6 = (await store.events.listByBrand("ledger-brand", T + 1, T + 2)).find((e) => e.id === "l6");
      expect(l6?.slot).toBe("organic");
      const ledger = await store.events.ledger(["ledger-brand", "nobody"]);
      expect(ledger).toEqual([
        { brandId: "ledger-brand", uv: 3, pvDelivered: 3 },
        { brandId: "nobody", uv: 0, pvDelivered: 0 },
      ]);
      expect(await store.events.ledger([])).toEqual([]);
    });

    it("events: concurrent batches credit a viewer once a day and a placement once per viewer", async () => {
      const event = (id: string, type: StoredEvent["type"]) =>
        storedEvent(id, T + 5 * 86_400_000, { type, brandId: "race-brand", viewer: "racer", visitor: id, ...(type === "impression" ? { slot: "trending", placement: "pl-race" } : {}) });
      const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => store.events.insert([event(`rc${i}`, "click"), event(`ri${i}`, "impression")])));
      const outcomes = batches.flat();
      expect(outcomes.filter((outcome) => outcome.uv)).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.slot === "trending")).toHaveLength(1);
      expect(await store.events.ledger(["race-brand"])).toEqual([{ brandId: "race-brand", uv: 1, pvDelivered: 1 }]);
    });

    const H = 3_600_000;
    const D = 86_400_000;
    // A day boundary: rollups by hour and by day, ranges with whole days and hour edges.
    const D0 = Math.floor(T / D) * D + 10 * D;

    it("events: counts roll up at ingest by surface, slot and quality, per card, by hour and by day; duplicates count nothing", async () => {
      await store.cards.insert(card("roll-a", { brandId: "roll" }));
      await store.cards.insert(card("roll-b", { brandId: "roll", surface: "dm" }));
      await store.cards.insert(card("roll-idle", { brandId: "roll" }));
      const event = (id: string, at: number, overrides: Partial<StoredEvent> = {}) => storedEvent(id, at, { brandId: "roll", cardId: "roll-a", visitor: id, ...overrides });
      await store.events.insert([
        event("r1", D0 + 1 * H), // day 0, hour 1
        event("r2", D0 + 1 * H + 5, { type: "click", viewer: "a" }),
        event("r3", D0 + 1 * H + 6, { type: "click", viewer: "a" }), // the same visit again: no new UV
        event("r4", D0 + 23 * H, { cardId: "roll-b", surface: "dm", quality: "bot", viewer: undefined }),
        event("r5", D0 + D + 2 * H, { type: "click", viewer: "a" }), // the next day: a new visit
        event("r6", D0 + D + 2 * H, { type: "click", viewer: "b", cardId: "roll-b", surface: "dm" }),
        event("r7", D0 + 2 * D + 5 * H, { slot: "trending", placement: "pl-roll", viewer: "b" }),
        event("r8", D0 + 2 * D + 5 * H, { quality: "unverified", viewer: undefined, dedupKey: "k8" }),
      ]);
      // Replays: the same id, the same dedup key: nothing more is counted.
      await store.events.insert([event("r1", D0 + 1 * H), event("r9", D0 + 2 * D + 5 * H, { quality: "unverified", viewer: undefined, dedupKey: "k8" })]);

      const byKey = <T>(rows: T[], key: (row: T) => string) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
      const cells = (counts: BrandCounts) => byKey(counts.cells, (c) => `${c.surface}|${c.slot}|${c.quality}`);
      const cards = (counts: BrandCounts) => byKey(counts.cards, (c) => c.cardId);
      const whole = await store.events.counts("roll", D0, D0 + 3 * D);
      expect(cells(whole)).toEqual([
        { surface: "dm", slot: "organic", quality: "bot", impressions: 1, clicks: 0 },
        { surface: "dm", slot: "organic", quality: "credited", impressions: 0, clicks: 1 },
        { surface: "feed", slot: "organic", quality: "credited", impressions: 1, clicks: 3 },
        { surface: "feed", slot: "organic", quality: "unverified", impressions: 1, clicks: 0 },
        { surface: "feed", slot: "trending", quality: "credited", impressions: 1, clicks: 0 },
      ]);
      expect(cards(whole)).toEqual([
        { cardId: "roll-a", impressions: 3, clicks: 3, trending: 1, uv: 2 },
        { cardId: "roll-b", impressions: 1, clicks: 1, trending: 0, uv: 1 },
      ]);
      expect(whole.days).toEqual([
        { day: D0 / D, impressions: 2, clicks: 2, uv: 1 },
        { day: D0 / D + 1, impressions: 0, clicks: 2, uv: 2 },
        { day: D0 / D + 2, impressions: 2, clicks: 0, uv: 0 },
      ]);
      const uv = (rows: BrandCounts["uniques"]) => Object.fromEntries(rows.map((row) => [`${row.scope}:${row.item}`, row.uv]));
      expect(uv(whole.uniques)).toEqual({ "brand:": 3, "surface:feed": 2, "surface:dm": 1 });

      // One whole day (day 1) read from running totals, and ranges of whole days at either end.
      expect(cards(await store.events.counts("roll", D0 + D, D0 + 2 * D))).toEqual([
        { cardId: "roll-a", impressions: 0, clicks: 1, trending: 0, uv: 1 },
        { cardId: "roll-b", impressions: 0, clicks: 1, trending: 0, uv: 1 },
      ]);
      expect(cards(await store.events.counts("roll", D0 + 2 * D, D0 + 5 * D))).toEqual([{ cardId: "roll-a", impressions: 2, clicks: 0, trending: 1, uv: 0 }]);
      // Hour edges around whole days read the hourly rollups: [day 0 01:00, day 2 05:00).
      const edges = await store.events.counts("roll", D0 + 1 * H, D0 + 2 * D + 5 * H);
      expect(edges.days.map((row) => [row.impressions, row.clicks, row.uv])).toEqual([
        [2, 2, 1],
        [0, 2, 2],
      ]);
      expect(cards(edges)).toEqual([
        { cardId: "roll-a", impressions: 1, clicks: 3, trending: 0, uv: 2 },
        { cardId: "roll-b", impressions: 1, clicks: 1, trending: 0, uv: 1 },
      ]);
      // Only hours: [day 0 02:00, day 0 23:00) holds nothing; [23:00, 24:00) the bot impression.
      expect(await store.events.counts("roll", D0 + 2 * H, D0 + 23 * H)).toEqual({ cells: [], cards: [], days: [], uniques: [] });
      const late = await store.events.counts("roll", D0 + 23 * H, D0 + D);
      expect(late.cells).toEqual([{ surface: "dm", slot: "organic", quality: "bot", impressions: 1, clicks: 0 }]);
      expect(late.cards).toEqual([{ cardId: "roll-b", impressions: 1, clicks: 0, trending: 0, uv: 0 }]);
      expect(await store.events.counts("nobody", D0, D0 + 3 * D)).toEqual({ cells: [], cards: [], days: [], uniques: [] });
      expect(await store.events.ledger(["roll"])).toEqual([{ brandId: "roll", uv: 3, pvDelivered: 1 }]);

      // A late event of an earlier day moves that day's and every later day's running totals.
      await store.events.insert([event("r10", D0 + D + 3 * H, { cardId: "roll-b", surface: "dm", quality: "unverified", viewer: undefined })]);
      expect(cards(await store.events.counts("roll", D0 + D, D0 + 2 * D)).find((c) => c.cardId === "roll-b")).toMatchObject({ impressions: 1, clicks: 1 });
      expect(cards(await store.events.counts("roll", D0, D0 + 3 * D)).find((c) => c.cardId === "roll-b")).toMatchObject({ impressions: 2, clicks: 1 });
      expect(cards(await store.events.counts("roll", D0 + 2 * D, D0 + 3 * D))).toEqual([{ cardId: "roll-a", impressions: 2, clicks: 0, trending: 1, uv: 0 }]);
    });

    it("events: scores decay each credited event by half every six hours, per partner and surface", async () => {
      const now = D0 + 40 * D;
      const event = (id: string, at: number, overrides: Partial<StoredEvent> = {}) => storedEvent(id, at, { brandId: "score", partnerId: "score-partner", visitor: id, ...overrides });
      await store.events.insert([
        event("s1", now - 6 * H), // 1 · 2^-1
        event("s2", now - 90 * 60_000, { type: "click", viewer: "z" }), // 10 · 2^-0.25
        event("s3", now - 12 * H - 17 * 60_000, { cardId: "c4", surface: "dm" }), // 2^-(12h17m / 6h)
        event("s4", now - H, { quality: "bot", viewer: undefined }), // not credited: no score
        event("s5", now - 8 * D, { cardId: "c5" }), // out of the window
      ]);
      const scores = async (surface?: "feed" | "dm") => Object.fromEntries((await store.events.scores("score-partner", surface, now)).map((row) => [row.cardId, row.score]));
      const all = await scores();
      expect(Object.keys(all).sort()).toEqual(["c3", "c4"]);
      expect(all.c3).toBeCloseTo(0.5 + 10 * 2 ** -0.25, 9);
      expect(all.c4).toBeCloseTo(2 ** (-(12 * H + 17 * 60_000) / (6 * H)), 9);
      expect(Object.keys(await scores("dm"))).toEqual(["c4"]);
      expect(await store.events.scores("other", undefined, now)).toEqual([]);
    });

    it("events: purge deletes raw events of days before the cutoff, in bounded batches, and keeps counts, ledger and scores", async () => {
      const now = D0 + 80 * D;
      const event = (id: string, at: number, overrides: Partial<StoredEvent> = {}) => storedEvent(id, at, { brandId: "purge", partnerId: "purge-partner", visitor: id, ...overrides });
      const old = Array.from({ length: 7 }, (_, i) => event(`p-old-${i}`, now - 40 * D + i * H, i % 2 ? { type: "click", viewer: `w${i}` } : {}));
      const recent = [event("p-new-0", now - 2 * H), event("p-new-1", now - H, { type: "click", viewer: "w9" })];
      await store.events.insert([...old, ...recent]);
      const before = { counts: await store.events.counts("purge", now - 60 * D, now + H), ledger: await store.events.ledger(["purge"]), scores: await store.events.scores("purge-partner", undefined, now) };
      const cutoff = Math.floor(now / D) - 30;
      const deleted: number[] = [];
      for (let n = 3; n >= 3; ) deleted.push((n = await store.events.purge(cutoff, 3, now)));
      // Earlier tests' events (all before the cutoff) go too.
      expect(deleted.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(store.kind === "postgres" ? 0 : 7);
      // SQLite and memory delete in bounded batches; PostgreSQL drops whole days.
      if (store.kind !== "postgres") expect(Math.max(...deleted)).toBeLessThanOrEqual(3);
      expect((await store.events.listByBrand("purge", 0, now + H)).map((e) => e.id)).toEqual(["p-new-0", "p-new-1"]);
      expect(await store.events.counts("purge", now - 60 * D, now + H)).toEqual(before.counts);
      expect(await store.events.ledger(["purge"])).toEqual(before.ledger);
      expect(await store.events.scores("purge-partner", undefined, now)).toEqual(before.scores);
      expect(before.ledger).toEqual([{ brandId: "purge", uv: 4, pvDelivered: 0 }]);
      expect(await store.events.purge(cutoff, 3, now)).toBe(0);
    });

    // Last: its cards would show in the earlier tests' lists.
    it("cards: group-commit batches of one size share one statement, whatever their rows hold", async () => {
      // The insert's SQL is compiled once per batch size (five and six cards: sizes no earlier
      // test wrote); later batches of that size only bring their values, in the same column
      // order, with absent fields as NULL, whichever fields the first batch of the size lacked.
      const batch = (prefix: string, size: number, absent: (i: number) => boolean) =>
        Array.from({ length: size }, (_, i) =>
          card(`${prefix}-${i}`, absent(i) ? { sharer: undefined, surface: "dm", revokedAt: undefined } : { kind: "product", kid: `kid-${i}`, revokedAt: T + i, issuedAt: T + i }),
        );
      const first = batch("bs-a", 5, (i) => i === 0);
      const second = batch("bs-b", 5, (i) => i !== 0);
      const third = batch("bs-c", 6, (i) => i % 2 === 1);
      for (const cards of [first, second, third, batch("bs-d", 6, (i) => i % 2 === 0)]) {
        await Promise.all(cards.map((one) => store.cards.insert(one)));
        for (const one of cards) expect(await store.cards.get(one.id)).toEqual(one);
      }
    });
  });
}
