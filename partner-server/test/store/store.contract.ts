/**
 * The store contract: one test body, run against every backend (`memory.test.ts`,
 * `sqlite.test.ts`, `postgres.test.ts`). Each suite gets a fresh, migrated store.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "@minicard/sdk";
import type { Brand, Partner, StoredCard, StoredEvent, StoredSigningKey } from "../../src/domain/model.js";
import { ConflictError, IDEMPOTENCY_TTL_MS, type Store } from "../../src/store/store.js";

/** Opens a fresh, migrated store, and how to dispose of it. */
export type OpenStore = () => Promise<{ store: Store; dispose(): Promise<void> }>;

const T = 1_700_000_000_000;

const partner = (id: string, overrides: Partial<Partner> = {}): Partner => ({
  id,
  name: `Partner ${id}`,
  origins: ["https://weibo.example"],
  surfaces: ["dm", "feed"],
  limits: undefined,
  createdAt: T,
  ...overrides,
});

const brand = (id: string, overrides: Partial<Brand> = {}): Brand => ({
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

const card = (id: string, overrides: Partial<StoredCard> = {}): StoredCard => ({
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

    it("cards: insert, get, statuses, revoke, list, issuedSince, lastExpiryForKey", async () => {
      await store.cards.insert(card("c1", { issuedAt: T + 1, expiresAt: T + 10_000 }));
      await Promise.all([
        store.cards.insert(card("c2", { issuedAt: T + 2, surface: "dm", sharer: undefined, kid: "kid-b", expiresAt: T + 50_000 })),
        store.cards.insert(card("c3", { issuedAt: T + 3, kid: "kid-b", expiresAt: T + 20_000 })),
      ]);
      expect(await store.cards.get("c1")).toEqual(card("c1", { issuedAt: T + 1, expiresAt: T + 10_000 }));
      expect((await store.cards.get("c2"))?.sharer).toBeUndefined();
      expect(await store.cards.get("nope")).toBeUndefined();
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

    it("events: insert skips repeated dedup keys, list by brand and by partner", async () => {
      const event = (id: string, at: number, overrides: Partial<StoredEvent> = {}): StoredEvent => ({
        id,
        type: "impression",
        cardId: "c3",
        brandId: "cinema",
        partnerId: "weibo",
        surface: "feed",
        slot: "organic",
        visitor: "v1",
        at,
        dedupKey: undefined,
        ...overrides,
      });
      expect(await store.events.insert([event("e1", T + 10, { dedupKey: "d1" }), event("e2", T + 20, { type: "click" })])).toBe(2);
      expect(await store.events.insert([event("e3", T + 30, { dedupKey: "d1" }), event("e4", T + 40, { brandId: "burger" })])).toBe(1);
      expect(await store.events.insert([])).toBe(0);
      expect((await store.events.listByBrand("cinema", T, T + 100)).map((e) => e.id)).toEqual(["e1", "e2"]);
      expect((await store.events.listByBrand("cinema", T + 11, T + 20)).map((e) => e.id)).toEqual([]);
      expect(await store.events.listByBrand("cinema", T + 10, T + 11)).toEqual([event("e1", T + 10, { dedupKey: "d1" })]);
      expect((await store.events.listByPartner("weibo", T + 15)).map((e) => e.id)).toEqual(["e2", "e4"]);
    });

    it("events: the traffic-exchange ledger counts UV per visitor and UTC day, PV in trending slots", async () => {
      const event = (id: string, type: StoredEvent["type"], visitor: string, at: number, slot: StoredEvent["slot"] = "organic"): StoredEvent => ({
        id,
        type,
        cardId: "c3",
        brandId: "ledger-brand",
        partnerId: "weibo",
        surface: "feed",
        slot,
        visitor,
        at,
        dedupKey: undefined,
      });
      const day = 86_400_000;
      await store.events.insert([
        event("l1", "click", "v1", T),
        event("l2", "click", "v1", T + 60_000), // same visitor, same day: one UV
        event("l3", "click", "v1", T + day), // the next day: another UV
        event("l4", "click", "v2", T),
        event("l5", "impression", "v3", T, "trending"),
        event("l6", "impression", "v3", T + 1, "trending"),
        event("l7", "impression", "v4", T, "organic"),
      ]);
      const ledger = await store.events.ledger(["ledger-brand", "nobody"]);
      expect(ledger).toEqual([
        { brandId: "ledger-brand", uv: 3, pvDelivered: 2 },
        { brandId: "nobody", uv: 0, pvDelivered: 0 },
      ]);
      expect(await store.events.ledger([])).toEqual([]);
    });
  });
}
