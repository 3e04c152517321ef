/**
 * Growth-test support: a server on a movable clock with partner `weibo` (origin
 * {@link ORIGIN}), brand `cinema` and sharer `alice`, and helpers to send beacons as the
 * widget does (`text/plain` JSON from the partner's origin).
 */

import type { Store } from "../../src/store/store.js";
import { cardInput, postCard, seedWorld, startServer, type LocalServer } from "../support/server.js";

/** The partner's web origin in these tests. */
export const ORIGIN = "https://weibo.example";
/** 2026-11-20T00:00:00Z: day one of the scenarios. */
export const DAY_ONE = Date.UTC(2026, 10, 20);
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** A server whose clock the test moves. */
export interface GrowthWorld {
  server: LocalServer;
  apiKey: string;
  clock: { now: number };
  issue(overrides?: Record<string, unknown>): Promise<{ id: string; token: string; url: string }>;
  send(events: unknown[], origin?: string | null): Promise<{ status: number; body: any }>;
}

/** Starts the server (SQLite, or `store`) and seeds the world; `ratio` sets the traffic-exchange ratio. */
export async function growthWorld(options: { ratio?: number; start?: number; store?: Store } = {}): Promise<GrowthWorld> {
  const clock = { now: options.start ?? DAY_ONE + 8 * HOUR };
  const server = await startServer({ now: () => clock.now, ...(options.store ? { store: options.store } : {}), ...(options.ratio ? { config: { exchangeRatio: options.ratio } } : {}) });
  // Brand-wide limit only: the scenarios issue several feed cards per sharer in an hour.
  const { apiKey } = await seedWorld(server.url, { origins: [ORIGIN], limits: [{ scope: "brand", max: 1000, windowSeconds: 3600 }] });
  return {
    server,
    apiKey,
    clock,
    async issue(overrides = {}) {
      const surface = (overrides.surface as string | undefined) ?? "dm";
      const response = await postCard(server.url, apiKey, cardInput({ ...(surface === "dm" ? {} : { sharer: "alice" }), ...overrides }));
      if (response.status !== 201) throw new Error(`issue failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async send(events, origin = ORIGIN) {
      const response = await fetch(`${server.url}/v1/events`, {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8", ...(origin ? { origin } : {}) },
        body: JSON.stringify({ events }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** Sends `events` in batches of 50; answers the summed `accepted` and `duplicates`. */
export async function sendAll(world: GrowthWorld, events: unknown[]): Promise<{ accepted: number; duplicates: number; rejected: number }> {
  const total = { accepted: 0, duplicates: 0, rejected: 0 };
  for (let i = 0; i < events.length; i += 50) {
    const { status, body } = await world.send(events.slice(i, i + 50));
    if (status !== 202) throw new Error(`events refused: ${status} ${JSON.stringify(body)}`);
    total.accepted += body.accepted;
    total.duplicates += body.duplicates;
    total.rejected += body.rejected;
  }
  return total;
}

/** A small seeded PRNG (mulberry32): the scenario is the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
