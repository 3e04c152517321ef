/**
 * Guards belong to routes, not to spellings of a URL: every spelling of a guarded route that
 * reaches it (trailing slash, percent-encoding, a query) meets the same guard and shares its
 * budget; spellings that do not reach it (double slash, other case) are 404 and store
 * nothing. Requests go out raw (node:http), so the path is exactly what an attacker types.
 *
 * CORS too: every spelling that reaches a route gets that route's CORS answer, for requests and
 * preflights alike, and no spelling gets another audience's.
 *
 * And an origin flood: thousands of requests with distinct, long, unknown `Origin` values
 * are refused before any state is kept, so the server's memory stays flat.
 */

import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_FAILURES } from "../../src/limits/abuse.js";
import { cardInput, seedWorld, spawnServer, startServer, type LocalServer, type SpawnedServer } from "../support/server.js";
import { BROWSER_UA } from "../support/passes.js";

const ORIGIN = "https://weibo.example";

/** Sends a request with `path` exactly as given. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Spellings of one path: some reach the route (the router decodes and ignores a trailing slash), some do not. */
function spellings(path: string): string[] {
  const cut = path.lastIndexOf("/") + 1;
  const [head, last] = [path.slice(0, cut), path.slice(cut)];
  const hex = (letter: string) => `%${letter.charCodeAt(0).toString(16)}`;
  return [
    path,
    `${path}/`,
    `${head}${hex(last[0]!)}${last.slice(1)}`, // /v1/%65vents
    `${head}${last.slice(0, -1)}${hex(last.at(-1)!).toUpperCase()}`, // /v1/event%73
    `/${hex(path[1]!)}${path.slice(2)}`, // /%761/events
    `${path}?x=1`,
    `${path}/?utm=1`,
    `/${path}`,
    path.toUpperCase(),
    `${path}%2F`,
  ];
}

describe("guards hold for every spelling of their routes", () => {
  const BEACONS_PER_MINUTE = 12;
  let server: LocalServer;
  let apiKey: string;
  let card: string;

  beforeAll(async () => {
    server = await startServer({ config: { trustProxy: true, eventsPerMinute: BEACONS_PER_MINUTE } });
    ({ apiKey } = await seedWorld(server.url, { origins: [ORIGIN] }));
    const issued = await fetch(`${server.url}/v1/cards`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify(cardInput()) });
    card = ((await issued.json()) as { id: string }).id;
  });
  afterAll(() => server.close());

  it(`POST /v1/events: every spelling shares one budget of ${BEACONS_PER_MINUTE} beacons a minute per client`, async () => {
    const tried = spellings("/v1/events");
    const outcomes = new Map<string, number[]>();
    let accepted = 0;
    for (let round = 0; round < 4; round++) {
      for (const path of tried) {
        const body = JSON.stringify({ events: [{ type: "click", card, visitor: `spell-${round}-${outcomes.size}` }] });
        const { status } = await raw(server.url, "POST", path, { "content-type": "text/plain", origin: ORIGIN, "user-agent": BROWSER_UA, "x-forwarded-for": "203.0.113.60" }, body);
        outcomes.set(path, [...(outcomes.get(path) ?? []), status]);
        if (status === 202) accepted++;
      }
    }
    // The route was reached under several spellings, and all of them together got the budget once.
    const reaching = [...outcomes].filter(([, statuses]) => statuses.some((status) => status === 202 || status === 429)).map(([path]) => path);
    expect(reaching).toEqual(expect.arrayContaining(["/v1/events", "/v1/events/", "/v1/%65vents", "/v1/event%73", "/%761/events", "/v1/events?x=1", "/v1/events/?utm=1"]));
    expect(accepted).toBe(BEACONS_PER_MINUTE);
    // The others never reach it: 404, nothing stored, no budget used or granted.
    for (const [path, statuses] of outcomes) {
      if (!reaching.includes(path)) expect(statuses.every((status) => status === 404), path).toBe(true);
    }
    const events = await server.server.context.store.events.listByBrand("cinema", 0, Number.MAX_SAFE_INTEGER);
    expect(events).toHaveLength(BEACONS_PER_MINUTE);
    console.log(`[drill] route spellings: ${tried.length} spellings of POST /v1/events × 4, ${reaching.length} reach the route, ${accepted} accepted in all (budget ${BEACONS_PER_MINUTE}), the rest 404`);
  });

  it(`brand and admin APIs: ${AUTH_FAILURES.max} failed logins under any spellings lock every spelling`, async () => {
    const ip = { "x-forwarded-for": "203.0.113.61" };
    const routes: Array<[string, string]> = [
      ["POST", "/v1/cards"],
      ["GET", "/v1/cards"],
      ["GET", "/v1/brands/me/stats"],
      ["GET", "/v1/admin/partners"],
    ];
    const paths = routes.flatMap(([method, path]) => spellings(path).map((spelled) => [method, spelled] as const));
    let failures = 0;
    let reachedGuard = new Set<string>();
    // Guess with bad credentials under every spelling until the guard closes.
    for (let i = 0; failures < AUTH_FAILURES.max; i++) {
      const [method, path] = paths[i % paths.length]!;
      const { status } = await raw(server.url, method, path, { authorization: `Bearer mck_guess${i}`, "content-type": "application/json", ...ip }, method === "POST" ? JSON.stringify(cardInput()) : undefined);
      if (status === 401) {
        failures++;
        reachedGuard.add(path);
      } else expect(status, `${method} ${path}`).toBe(404);
    }
    // Now every spelling that reaches a credentialed route is closed, even with the right key.
    const locked: string[] = [];
    for (const [method, path] of paths) {
      const key = /admin/i.test(path) ? "test-admin-token-0123456789" : apiKey;
      const { status, body } = await raw(server.url, method, path, { authorization: `Bearer ${key}`, "content-type": "application/json", ...ip }, method === "POST" ? JSON.stringify(cardInput()) : undefined);
      if (status !== 404) {
        expect(status, `${method} ${path}: ${body}`).toBe(429);
        expect(JSON.parse(body).code).toBe("too_many_auth_failures");
        locked.push(path);
      }
    }
    expect(locked).toEqual(expect.arrayContaining(["/v1/cards", "/v1/cards/", "/v1/%63ards", "/v1/brands/me/stat%73", "/v1/admin/%70artners", "/%761/admin/partners", "/v1/admin/partners?x=1"]));
    reachedGuard = new Set([...reachedGuard].filter((path) => !locked.includes(path)));
    expect([...reachedGuard]).toEqual([]);
  });

  it("CORS: every spelling that reaches a route gets its audience's answer, to requests and preflights; no spelling gets more", async () => {
    const OPEN = { "access-control-allow-methods": "GET, HEAD, OPTIONS", "access-control-max-age": "86400" };
    const PARTNERS = { "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "content-type", "access-control-max-age": "600", "access-control-allow-credentials": "true" };
    const cases: Array<{ method: string; path: string; query?: string; body?: string; cors: "open" | "partners" | "none"; reaching: string[] }> = [
      { method: "POST", path: "/v1/events", body: '{"events":[]}', cors: "partners", reaching: ["/v1/events/", "/v1/%65vents", "/%761/events", "/v1/events?x=1"] },
      // Card state is public: every page that shows a card may ask, without credentials.
      { method: "GET", path: "/v1/cards/status", query: `ids=${card}`, cors: "open", reaching: ["/v1/cards/status/", "/v1/cards/%73tatus"] },
      { method: "GET", path: "/.well-known/jwks.json", cors: "open", reaching: ["/.well-known/jwks.json/", "/.well-known/%6awks.json"] },
      { method: "GET", path: `/c/${card}`, cors: "open", reaching: [`/c/${card}/`] },
      { method: "GET", path: "/v1/trending", query: "partner=weibo", cors: "open", reaching: ["/v1/trending/", "/v1/%74rending"] },
      { method: "GET", path: `/e/${card}`, cors: "none", reaching: [`/e/${card}/`] },
      { method: "GET", path: "/v1/cards", cors: "none", reaching: ["/v1/cards/", "/v1/%63ards"] },
      { method: "POST", path: "/v1/cards", body: "{}", cors: "none", reaching: ["/v1/cards/", "/v1/%63ards"] },
      { method: "GET", path: "/v1/admin/partners", cors: "none", reaching: ["/v1/admin/partners/", "/v1/admin/%70artners"] },
    ];
    let client = 0;
    for (const { method, path, query, body, cors, reaching } of cases) {
      const reached: string[] = [];
      let routeStatus: number | undefined;
      for (const spelled of spellings(path)) {
        const url = query ? `${spelled}${spelled.includes("?") ? "&" : "?"}${query}` : spelled;
        for (const origin of [ORIGIN, "https://evil.example"]) {
          const ip = { "x-forwarded-for": `203.0.113.${100 + (client++ % 100)}` };
          const type = path === "/v1/events" ? "text/plain" : "application/json";
          const authorization = `Bearer ${/admin/i.test(path) ? "test-admin-token-0123456789" : apiKey}`;
          const sent = await raw(server.url, method, url, { origin, "content-type": type, "user-agent": BROWSER_UA, authorization, ...ip }, body);
          const preflight = await raw(server.url, "OPTIONS", url, { origin, "access-control-request-method": method, "access-control-request-headers": "content-type", ...ip });
          const label = `${method} ${url} from ${origin}: ${sent.status} ${sent.body.slice(0, 120)}`;
          const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith("access-control-"));
          // The path as written answers what the route answers; a spelling reaches the route when it gets the same status.
          routeStatus ??= sent.status;
          if (sent.status !== routeStatus) {
            // Another answer: the router's 404, or another route (`/v1/cards/status%2F` is `/v1/cards/:id`). Never more than this audience grants;
            // a beacon from a page no partner registered may read why it was refused (origin_not_allowed), without credentials.
            const refusedOrigin = sent.status === 403 && sent.body.includes('"code":"origin_not_allowed"');
            expect(refusedOrigin && (path !== "/v1/events" || origin === ORIGIN), label).toBe(false);
            expect(sent.headers["access-control-allow-credentials"], label).toBeUndefined();
            expect([undefined, ...(cors === "open" || refusedOrigin ? ["*"] : [])], label).toContain(sent.headers["access-control-allow-origin"]);
            if (sent.body.includes('"no route ')) expect(corsHeaders(sent.headers), label).toEqual([]);
            if (cors !== "open") expect(corsHeaders(preflight.headers), `preflight of ${label}`).toEqual([]);
            continue;
          }
          if (origin === ORIGIN) reached.push(spelled);
          if (cors === "none" || (cors === "partners" && origin !== ORIGIN)) {
            expect(corsHeaders(sent.headers), label).toEqual([]);
            expect(preflight.status, `preflight of ${label}`).toBe(404);
            expect(corsHeaders(preflight.headers), `preflight of ${label}`).toEqual([]);
            continue;
          }
          const allowed = cors === "open" ? "*" : ORIGIN;
          expect(sent.headers["access-control-allow-origin"], label).toBe(allowed);
          expect(sent.headers["access-control-allow-credentials"], label).toBe(cors === "partners" ? "true" : undefined);
          expect(preflight.status, `preflight of ${label}`).toBe(204);
          expect(preflight.headers, `preflight of ${label}`).toMatchObject({ "access-control-allow-origin": allowed, ...(cors === "open" ? OPEN : PARTNERS) });
        }
      }
      // Not vacuous: the tricky spellings did reach the route; other case and a double slash did not.
      expect(reached, `${method} ${path}`).toEqual(expect.arrayContaining([path, ...reaching]));
      expect(reached, `${method} ${path}`).not.toContain(path.toUpperCase());
      expect(reached, `${method} ${path}`).not.toContain(`/${path}`);
    }
  });
});

describe("an origin flood", () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await spawnServer();
  });
  afterAll(() => server.stop());

  const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.process.pid}/status`, "utf8"))![1]);

  async function flood(round: number, count: number): Promise<number[]> {
    const statuses: number[] = [];
    const pad = "x".repeat(14 * 1024);
    for (let i = 0; i < count; i += 50) {
      const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        raw(server.url, "POST", "/v1/events", { "content-type": "text/plain", origin: `https://o${round}-${i + j}.${pad}.example` }, '{"events":[]}').then((answer) => answer.status),
      );
      statuses.push(...(await Promise.all(batch)));
    }
    return statuses;
  }

  it("refuses thousands of unknown origins with 403 and keeps no state for them: memory stays flat", async () => {
    // Warm-up rounds bring the process to its working size (JIT, buffers, the heap): one is
    // enough on Node 20 and 22; Node 24's heap grows for about three more (232 → 305 → 316 MB,
    // then flat), so warm up until a round adds under 8 MB, at most five rounds.
    let settled = rssKb();
    let warmUps = 0;
    while (warmUps < 5) {
      await flood(-1 - warmUps++, 3000);
      const now = rssKb();
      if (warmUps > 1 && now - settled < 8 * 1024) break;
      settled = now;
    }
    const before = rssKb();
    let refused = 0;
    for (let round = 1; round <= 3; round++) refused += (await flood(round, 3000)).filter((status) => status === 403).length;
    const after = rssKb();
    expect(refused).toBe(9000);
    // 9,000 origins of 14 KB are 126 MB if any of them were kept; allow noise, not a leak.
    expect(after - before).toBeLessThan(16 * 1024);
    console.log(`[drill] origin flood: 9000 distinct 14 KB origins refused (after ${warmUps} × 3000 to warm up), RSS ${Math.round(before / 1024)} MB → ${Math.round(after / 1024)} MB`);
  });
});
