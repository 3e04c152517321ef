/**
 * Events that must be refused: unknown and revoked cards, another partner's card, a page
 * that is not a partner origin, no origin at all, more than 50 in a batch. Each is refused
 * with a clear code, and nothing of it is stored (read back from the store and from stats).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_ONE, HOUR, ORIGIN, growthWorld, type GrowthWorld } from "./support.js";

describe("POST /v1/events refusals", () => {
  let world: GrowthWorld;
  let live: string;
  let revoked: string;
  const stored = () => world.server.server.context.store.events.listByBrand("cinema", 0, Number.MAX_SAFE_INTEGER);

  beforeAll(async () => {
    world = await growthWorld();
    live = (await world.issue()).id;
    revoked = (await world.issue({ title: "Withdrawn" })).id;
    const response = await fetch(`${world.server.url}/v1/cards/${revoked}`, { method: "DELETE", headers: { authorization: `Bearer ${world.apiKey}` } });
    expect(response.status).toBe(204);
  });
  afterAll(() => world.server.close());

  const event = (card: string, extra: Record<string, unknown> = {}) => ({ type: "impression", card, visitor: "v_refused", ts: DAY_ONE + 7 * HOUR, ...extra });

  it("refuses unknown and revoked cards one by one with card_unknown / card_unavailable, storing nothing", async () => {
    const { status, body } = await world.send([event("01JAAAAAAAAAAAAAAAAAAAAAAA"), event(revoked), event(revoked, { type: "click" })]);
    expect(status).toBe(202);
    expect(body).toMatchObject({
      accepted: 0,
      duplicates: 0,
      rejected: 3,
      credited: 0,
      results: [
        { index: 0, status: "rejected", code: "card_unknown" },
        { index: 1, status: "rejected", code: "card_unavailable" },
        { index: 2, status: "rejected", code: "card_unavailable" },
      ],
      errors: [
        { index: 0, code: "card_unknown", message: expect.stringContaining("01JAAAAAAAAAAAAAAAAAAAAAAA") },
        { index: 1, code: "card_unavailable", message: expect.stringContaining("revoked") },
        { index: 2, code: "card_unavailable", message: expect.stringContaining("revoked") },
      ],
    });
    expect(await stored()).toEqual([]);
  });

  it("stores only the good events of a mixed batch", async () => {
    const { body } = await world.send([event(live), event(revoked), { type: "impression", card: live }]);
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.errors.map((error: { code: string }) => error.code)).toEqual(["card_unavailable", "invalid_event"]);
    const events = await stored();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ cardId: live, type: "impression", visitor: "v_refused", slot: "organic" });
  });

  it("refuses a page that is not a partner origin, and a request without Origin, with origin_not_allowed", async () => {
    const before = (await stored()).length;
    for (const origin of ["https://evil.example", "https://weibo.example.evil.example", null]) {
      const { status, body } = await world.send([event(live, { visitor: "v_foreign" })], { origin });
      expect(status, String(origin)).toBe(403);
      expect(body.code).toBe("origin_not_allowed");
    }
    // A browser is not even allowed to read the answer on a foreign origin (no CORS grant).
    const preflight = await fetch(`${world.server.url}/v1/events`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const granted = await fetch(`${world.server.url}/v1/events`, { method: "OPTIONS", headers: { origin: ORIGIN, "access-control-request-method": "POST" } });
    expect(granted.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await stored()).toHaveLength(before);
  });

  it("refuses a batch over 50 events with too_many_events, storing none of them", async () => {
    const before = (await stored()).length;
    const batch = Array.from({ length: 51 }, (_, i) => event(live, { visitor: `v_batch_${i}` }));
    const { status, body } = await world.send(batch);
    expect(status).toBe(400);
    expect(body.code).toBe("too_many_events");
    expect(await stored()).toHaveLength(before);
    // 50 is fine.
    const ok = await world.send(batch.slice(0, 50));
    expect(ok.body).toMatchObject({ accepted: 50, rejected: 0 });
    expect(await stored()).toHaveLength(before + 50);
  });

  it("leaves refused events out of the brand's stats", async () => {
    const stats = await (await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-20&to=2026-11-20`, { headers: { authorization: `Bearer ${world.apiKey}` } })).json();
    expect(stats.impressions).toBe(51);
    expect(stats.clicks).toBe(0);
    expect(stats.byCard.map((row: { card: string }) => row.card)).toEqual([live]);
  });

  it("counts trending impressions of a brand without exposure balance as organic (no_balance), and as paid once a visit earned one", async () => {
    const card = { id: live, surface: "dm" as const };
    const trending = (visitor: string) => event(live, { visitor, slot: "trending", placement: world.placement(card) });
    const unpaid = await world.send([trending("v_t1")]);
    expect(unpaid.body).toMatchObject({ accepted: 1, rejected: 0, results: [{ status: "accepted", quality: "credited", slot: "organic", reason: "no_balance" }] });
    expect((await stored()).filter((e) => e.slot === "trending")).toEqual([]);
    // A click from the hot list counts even without balance: it is a visit, and it earns 3000 PV.
    const visit = await world.send([event(live, { type: "click", visitor: "v_t2", slot: "trending" })]);
    expect(visit.body).toMatchObject({ accepted: 1, rejected: 0, results: [{ status: "accepted", quality: "credited", uv: true }] });
    const paid = await world.send([trending("v_t3")]);
    expect(paid.body).toMatchObject({ accepted: 1, rejected: 0, results: [{ status: "accepted", quality: "credited", slot: "trending" }] });
    expect((await stored()).filter((e) => e.slot === "trending").map((e) => e.type)).toEqual(["impression"]);
  });
});
