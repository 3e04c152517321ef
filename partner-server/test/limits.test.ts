/**
 * Limits over real HTTP: exact under concurrency, rolling (no burst at a window edge, with
 * the server's injectable clock), all or nothing, the 429 headers of the contract, and a
 * partner's own limits set through the admin API. That windows survive a restart is in
 * `scale/durability.test.ts`.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, cardInput, postCard, seedWorld, startServer, type LocalServer } from "./support/server.js";

describe("limits are exact under concurrency", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url, { limits: [{ scope: "sharer", surface: "dm", max: 5, windowSeconds: 3600 }] }));
  });
  afterAll(() => server.close());

  it("issues exactly 5 of 100 concurrent requests against a limit of 5; the other 95 are 429", async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postCard(server.url, apiKey, cardInput({ sharer: "alice", title: `Card ${i}` }))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(95);
    const list = await fetch(`${server.url}/v1/cards?limit=200`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect((await list.json()).cards).toHaveLength(5);
    // Another sharer has a window of its own.
    expect((await postCard(server.url, apiKey, cardInput({ sharer: "bob" }))).status).toBe(201);
  });
});

describe("windows roll", () => {
  let server: LocalServer;
  let apiKey: string;
  const start = Date.now();
  let clock = start;
  beforeAll(async () => {
    server = await startServer({ now: () => clock });
    ({ apiKey } = await seedWorld(server.url, {
      limits: [
        { scope: "sharer", surface: "feed", max: 2, windowSeconds: 3 },
        { scope: "brand", max: 1000, windowSeconds: 3600 },
      ],
    }));
  });
  afterAll(() => server.close());

  const at = (ms: number) => (clock = start + ms);
  const feed = (sharer: string) => postCard(server.url, apiKey, cardInput({ surface: "feed", sharer }));

  it("with max 2 per 3 s, never lets a third card into any 3-second span, across window edges, and frees room as the oldest leaves", async () => {
    const accepted: number[] = [];
    for (let ms = 0; ms <= 12_000; ms += 250) {
      at(ms);
      const response = await feed("alice");
      if (response.status === 201) accepted.push(ms);
      else expect(response.status).toBe(429);
      // Room exactly when fewer than 2 accepted cards lie in (ms - 3000, ms].
      const inWindow = accepted.filter((t) => t > ms - 3000 && t !== ms).length;
      expect(response.status, `at ${ms} ms with ${inWindow} in the window`).toBe(inWindow < 2 ? 201 : 429);
    }
    for (let i = 2; i < accepted.length; i++) expect(accepted[i]! - accepted[i - 2]!).toBeGreaterThanOrEqual(3000);
    expect(accepted.length).toBeGreaterThanOrEqual(8);
  });

  it("refuses a burst at a fixed-window edge: two cards at 2.9 s, none more at 3.1 s", async () => {
    at(100_000 + 2_900);
    expect((await feed("bob")).status).toBe(201);
    expect((await feed("bob")).status).toBe(201);
    at(100_000 + 3_100);
    expect((await feed("bob")).status).toBe(429);
    at(100_000 + 5_899);
    expect((await feed("bob")).status).toBe(429);
    at(100_000 + 5_900);
    expect((await feed("bob")).status).toBe(201);
  });

  it("answers 429 with Retry-After, RateLimit-Policy and RateLimit in the IETF draft's format; 201 carries RateLimit", async () => {
    await admin(server.url).putSharer("weibo", "carol");
    at(200_000);
    const first = await feed("carol");
    expect(first.headers.get("ratelimit")).toBe('"feed-sharer";r=1;t=3');
    expect(first.headers.get("ratelimit-policy")).toBe('"feed-sharer";q=2;w=3, "brand";q=1000;w=3600');
    at(201_000);
    const second = await feed("carol");
    expect(second.headers.get("ratelimit")).toBe('"feed-sharer";r=0;t=2');
    at(201_500);
    const refused = await feed("carol");
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe("rate_limited");
    expect(refused.headers.get("ratelimit-policy")).toBe('"feed-sharer";q=2;w=3, "brand";q=1000;w=3600');
    // The oldest charge (200 000) leaves at 203 000: 1.5 s → t=2 (rounded up, never negative).
    expect(refused.headers.get("ratelimit")).toBe('"feed-sharer";r=0;t=2');
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBe(2);
    expect(retryAfter).toBeGreaterThanOrEqual(Number(/t=(\d+)/.exec(refused.headers.get("ratelimit")!)![1]));
    expect(refused.body.retryAfter).toBe(2);
  });
});

describe("limits are all or nothing", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url, {
      limits: [
        { scope: "sharer", surface: "dm", max: 1, windowSeconds: 3600 },
        { scope: "brand", max: 2, windowSeconds: 3600 },
      ],
    }));
  });
  afterAll(() => server.close());

  it("a request refused by one window charges none of the others", async () => {
    expect((await postCard(server.url, apiKey, cardInput({ sharer: "alice" }))).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const refused = await postCard(server.url, apiKey, cardInput({ sharer: "alice" }));
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit")).toMatch(/^"dm-sharer";r=0;t=\d+$/);
    }
    // Had the refusals charged the brand window (max 2), bob would be refused.
    expect((await postCard(server.url, apiKey, cardInput({ sharer: "bob" }))).status).toBe(201);
    const brandFull = await postCard(server.url, apiKey, cardInput({ sharer: "carol" }));
    expect(brandFull.status).toBe(429);
    expect(brandFull.headers.get("ratelimit")).toMatch(/^"brand";r=0;t=\d+$/);
  });
});

describe("a DM share without a sharer", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url, {
      limits: [
        { scope: "sharer", surface: "dm", max: 1, windowSeconds: 3600 },
        { scope: "partner", surface: "dm", max: 3, windowSeconds: 3600 },
      ],
    }));
  });
  afterAll(() => server.close());

  it("is counted by the partner and brand limits only, since the per-sharer limit has no one to count", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postCard(server.url, apiKey, cardInput())).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await postCard(server.url, apiKey, cardInput({ sharer: "alice" }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit")).toMatch(/^"dm-partner";r=0;t=\d+$/);
  });
});

describe("the admin API changes a partner's limits", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url));
  });
  afterAll(() => server.close());

  it("uses the defaults (feed: 1 per sharer per hour) until the partner sets its own, and the defaults again after resetLimits", async () => {
    expect((await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "alice" }))).status).toBe(201);
    const refused = await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "alice" }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"feed-sharer";q=1;w=3600, "brand";q=1000;w=3600');
    await admin(server.url).updatePartner("weibo", { limits: [{ scope: "sharer", surface: "feed", max: 3, windowSeconds: 60 }] });
    const allowed = await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "bob" }));
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get("ratelimit-policy")).toBe('"feed-sharer";q=3;w=60');
    await admin(server.url).updatePartner("weibo", { resetLimits: true });
    // Back on the defaults, alice's card of the first step still fills her hour.
    const reset = await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "alice" }));
    expect(reset.status).toBe(429);
    expect(reset.headers.get("ratelimit-policy")).toBe('"feed-sharer";q=1;w=3600, "brand";q=1000;w=3600');
  });
});
