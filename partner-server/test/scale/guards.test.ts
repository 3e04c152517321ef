/**
 * Drill: the abuse guards hold for the cluster, not per instance. Three instances behind
 * nginx share one budget per client: the beacon guard (`MINICARD_EVENTS_PER_MINUTE`) and the
 * failed-login guard (`AUTH_FAILURES`). With Redis stopped, the guards fall back to counting
 * in each process (they never fail closed) while issuance fails closed.
 */

import { afterEach, describe, expect, it } from "vitest";
import { AUTH_FAILURES } from "../../src/limits/abuse.js";
import { cardInput, postCard, seedWorld } from "../support/server.js";
import { startRedisServer } from "../support/services.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

const BEACONS_PER_MINUTE = 12;
const PARTNER_ORIGIN = "http://127.0.0.1:5999";

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!().catch(() => {});
});

async function cluster(redisUrl?: string): Promise<Cluster> {
  const started = await startCluster({ env: { MINICARD_EVENTS_PER_MINUTE: String(BEACONS_PER_MINUTE) }, ...(redisUrl ? { redisUrl } : {}) });
  stops.push(() => started.stop());
  return started;
}

const beacon = (url: string, card: string) =>
  fetch(`${url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "text/plain", origin: PARTNER_ORIGIN },
    body: JSON.stringify({ events: [{ type: "click", card, visitor: `v-${Math.random().toString(36).slice(2)}` }] }),
  }).then(async (response) => (await response.text(), response.status));

const badLogin = (url: string) =>
  fetch(`${url}/v1/cards`, { method: "POST", headers: { authorization: "Bearer mck_not-a-key", "content-type": "application/json" }, body: "{}" }).then(
    async (response) => (await response.text(), response.status),
  );

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe("drill: abuse guards are cluster-wide", () => {
  it(`three instances behind nginx accept ${BEACONS_PER_MINUTE} beacons a minute from one client in all, not 3 × ${BEACONS_PER_MINUTE}`, async () => {
    const { url, instances } = await cluster();
    const { apiKey } = await seedWorld(url, { token: ADMIN_TOKEN });
    const { body: card } = await postCard(url, apiKey, cardInput());
    const statuses: number[] = [];
    for (let i = 0; i < 3 * BEACONS_PER_MINUTE + 6; i++) statuses.push(await beacon(url, card.id));
    console.log(`[drill] guards: ${statuses.length} beacons from one client through nginx to 3 instances → ${JSON.stringify(tally(statuses))} (budget ${BEACONS_PER_MINUTE})`);
    expect(statuses.slice(0, BEACONS_PER_MINUTE).every((status) => status === 202)).toBe(true);
    expect(statuses.slice(BEACONS_PER_MINUTE).every((status) => status === 429)).toBe(true);
    // Asked directly, every instance refuses too: each counts the others' beacons, not only its own.
    for (const instance of instances) expect(await beacon(instance.url, card.id)).toBe(429);
  });

  it(`three instances behind nginx allow ${AUTH_FAILURES.max} failed logins a minute from one client in all`, async () => {
    const { url, instances } = await cluster();
    await seedWorld(url, { token: ADMIN_TOKEN });
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURES.max + 30; i++) statuses.push(await badLogin(url));
    console.log(`[drill] guards: ${statuses.length} bad API keys from one client through nginx to 3 instances → ${JSON.stringify(tally(statuses))} (budget ${AUTH_FAILURES.max})`);
    expect(statuses.slice(0, AUTH_FAILURES.max).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(AUTH_FAILURES.max).every((status) => status === 429)).toBe(true);
    for (const instance of instances) expect(await badLogin(instance.url)).toBe(429);
  });

  it(`a burst of concurrent bad keys through nginx gets ${AUTH_FAILURES.max} answers in all, however the instances interleave`, async () => {
    const { url, instances } = await cluster();
    await seedWorld(url, { token: ADMIN_TOKEN });
    // Every guess in flight at once: none waits for another's 401 to be counted.
    const statuses = await Promise.all(Array.from({ length: AUTH_FAILURES.max + 60 }, () => badLogin(url)));
    console.log(`[drill] guards: ${statuses.length} concurrent bad API keys from one client through nginx to 3 instances → ${JSON.stringify(tally(statuses))} (budget ${AUTH_FAILURES.max})`);
    expect(tally(statuses)).toEqual({ 401: AUTH_FAILURES.max, 429: 60 });
    for (const instance of instances) expect(await badLogin(instance.url)).toBe(429);
  });

  it("with Redis stopped, each instance guards on its own (never failing closed) while issuance fails closed", async () => {
    const redis = await startRedisServer();
    stops.push(() => redis.stop());
    const { url, instances } = await cluster(redis.url);
    const { apiKey } = await seedWorld(url, { token: ADMIN_TOKEN });
    const { body: card } = await postCard(url, apiKey, cardInput());
    await redis.stop();

    const issued = await postCard(url, apiKey, cardInput());
    expect(issued.status).toBe(503);
    expect(issued.body.code).toBe("limits_unavailable");
    // Per process: each instance accepts its own budget, then refuses; nothing answers 5xx.
    const perInstance: number[][] = [];
    for (const instance of instances) {
      const statuses: number[] = [];
      for (let i = 0; i < BEACONS_PER_MINUTE + 3; i++) statuses.push(await beacon(instance.url, card.id));
      perInstance.push(statuses);
      expect(statuses.slice(0, BEACONS_PER_MINUTE).every((status) => status === 202)).toBe(true);
      expect(statuses.slice(BEACONS_PER_MINUTE).every((status) => status === 429)).toBe(true);
    }
    console.log(`[drill] guards, Redis stopped: beacons per instance → ${perInstance.map((statuses) => JSON.stringify(tally(statuses))).join(", ")}; issuance → 503`);
    const logins: number[] = [];
    for (let i = 0; i < AUTH_FAILURES.max + 2; i++) logins.push(await badLogin(instances[0]!.url));
    expect(logins.slice(0, AUTH_FAILURES.max).every((status) => status === 401)).toBe(true);
    expect(logins.slice(AUTH_FAILURES.max).every((status) => status === 429)).toBe(true);
  });
});
