/**
 * Growth-test support: a server on a movable clock with partner `weibo` (origin
 * {@link ORIGIN}, with a registered pass key), brand `cinema` and sharer `alice`, and helpers
 * to send beacons as the widget does on a partner's page (`text/plain` JSON from the
 * partner's origin, a browser's `User-Agent`, the viewer pass of the signed-in reader).
 */

import type { Surface } from "@minicard/sdk";
import type { Config } from "../../src/config.js";
import type { Store } from "../../src/store/store.js";
import { BROWSER_UA, registerPassKey, type PartnerPasses } from "../support/passes.js";
import { cardInput, postCard, seedWorld, startServer, type LocalServer } from "../support/server.js";

/** The partner's web origin in these tests. */
export const ORIGIN = "https://weibo.example";
/** 2026-11-20T00:00:00Z: day one of the scenarios. */
export const DAY_ONE = Date.UTC(2026, 10, 20);
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** How one beacon request is sent. */
export interface SendOptions {
  /** The page's origin; default {@link ORIGIN}; `null` sends none. */
  origin?: string | null;
  /**
   * The batch's viewer pass: a pass, `null` for none. Default: a pass for the events' visitor
   * when they all share one (the reader is signed in), none otherwise.
   */
  viewer?: string | null;
  /** Default a phone browser's. */
  userAgent?: string;
  /** Extra headers (e.g. `x-forwarded-for` behind a trusted proxy). */
  headers?: Record<string, string>;
}

/** A server whose clock the test moves. */
export interface GrowthWorld {
  server: LocalServer;
  apiKey: string;
  clock: { now: number };
  /** Partner `weibo`'s pass key and minter. */
  passes: PartnerPasses;
  issue(overrides?: Record<string, unknown>): Promise<{ id: string; token: string; url: string }>;
  /** A pass for `visitor` (sub = the visitor id), minted at the world's clock. */
  pass(visitor: string): Promise<string>;
  /** A valid placement for `card` (as `GET /v1/trending` would give it), at the world's clock. */
  placement(card: { id: string; surface: Surface }): string;
  /** Sends one beacon request. */
  send(events: unknown[], options?: SendOptions): Promise<{ status: number; body: any }>;
}

/** Starts the server (SQLite, or `store`) and seeds the world; `ratio` sets the traffic-exchange ratio. */
export async function growthWorld(options: { ratio?: number; start?: number; store?: Store; config?: Partial<Config> } = {}): Promise<GrowthWorld> {
  const clock = { now: options.start ?? DAY_ONE + 8 * HOUR };
  // Every scripted reader comes from 127.0.0.1: lift the per-IP cap unless a test sets it.
  // The hot list is recomputed on every read here: these tests are about what it ranks, and
  // `trending-board.test.ts` about when it is recomputed.
  const config: Partial<Config> = { creditsPerIpHour: 1_000_000, trendingRefreshMs: 0, ...(options.ratio ? { exchangeRatio: options.ratio } : {}), ...options.config };
  const server = await startServer({ now: () => clock.now, config, ...(options.store ? { store: options.store } : {}) });
  // Brand-wide limit only: the scenarios issue several feed cards per sharer in an hour.
  const { apiKey } = await seedWorld(server.url, { origins: [ORIGIN], limits: [{ scope: "brand", max: 1000, windowSeconds: 3600 }] });
  const passes = await registerPassKey(server.url, "weibo");
  const pass = (visitor: string) => passes.mint(visitor, { now: new Date(clock.now) });
  return {
    server,
    apiKey,
    clock,
    passes,
    pass,
    async issue(overrides = {}) {
      const surface = (overrides.surface as string | undefined) ?? "dm";
      const response = await postCard(server.url, apiKey, cardInput({ ...(surface === "dm" ? {} : { sharer: "alice" }), ...overrides }));
      if (response.status !== 201) throw new Error(`issue failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    placement(card) {
      return server.server.context.traffic.placements.mint({ card: card.id, partner: "weibo", surface: card.surface }, clock.now);
    },
    async send(events, sendOptions = {}) {
      const origin = sendOptions.origin === undefined ? ORIGIN : sendOptions.origin;
      const visitors = new Set(events.map((event) => (event as { visitor?: unknown }).visitor));
      const only = visitors.size === 1 ? [...visitors][0] : undefined;
      const viewer = sendOptions.viewer !== undefined ? sendOptions.viewer : typeof only === "string" && /^[A-Za-z0-9_.:-]{1,128}$/.test(only) ? await pass(only) : null;
      const response = await fetch(`${server.url}/v1/events`, {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8", "user-agent": sendOptions.userAgent ?? BROWSER_UA, ...(origin ? { origin } : {}), ...sendOptions.headers },
        body: JSON.stringify(viewer === null ? { events } : { viewer, events }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** What {@link sendAll} adds up. */
export interface SentTotals {
  accepted: number;
  duplicates: number;
  rejected: number;
  credited: number;
}

/**
 * Sends `events` as their signed-in readers would: grouped by visitor (each group with its
 * own pass, `sub` = the visitor id), in batches of 50. Answers the summed counts.
 */
export async function sendAll(world: GrowthWorld, events: Array<{ visitor: string }>, options: Omit<SendOptions, "viewer"> = {}): Promise<SentTotals> {
  const total = { accepted: 0, duplicates: 0, rejected: 0, credited: 0 };
  const byVisitor = new Map<string, unknown[]>();
  for (const event of events) byVisitor.set(event.visitor, [...(byVisitor.get(event.visitor) ?? []), event]);
  for (const group of byVisitor.values()) {
    for (let i = 0; i < group.length; i += 50) {
      const { status, body } = await world.send(group.slice(i, i + 50), options);
      if (status !== 202) throw new Error(`events refused: ${status} ${JSON.stringify(body)}`);
      total.accepted += body.accepted;
      total.duplicates += body.duplicates;
      total.rejected += body.rejected;
      total.credited += body.credited;
    }
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
