/**
 * The demo's seeded month of engagement (src/demo/seed.ts): deterministic, 30 days that are
 * not all alike, weekends busier than weekdays, a few cards doing well and a long tail, and
 * some invalid traffic of every kind.
 */

import { describe, expect, it } from "vitest";
import { demoHistory, seededRandom, type HistoryCard } from "../../src/demo/seed.js";

const DAY = 86_400_000;
// A Tuesday, 10:00 UTC.
const NOW = Date.parse("2026-12-01T10:00:00Z");

function cards(): HistoryCard[] {
  return Array.from({ length: 20 }, (_, index) => ({
    id: `card-${index}`,
    brandId: "demo-cinema",
    partnerId: "weibo-demo",
    surface: index % 3 === 0 ? "feed" : index % 3 === 1 ? "dm" : "profile",
    issuedAt: NOW - (29 - index) * DAY - 3_600_000,
    endsAt: NOW + 30 * DAY,
    weight: 300 / (1 + index) ** 1.2,
    ctr: index === 19 ? 0 : 0.05,
  }));
}

describe("seededRandom", () => {
  it("repeats for a seed and differs between seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe("demoHistory", () => {
  const events = demoHistory(cards(), { now: NOW });

  it("is deterministic (but for event ids)", () => {
    const again = demoHistory(cards(), { now: NOW });
    const strip = (list: typeof events) => list.map(({ id: _id, ...rest }) => rest);
    expect(strip(again)).toEqual(strip(events));
  });

  it("covers 30 UTC days, none in the future or outside a card's life, with days that differ", () => {
    const today = Math.floor(NOW / DAY);
    const byDay = new Map<number, number>();
    for (const event of events) {
      expect(event.at).toBeLessThan(NOW);
      const card = cards().find((c) => c.id === event.cardId)!;
      expect(event.at).toBeGreaterThanOrEqual(card.issuedAt);
      if (event.type === "impression") byDay.set(Math.floor(event.at / DAY), (byDay.get(Math.floor(event.at / DAY)) ?? 0) + 1);
    }
    const days = [...byDay.keys()].sort();
    expect(days[0]).toBe(today - 29);
    expect(days.at(-1)).toBe(today);
    expect(new Set(byDay.values()).size).toBeGreaterThan(20);
    expect([...events].sort((a, b) => a.at - b.at)).toEqual(events);
  });

  it("is busier at the weekend", () => {
    const perWeekday = Array.from({ length: 7 }, () => ({ sum: 0, days: new Set<number>() }));
    for (const event of events) {
      if (event.type !== "impression" || event.at >= Math.floor(NOW / DAY) * DAY) continue;
      const slot = perWeekday[new Date(event.at).getUTCDay()]!;
      slot.sum++;
      slot.days.add(Math.floor(event.at / DAY));
    }
    const mean = (day: number) => perWeekday[day]!.sum / perWeekday[day]!.days.size;
    const weekend = (mean(0) + mean(6)) / 2;
    const weekdays = (mean(1) + mean(2) + mean(3) + mean(4)) / 4;
    expect(weekend).toBeGreaterThan(weekdays * 1.2);
  });

  it("has a few cards doing well and a long tail", () => {
    const perCard = new Map<string, number>();
    for (const event of events) if (event.type === "impression") perCard.set(event.cardId, (perCard.get(event.cardId) ?? 0) + 1);
    const sorted = [...perCard.values()].sort((a, b) => b - a);
    const total = sorted.reduce((sum, n) => sum + n, 0);
    // The top three cards bring more than half of the impressions.
    expect(sorted.slice(0, 3).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(total / 2);
    expect(sorted.at(-1)!).toBeLessThan(sorted[0]! / 10);
  });

  it("has invalid traffic of every kind, mostly credited, and no clicks where the rate is 0", () => {
    const count = (quality: string) => events.filter((event) => event.quality === quality).length;
    expect(count("credited")).toBeGreaterThan(events.length * 0.7);
    for (const quality of ["unverified", "bot", "suspect"]) expect(count(quality)).toBeGreaterThan(0);
    expect(events.filter((event) => event.cardId === "card-19" && event.type === "click")).toEqual([]);
    // Only credited impressions take paid slots, each with its own placement; viewers only on credited events.
    for (const event of events) {
      if (event.slot === "trending") expect(event.quality === "credited" && event.type === "impression" && event.placement).toBeTruthy();
      expect(event.viewer !== undefined).toBe(event.quality === "credited");
    }
    expect(events.some((event) => event.type === "click")).toBe(true);
  });
});
