/**
 * Retention deletes raw events only. Four days of beacons go in through HTTP; retention then
 * keeps the last two days of raw events (SQLite: bounded deletes; PostgreSQL: the older
 * days' partitions are dropped). The brand's stats over all four days, its lifetime ledger
 * and the hot list read the same before and after, because they come from rollups, credits
 * and debits, which retention keeps.
 */

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres.js";
import type { Store } from "../../src/store/store.js";
import { purgeEvents } from "../../src/services/retention.js";
import { createTestDatabase } from "../support/services.js";
import { DAY, DAY_ONE, HOUR, growthWorld, sendAll, type GrowthWorld } from "./support.js";

const BACKENDS: Array<{ name: string; open(): Promise<{ store?: Store; partitions?: () => Promise<string[]>; dispose(): Promise<void> }> }> = [
  { name: "SQLite", open: async () => ({ dispose: async () => {} }) },
  {
    name: "PostgreSQL",
    open: async () => {
      const database = await createTestDatabase();
      const store = openPostgresStore(database.url);
      await store.migrate();
      const partitions = async () => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const result = await client.query<{ relname: string }>("SELECT relname FROM pg_class WHERE relname ~ '^events_d[0-9]+$' ORDER BY relname");
          return result.rows.map((row) => row.relname);
        } finally {
          await client.end();
        }
      };
      return { store, partitions, dispose: () => database.drop() };
    },
  },
];

describe.each(BACKENDS)("retention on $name", (backend) => {
  let world: GrowthWorld;
  let opened: Awaited<ReturnType<(typeof BACKENDS)[number]["open"]>>;
  let feed: string[];

  beforeAll(async () => {
    opened = await backend.open();
    world = await growthWorld({ start: DAY_ONE + 8 * HOUR, ...(opened.store ? { store: opened.store } : {}) });
    feed = [(await world.issue({ surface: "feed", title: "Tonight" })).id, (await world.issue({ surface: "feed", title: "Tomorrow" })).id];
    for (let day = 0; day < 4; day++) {
      world.clock.now = DAY_ONE + day * DAY + 10 * HOUR;
      const events = [];
      for (let v = 0; v < 6; v++) {
        const card = feed[(v + day) % 2]!;
        events.push({ type: "impression", card, visitor: `reader-${v}`, ts: world.clock.now - v * 60_000 });
        if (v % 2 === day % 2) events.push({ type: "click", card, visitor: `reader-${v}`, ts: world.clock.now - v * 60_000 + 1 });
      }
      await sendAll(world, events);
      // Anonymous traffic too: counted, not credited.
      await world.send([{ type: "impression", card: feed[0], visitor: `anon-${day}` }], { viewer: null });
    }
    world.clock.now = DAY_ONE + 3 * DAY + 12 * HOUR;
  }, 60_000);

  afterAll(async () => {
    await world?.server.close();
    await opened?.dispose();
  });

  const stats = async () => (await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-20&to=2026-11-23`, { headers: { authorization: `Bearer ${world.apiKey}` } })).json();
  const hotList = async () => (await fetch(`${world.server.url}/v1/trending?partner=weibo&surface=feed&limit=10`)).json();

  it("deletes only raw events older than the window; stats, ledger and hot list are unchanged", async () => {
    const store = world.server.server.context.store;
    const raw = () => store.events.listByBrand("cinema", 0, Number.MAX_SAFE_INTEGER);
    const before = { stats: await stats(), hot: await hotList(), raw: await raw(), partitions: await opened.partitions?.() };
    expect(before.stats.impressions).toBe(28);
    expect(before.stats.uv).toBeGreaterThan(0);
    expect(before.hot.cards.map((card: { id: string }) => card.id).sort()).toEqual([...feed].sort());
    expect(new Set(before.raw.map((e) => Math.floor(e.at / DAY) - DAY_ONE / DAY))).toEqual(new Set([0, 1, 2, 3]));

    // Keep two days: today (day 3) and day 2.
    const deleted = await purgeEvents(store, { days: 2, now: world.clock.now });
    const after = { stats: await stats(), hot: await hotList(), raw: await raw(), partitions: await opened.partitions?.() };
    expect(new Set(after.raw.map((e) => Math.floor(e.at / DAY) - DAY_ONE / DAY))).toEqual(new Set([2, 3]));
    expect(after.raw).toEqual(before.raw.filter((e) => e.at >= DAY_ONE + 2 * DAY));
    if (backend.name === "SQLite") expect(deleted).toBe(before.raw.length - after.raw.length);
    else {
      // Whole days dropped: the partitions of day 0 and day 1 are gone.
      const day = (n: number) => `events_d${DAY_ONE / DAY + n}`;
      expect(before.partitions).toEqual(expect.arrayContaining([day(0), day(1), day(2), day(3)]));
      expect(after.partitions).toEqual(expect.arrayContaining([day(2), day(3)]));
      expect(after.partitions).not.toContain(day(0));
      expect(after.partitions).not.toContain(day(1));
    }
    expect(after.stats).toEqual(before.stats);
    expect(after.hot).toEqual({ ...before.hot, cards: before.hot.cards.map((card: object, i: number) => ({ ...card, placement: after.hot.cards[i].placement })) });
    // New events still count on top of what was kept.
    const late = { type: "impression", card: feed[0]!, visitor: "reader-late", ts: world.clock.now };
    await sendAll(world, [late]);
    expect((await stats()).impressions).toBe(29);
  });
});
