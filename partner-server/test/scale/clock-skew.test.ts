/**
 * Drill: instances whose clocks are 5 minutes behind and ahead (libfaketime around the
 * process, as Debian's `faketime` does) on one PostgreSQL and one Redis. Every instance keeps
 * Redis's clock (`src/clock.ts`), so limits stay exact across them, cards issued on any of
 * them verify with the SDK verifier against the others' JWKS, and expiry and status agree.
 */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier } from "@minicard/sdk";
import { cardInput, postCard, seedWorld, type SpawnedServer } from "../support/server.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

const SKEW_MS = 5 * 60_000;
const K = 3;
/** Feed: K per hour. Profile: K per 2 minutes, shorter than the skew, so an instance's own clock would expire others' charges at once. */
const LIMITS = [
  { scope: "sharer", surface: "feed", max: K, windowSeconds: 3600 },
  { scope: "sharer", surface: "profile", max: K, windowSeconds: 120 },
];

/** libfaketime, which the `faketime` command preloads (`apt-get install faketime`). */
function libfaketime(): string {
  for (const dir of readdirSync("/usr/lib")) {
    const candidate = join("/usr/lib", dir, "faketime", "libfaketime.so.1");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("libfaketime is not installed: apt-get install faketime (.ci/run installs it)");
}

let cluster: Cluster;
/** −5 min, on time, +5 min. */
let instances: SpawnedServer[];
let apiKey: string;

beforeAll(async () => {
  const preload = libfaketime();
  cluster = await startCluster({ instances: 1 });
  const behind = await cluster.spawnInstance({ LD_PRELOAD: preload, FAKETIME: "-5m" });
  const ahead = await cluster.spawnInstance({ LD_PRELOAD: preload, FAKETIME: "+5m" });
  instances = [behind, cluster.instances[0]!, ahead];
  await cluster.balance(instances);
  ({ apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN, limits: LIMITS }));
}, 60_000);
afterAll(() => cluster?.stop());

/** How far an instance's own clock is from this process's: its HTTP `Date` header comes from it. */
async function ownSkew(instance: SpawnedServer): Promise<number> {
  const response = await fetch(`${instance.url}/healthz`);
  await response.text();
  return Date.parse(response.headers.get("date")!) - Date.now();
}

/** `count` shares by `sharer` on `surface`, round-robin over the instances. */
async function shareRoundRobin(surface: string, sharer: string, count: number) {
  const results = [];
  for (let i = 0; i < count; i++) {
    const instance = instances[i % instances.length]!;
    results.push({ instance, ...(await postCard(instance.url, apiKey, cardInput({ surface, sharer, title: `Share ${i}` }))) });
  }
  return results;
}

describe("drill: clock skew of ±5 minutes between instances", () => {
  it("runs the instances with skewed clocks", async () => {
    const skews = await Promise.all(instances.map(ownSkew));
    console.log(`[drill] clock skew: instances' own clocks ${skews.map((skew) => `${Math.round(skew / 1000)} s`).join(", ")}`);
    expect(Math.abs(skews[0]! + SKEW_MS)).toBeLessThan(3000);
    expect(Math.abs(skews[1]!)).toBeLessThan(3000);
    expect(Math.abs(skews[2]! - SKEW_MS)).toBeLessThan(3000);
  });

  for (const [surface, window, sharer] of [
    ["feed", "an hour", "alice"],
    ["profile", "2 minutes", "bob"],
  ] as const) {
    it(`a sharer with a limit of ${K} per ${window} sharing round-robin across them gets exactly ${K} cards`, async () => {
      const results = await shareRoundRobin(surface, sharer, 4 * K);
      const statuses = results.map((result) => result.status);
      console.log(`[drill] clock skew: ${statuses.length} ${surface} shares of one sharer round-robin over −5 min, 0, +5 min → ${statuses.filter((s) => s === 201).length} × 201, ${statuses.filter((s) => s === 429).length} × 429 (limit ${K} per ${window})`);
      expect(statuses.slice(0, K)).toEqual(Array(K).fill(201));
      expect(statuses.slice(K)).toEqual(Array(statuses.length - K).fill(429));
      // Every instance tells the same wait, give or take the seconds the drill takes.
      const waits = results.filter((result) => result.status === 429).map((result) => Number(result.headers.get("retry-after")));
      expect(Math.max(...waits) - Math.min(...waits)).toBeLessThanOrEqual(5);
    });
  }

  it("cards issued on each instance verify with the SDK against the others' JWKS, and expiry and status agree", async () => {
    const before = Date.now();
    const cards = [];
    for (const instance of instances) {
      const { status, body } = await postCard(instance.url, apiKey, cardInput({ surface: "dm", ttlSeconds: 120 }));
      expect(status).toBe(201);
      cards.push({ instance, body });
    }
    const after = Date.now();
    let verified = 0;
    for (const { instance, body } of cards) {
      for (const other of instances.filter((candidate) => candidate !== instance)) {
        const verifier = createVerifier({ issuer: cluster.url, audience: "weibo", jwksUri: `${other.url}/.well-known/jwks.json` });
        const card = await verifier.verify(body.token, { surface: "dm" });
        // Issued on Redis's clock, not the instance's own: within the drill's seconds.
        expect(card.issuedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
        expect(card.issuedAt.getTime()).toBeLessThanOrEqual(after + 1000);
        expect(card.expiresAt.toISOString()).toBe(body.expiresAt);
        verified += 1;
      }
    }
    // A card with two minutes left is active everywhere (an instance 5 minutes ahead on its own clock would call it expired).
    const ids = cards.map(({ body }) => body.id).join(",");
    const states = await Promise.all(instances.map(async (instance) => (await fetch(`${instance.url}/v1/cards/status?ids=${ids}`)).json()));
    console.log(`[drill] clock skew: ${verified} verifications (3 cards × 2 other instances' JWKS) passed; status on each instance: ${states.map((state) => JSON.stringify(Object.values(state))).join(" ")}`);
    for (const state of states) expect(Object.values(state)).toEqual(["active", "active", "active"]);
  });
});
