/**
 * The hot list: scores follow the documented decay (Σ weight · 2^(−age / 6 h), impression 1,
 * click 10) over credited events, the list is ordered by score, each entry's placement pays
 * for its impressions, and a brand whose exposure balance reaches zero leaves the paid slots.
 * The expected scores are computed here from the formula.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ID, admin, cardInput, postCard } from "../support/server.js";
import { DAY_ONE, HOUR, growthWorld, sendAll, type GrowthWorld } from "./support.js";

const HALF_LIFE = 6 * HOUR;
const WEIGHT = { impression: 1, click: 10 } as const;

interface Sent {
  type: "impression" | "click";
  card: string;
  visitor: string;
  ts: number;
  slot?: "organic" | "trending";
  placement?: string;
}

describe("GET /v1/trending", () => {
  let world: GrowthWorld;
  const sent: Sent[] = [];
  let a: string, b: string, c: string, quiet: string, burgerKey: string;

  const trending = async (query = "partner=weibo") => {
    const response = await fetch(`${world.server.url}/v1/trending?${query}`, { headers: { origin: "https://anyone.example" } });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  const expectedScore = (card: string, now: number) =>
    sent.filter((e) => e.card === card).reduce((sum, e) => sum + WEIGHT[e.type] * 2 ** (-(now - e.ts) / HALF_LIFE), 0);
  /** Sends events as signed-in readers (each visitor with its pass): all credited. */
  async function send(events: Sent[]) {
    const totals = await sendAll(world, events);
    expect(totals).toMatchObject({ rejected: 0, duplicates: 0, credited: events.length });
    sent.push(...events);
  }

  beforeAll(async () => {
    // A ratio of 2 PV per UV makes the balance easy to exhaust.
    world = await growthWorld({ ratio: 2 });
    const burger = await admin(world.server.url).createBrand({ id: "burger", name: "Burger Lab", category: "commercial-brand", apps: ["2021000000000002"], surfaces: ["feed"], invited: true });
    a = (await world.issue({ surface: "feed", title: "A" })).id;
    b = (await world.issue({ surface: "feed", title: "B" })).id;
    quiet = (await world.issue({ surface: "feed", title: "No engagement" })).id;
    burgerKey = burger.apiKey;
    const issued = await postCard(world.server.url, burger.apiKey, cardInput({ surface: "feed", sharer: "bob", title: "C", app: { id: "2021000000000002", page: "pages/menu/index" } }));
    expect(issued.status).toBe(201);
    c = issued.body.id;
    expect(APP_ID).not.toBe("2021000000000002");

    world.clock.now = DAY_ONE + 20 * HOUR;
    const at = (hour: number, minute = 0) => DAY_ONE + hour * HOUR + minute * 60_000;
    await send([
      // One visitor each opens the brand's mini-program: uv 1, 2 PV granted to each brand.
      { type: "click", card: a, visitor: "u1", ts: at(10) },
      { type: "click", card: c, visitor: "u2", ts: at(10) },
      ...Array.from({ length: 10 }, (_, i): Sent => ({ type: "impression", card: a, visitor: `a${i}`, ts: at(14) })),
      ...Array.from({ length: 3 }, (_, i): Sent => ({ type: "impression", card: b, visitor: `b${i}`, ts: at(20) })),
      ...Array.from({ length: 4 }, (_, i): Sent => ({ type: "impression", card: c, visitor: `c${i}`, ts: at(17) })),
    ]);
  });
  afterAll(() => world.server.close());

  it("ranks cards by the decayed score, open to any origin and cacheable", async () => {
    const { status, headers, body } = await trending();
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBe("*");
    expect(headers.get("cache-control")).toBe("public, max-age=30");
    expect(body.halfLifeSeconds).toBe(6 * 3600);
    const now = world.clock.now;
    const want = [a, b, c].map((id) => ({ id, score: expectedScore(id, now) })).sort((x, y) => y.score - x.score);
    expect(want.map((entry) => entry.id)).toEqual([a, c, b]); // the scripted order, by the formula
    expect(body.cards.map((card: { id: string }) => card.id)).toEqual(want.map((entry) => entry.id));
    body.cards.forEach((card: { rank: number; score: number; token: string; surface: string; url: string }, i: number) => {
      expect(card.rank).toBe(i + 1);
      expect(card.score).toBeCloseTo(want[i]!.score, 5);
      expect(card.token.split(".")).toHaveLength(3);
      expect(card.surface).toBe("feed");
      expect(card.url).toBe(`${world.server.url}/c/${want[i]!.id}`);
    });
    expect(body.cards.map((card: { id: string }) => card.id)).not.toContain(quiet);
  });

  it("halves every score after one half-life", async () => {
    const before = (await trending()).body.cards as Array<{ id: string; score: number }>;
    world.clock.now += HALF_LIFE;
    const after = (await trending()).body.cards as Array<{ id: string; score: number }>;
    expect(after.map((card) => card.id)).toEqual(before.map((card) => card.id));
    after.forEach((card, i) => {
      expect(card.score).toBeCloseTo(before[i]!.score / 2, 5);
      expect(card.score).toBeCloseTo(expectedScore(card.id, world.clock.now), 5);
    });
    world.clock.now -= HALF_LIFE;
  });

  it("is announced in the discovery document, with the stats endpoint", async () => {
    const discovery = await (await fetch(`${world.server.url}/.well-known/minicard-configuration`)).json();
    expect(discovery).toMatchObject({ trending_endpoint: `${world.server.url}/v1/trending`, stats_endpoint: `${world.server.url}/v1/brands/me/stats` });
  });

  it("honours limit and surface, and checks its query", async () => {
    expect((await trending("partner=weibo&limit=1")).body.cards.map((card: { id: string }) => card.id)).toEqual([a]);
    expect((await trending("partner=weibo&surface=dm")).body.cards).toEqual([]);
    expect((await trending("partner=weibo&surface=feed")).body.cards).toHaveLength(3);
    expect((await trending("")).status).toBe(400);
    expect((await trending("partner=weibo&limit=500")).status).toBe(400);
    expect((await trending("partner=weibo&surface=wall")).status).toBe(400);
    expect((await trending("partner=nobody")).status).toBe(404);
  });

  it("drops a brand from the paid slots once its balance reaches zero", async () => {
    const ledger = async (apiKey: string) =>
      (await (await fetch(`${world.server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${apiKey}` } })).json()).ledger;
    // Burger Lab's card is shown twice in the hot list: 2 PV delivered of the 2 granted.
    const placement = (await trending()).body.cards.find((card: { id: string }) => card.id === c).placement;
    await send([
      { type: "impression", card: c, visitor: "t1", ts: world.clock.now, slot: "trending", placement },
      { type: "impression", card: c, visitor: "t2", ts: world.clock.now, slot: "trending", placement },
    ]);
    expect(await ledger(burgerKey)).toEqual({ uv: 1, pvGranted: 2, pvDelivered: 2, pvBalance: 0 });
    const ids = (await trending()).body.cards.map((card: { id: string }) => card.id);
    expect(ids).toEqual([a, b]);
    expect(await ledger(world.apiKey)).toEqual({ uv: 1, pvGranted: 2, pvDelivered: 0, pvBalance: 2 });

    // A new visitor tops the balance up again, and the card is back.
    await send([{ type: "click", card: c, visitor: "u3", ts: world.clock.now }]);
    expect((await trending()).body.cards.map((card: { id: string }) => card.id)).toContain(c);
  });

  it("never lists a revoked card", async () => {
    await fetch(`${world.server.url}/v1/cards/${b}`, { method: "DELETE", headers: { authorization: `Bearer ${world.apiKey}` } });
    expect((await trending()).body.cards.map((card: { id: string }) => card.id)).not.toContain(b);
  });
});
