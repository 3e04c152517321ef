/**
 * The growth scenario: 40 signed-in visitors, 1000 impressions and 100 clicks over three days
 * and three surfaces, with duplicates, sent as the widget sends them (each reader's viewer
 * pass, hot-list impressions with their placement), plus invalid traffic on the last day
 * (link-preview bots with passes, readers without one). The expected stats and ledger are
 * computed here from the scripted events, independently of the server's code.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrandClient } from "@minicard/sdk";
import { openPostgresStore } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/store.js";
import { CLI } from "../support/server.js";
import { createTestDatabase } from "../support/services.js";
import { DAY, DAY_ONE, HOUR, growthWorld, random, sendAll, type GrowthWorld } from "./support.js";

interface Scripted {
  type: "impression" | "click";
  card: string;
  visitor: string;
  ts: number;
  slot: "organic" | "trending";
  quality: "credited" | "unverified" | "bot";
}

/** A link-preview fetcher's User-Agent. */
const PREVIEW_BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

const RATIO = 3000;
const dayOf = (ts: number) => new Date(Math.floor(ts / DAY) * DAY).toISOString().slice(0, 10);

/** The backends the scenario runs on: the default SQLite file, and PostgreSQL (same SQL, other engine). */
const BACKENDS: Array<{ name: string; open(): Promise<{ store?: Store; cliArgs: (world: GrowthWorld) => string[]; dispose(): Promise<void> }> }> = [
  { name: "SQLite", open: async () => ({ cliArgs: (world) => ["--data-dir", world.server.config.dataDir], dispose: async () => {} }) },
  {
    name: "PostgreSQL",
    open: async () => {
      const database = await createTestDatabase();
      const store = openPostgresStore(database.url);
      await store.migrate();
      return { store, cliArgs: () => ["--database-url", database.url], dispose: () => database.drop() };
    },
  },
];

describe.each(BACKENDS)("brand stats: the three-day scenario on $name", (backend) => {
  let world: GrowthWorld;
  let opened: Awaited<ReturnType<(typeof BACKENDS)[number]["open"]>>;
  const cards: Array<{ id: string; surface: "dm" | "profile" | "feed"; kind: string; title: string }> = [];
  const events: Scripted[] = [];
  let duplicatesSent = 0;
  let reported = { accepted: 0, duplicates: 0, rejected: 0, credited: 0 };
  const add = (a: typeof reported, b: typeof reported) => ({
    accepted: a.accepted + b.accepted,
    duplicates: a.duplicates + b.duplicates,
    rejected: a.rejected + b.rejected,
    credited: a.credited + b.credited,
  });

  beforeAll(async () => {
    opened = await backend.open();
    world = await growthWorld(opened.store ? { store: opened.store } : {});
    const specs = [
      { surface: "dm", kind: "app", title: "Tonight at 19:30" },
      { surface: "dm", kind: "product", title: "Popcorn combo", price: { amount: "29.90", currency: "CNY" } },
      { surface: "profile", kind: "membership", title: "Starlight Club", membership: { benefit: "Free popcorn every visit", trialDays: 30 } },
      { surface: "profile", kind: "app", title: "This week's films" },
      { surface: "feed", kind: "app", title: "Premiere night" },
      { surface: "feed", kind: "product", title: "IMAX ticket", price: { amount: "79.00", currency: "CNY" } },
    ] as const;
    for (const spec of specs) {
      const issued = await world.issue({ ...spec });
      cards.push({ id: issued.id, surface: spec.surface, kind: spec.kind, title: spec.title });
    }

    const next = random(20261120);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const visitors = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    const perDay = [
      { impressions: 334, clicks: 34 },
      { impressions: 333, clicks: 33 },
      { impressions: 333, clicks: 33 },
    ];
    let visitorTurn = 0;
    for (const [day, plan] of perDay.entries()) {
      const start = DAY_ONE + day * DAY + 30 * 60_000;
      const today: Scripted[] = [];
      // Each impression in its own minute, so only the scripted repeats are duplicates.
      for (let k = 0; k < plan.impressions; k++) {
        today.push({ type: "impression", card: pick(cards).id, visitor: visitors[visitorTurn++ % 40]!, ts: start + k * 60_000, slot: next() < 0.15 ? "trending" : "organic", quality: "credited" });
      }
      for (let k = 0; k < plan.clicks; k++) {
        today.push({ type: "click", card: pick(cards).id, visitor: pick(visitors.slice(0, 25)), ts: start + k * 7 * 60_000 + 30_000, slot: "organic", quality: "credited" });
      }
      events.push(...today);
      // Repeats: the same impression by the same visitor within the minute, sent again.
      const repeats = today.filter((event) => event.type === "impression" && next() < 0.15).map((event) => ({ ...event }));
      duplicatesSent += repeats.length;
      world.clock.now = DAY_ONE + day * DAY + 23 * HOUR;
      // The day's visits first: trending impressions are accepted only for a brand with an
      // exposure balance, and the visits are what earn it.
      // Hot-list impressions carry the placement of the entry they were shown from.
      const placed = (list: Scripted[]) =>
        list.map(({ quality: _quality, ...event }) => (event.slot === "trending" ? { ...event, placement: world.placement(cards.find((card) => card.id === event.card)!) } : event));
      for (const batch of [today.filter((e) => e.type === "click"), [...today.filter((e) => e.type === "impression"), ...repeats]]) {
        reported = add(reported, await sendAll(world, placed(batch)));
      }
    }
    // Invalid traffic on the last day: a link-preview bot that even carries valid passes, and
    // readers who are not signed in (no pass). Counted, shown by quality, never credited.
    const start = DAY_ONE + 2 * DAY + 12 * HOUR;
    const bots: Scripted[] = Array.from({ length: 30 }, (_, k) => ({ type: k % 3 === 0 ? "click" : "impression", card: pick(cards).id, visitor: `bot${k % 5}`, ts: start + k * 60_000, slot: "organic", quality: "bot" }));
    const anonymous: Scripted[] = Array.from({ length: 20 }, (_, k) => ({ type: k % 4 === 0 ? "click" : "impression", card: pick(cards).id, visitor: `anon${k}`, ts: start + k * 60_000, slot: "organic", quality: "unverified" }));
    reported = add(reported, await sendAll(world, bots.map(({ quality: _quality, ...event }) => event), { userAgent: PREVIEW_BOT }));
    for (const { quality: _quality, ...event } of anonymous) {
      const { body } = await world.send([event], { viewer: null });
      reported = add(reported, body);
    }
    events.push(...bots, ...anonymous);
  });
  afterAll(async () => {
    await world?.server.close();
    await opened?.dispose();
  });

  function expected() {
    const impressions = events.filter((event) => event.type === "impression");
    const clicks = events.filter((event) => event.type === "click");
    const uvOf = (list: Scripted[]) => new Set(list.filter((e) => e.type === "click" && e.quality === "credited").map((e) => `${e.visitor}|${dayOf(e.ts)}`)).size;
    const ctrOf = (i: number, c: number) => (i === 0 ? 0 : Math.round((c / i) * 10_000) / 10_000);
    const counts = (list: Scripted[]) => {
      const i = list.filter((e) => e.type === "impression").length;
      const c = list.filter((e) => e.type === "click").length;
      return { impressions: i, clicks: c, ctr: ctrOf(i, c), uv: uvOf(list) };
    };
    const uv = uvOf(events);
    const pvDelivered = impressions.filter((e) => e.slot === "trending").length;
    const surfaceOf = new Map(cards.map((card) => [card.id, card.surface]));
    return {
      impressions: impressions.length,
      clicks: clicks.length,
      uv,
      pvGranted: uv * RATIO,
      pvDelivered,
      pvBalance: uv * RATIO - pvDelivered,
      bySurface: Object.fromEntries((["dm", "profile", "feed"] as const).map((s) => [s, counts(events.filter((e) => surfaceOf.get(e.card) === s))])),
      byDay: ["2026-11-20", "2026-11-21", "2026-11-22"].map((day) => ({ day, ...counts(events.filter((e) => dayOf(e.ts) === day)) })),
      byCard: Object.fromEntries(
        cards.map((card) => {
          const mine = events.filter((e) => e.card === card.id);
          return [card.id, { ...counts(mine), pvDelivered: mine.filter((e) => e.type === "impression" && e.slot === "trending").length }];
        }),
      ),
      byQuality: Object.fromEntries(
        (["credited", "unverified", "bot", "suspect"] as const).map((quality) => {
          const mine = events.filter((e) => e.quality === quality);
          return [quality, { impressions: mine.filter((e) => e.type === "impression").length, clicks: mine.filter((e) => e.type === "click").length }];
        }),
      ),
    };
  }

  it("scripts 40 signed-in visitors, 1000 impressions, 100 clicks, 3 days, 3 surfaces, duplicates, and 50 invalid events", () => {
    const credited = events.filter((e) => e.quality === "credited");
    expect(new Set(credited.map((e) => e.visitor)).size).toBe(40);
    expect(credited.filter((e) => e.type === "impression")).toHaveLength(1000);
    expect(credited.filter((e) => e.type === "click")).toHaveLength(100);
    expect(events.filter((e) => e.quality !== "credited")).toHaveLength(50);
    expect(duplicatesSent).toBeGreaterThan(50);
    // The server took every scripted event, counted every repeat as a duplicate, and credited
    // exactly the signed-in readers' events.
    expect(reported).toEqual({ accepted: 1150 + duplicatesSent, duplicates: duplicatesSent, rejected: 0, credited: 1100 });
  });

  it("answers exactly the expected stats and ledger", async () => {
    const response = await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-20&to=2026-11-22`, { headers: { authorization: `Bearer ${world.apiKey}` } });
    expect(response.status).toBe(200);
    const stats = await response.json();
    const want = expected();
    expect(stats).toMatchObject({
      brand: "cinema",
      from: "2026-11-20T00:00:00.000Z",
      to: "2026-11-23T00:00:00.000Z",
      ratio: RATIO,
      impressions: want.impressions,
      clicks: want.clicks,
      ctr: Math.round((want.clicks / want.impressions) * 10_000) / 10_000,
      uv: want.uv,
      pvGranted: want.pvGranted,
      pvDelivered: want.pvDelivered,
      pvBalance: want.pvBalance,
      bySurface: want.bySurface,
      byDay: want.byDay,
      byQuality: want.byQuality,
      ledger: { uv: want.uv, pvGranted: want.pvGranted, pvDelivered: want.pvDelivered, pvBalance: want.pvBalance },
    });
    expect(want.impressions).toBe(1000 + 20 + 15);
    expect(want.byQuality).toEqual({ credited: { impressions: 1000, clicks: 100 }, unverified: { impressions: 15, clicks: 5 }, bot: { impressions: 20, clicks: 10 }, suspect: { impressions: 0, clicks: 0 } });
    expect(want.uv).toBeGreaterThan(25); // visitors came back on other days: counted once per day
    expect(stats.byCard).toHaveLength(6);
    for (const row of stats.byCard) {
      const card = cards.find((c) => c.id === row.card)!;
      expect(row).toEqual({ card: card.id, title: card.title, kind: card.kind, surface: card.surface, ...want.byCard[card.id] });
    }
    // Product and membership cards are counted like any other.
    expect(stats.byCard.filter((row: { kind: string; impressions: number }) => row.kind !== "app" && row.impressions > 0)).toHaveLength(3);
  });

  it("narrows to one day, and the SDK's brand.stats() reads the same document", async () => {
    const brand = createBrandClient({ server: world.server.url, apiKey: world.apiKey });
    const day2 = await brand.stats({ from: "2026-11-21", to: "2026-11-21" });
    const want = expected();
    expect(day2.byDay).toEqual([want.byDay[1]]);
    expect(day2.impressions).toBe(333);
    expect(day2.clicks).toBe(33);
    expect(day2.uv).toBe(want.byDay[1]!.uv);
    // The ledger is lifetime, whatever the range.
    expect(day2.ledger.pvBalance).toBe(want.pvBalance);
    const all = await brand.stats({ from: "2026-11-20", to: "2026-11-22" });
    const http = await (await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-20&to=2026-11-22`, { headers: { authorization: `Bearer ${world.apiKey}` } })).json();
    expect(all).toEqual(http);
  });

  it("defaults to the 30 UTC days ending today, or ending with the day `to` names", async () => {
    const get = async (query: string) =>
      (await fetch(`${world.server.url}/v1/brands/me/stats${query}`, { headers: { authorization: `Bearer ${world.apiKey}` } })).json();
    const today = await get("");
    expect(today.from).toBe("2026-10-24T00:00:00.000Z");
    expect(today.to).toBe(new Date(world.clock.now).toISOString());
    expect(today.byDay).toHaveLength(30);
    expect(today.byDay.at(-1).day).toBe("2026-11-22");
    expect(today.impressions).toBe(expected().impressions);
    const ending = await get("?to=2026-11-21");
    expect([ending.from, ending.to]).toEqual(["2026-10-23T00:00:00.000Z", "2026-11-22T00:00:00.000Z"]);
    expect(ending.byDay).toHaveLength(30);
  });

  it("refuses a bad range and a missing key with clear codes", async () => {
    const bad = await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-22&to=2026-11-20`, { headers: { authorization: `Bearer ${world.apiKey}` } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe("validation_failed");
    const anonymous = await fetch(`${world.server.url}/v1/brands/me/stats`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe("unauthorized");
  });

  it("prints the same stats from the CLI (minicard-server brands stats)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, "brands", "stats", "--id", "cinema", "--from", "2026-11-20", "--to", "2026-11-22", ...opened.cliArgs(world)], {
      env: { ...process.env, MINICARD_ADMIN_TOKEN: "test-admin-token-0123456789", MINICARD_LOG_LEVEL: "silent" },
    });
    const printed = JSON.parse(stdout);
    const want = expected();
    expect(printed).toMatchObject({ impressions: want.impressions, clicks: want.clicks, byQuality: want.byQuality, uv: want.uv, pvGranted: want.pvGranted, pvDelivered: want.pvDelivered, pvBalance: want.pvBalance });
  });
});
