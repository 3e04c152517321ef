// Abuse of the partner server over real HTTP on loopback: credential guessing, admin routes
// and CORS, client assertions (private_key_jwt) replayed or stretched, beacon floods, the
// status endpoint's id cap and per-client limit, oEmbed URLs that are not ours (no SSRF), security headers, and
// error bodies that never carry internals.

import { readFileSync, readdirSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { AUTH_FAILURES, EVENTS_PER_CLIENT, STATUS_PER_CLIENT } from "../../src/limits/abuse.js";
import { hashApiKey } from "../../src/auth/brand-auth.js";
import { MAX_STATUS_IDS } from "@minicard/sdk";
import { countRows } from "../support/db.js";
import { admin, cardInput, postCard, seedWorld, startServer, type LocalServer } from "../support/server.js";

const PARTNER_ORIGIN = "http://127.0.0.1:5999";

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body, text };
}

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe(code);
}

/** A client IP, as the balancer in front would report it (the server trusts the proxy). */
const from = (ip: string) => ({ "x-forwarded-for": ip });

describe("credential guessing is slowed per client", () => {
  let server: LocalServer;
  let apiKey: string;
  let clock = Date.now();

  beforeAll(async () => {
    server = await startServer({ config: { trustProxy: true }, now: () => clock });
    ({ apiKey } = await seedWorld(server.url));
  });
  afterAll(async () => {
    await server.close();
  });

  it(`answers 429 too_many_auth_failures after ${AUTH_FAILURES.max} failed authentications from one IP, to that IP only`, async () => {
    const guesser = from("203.0.113.7");
    for (let i = 0; i < AUTH_FAILURES.max; i += 1) {
      const response = await postCard(server.url, `mck_guess${i}`, cardInput(), guesser);
      expectProblem(response, 401, "unauthorized");
    }
    const refused = await postCard(server.url, "mck_guess-next", cardInput(), guesser);
    expectProblem(refused, 429, "too_many_auth_failures");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(AUTH_FAILURES.windowSeconds);
    expect(refused.body.retryAfter).toBe(retryAfter);

    // Even the right key is not looked at from the guessing IP, and nothing is issued.
    const cards = countRows(server.config.dataDir, "cards");
    expectProblem(await postCard(server.url, apiKey, cardInput(), guesser), 429, "too_many_auth_failures");
    expect(countRows(server.config.dataDir, "cards")).toBe(cards);
    // Admin routes too: guessing there counts and is refused the same way.
    expectProblem(await get(`${server.url}/v1/admin/partners`, { ...guesser, authorization: "Bearer test-admin-token-0123456789" }), 429, "too_many_auth_failures");
    // Another client is not affected; public routes are not affected for the guesser either.
    expect((await postCard(server.url, apiKey, cardInput(), from("198.51.100.2"))).status).toBe(201);
    expect((await get(`${server.url}/.well-known/jwks.json`, guesser)).status).toBe(200);

    // The window rolls: once it has passed, the IP may authenticate again.
    clock += AUTH_FAILURES.windowSeconds * 1000 + 1000;
    expect((await postCard(server.url, apiKey, cardInput(), guesser)).status).toBe(201);
  });

  it(`a burst of concurrent guesses gets no more than ${AUTH_FAILURES.max} answers to its keys`, async () => {
    // An attacker does not wait for each 401: every guess in flight at once must count.
    const guesser = from("203.0.113.10");
    const burst = await Promise.all(
      Array.from({ length: AUTH_FAILURES.max + 60 }, (_, i) => postCard(server.url, `mck_burst${i}`, cardInput(), guesser)),
    );
    const statuses = burst.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(AUTH_FAILURES.max);
    expect(statuses.filter((status) => status === 429)).toHaveLength(60);
    for (const response of burst.filter((each) => each.status === 429)) expect(response.body.code).toBe("too_many_auth_failures");
    expectProblem(await postCard(server.url, apiKey, cardInput(), guesser), 429, "too_many_auth_failures");
  });

  it("behind a balancer, the client cannot pick its own IP with a forged X-Forwarded-For", async () => {
    // The balancer appends the real client address; whatever the client sent comes before it.
    for (let i = 0; i < AUTH_FAILURES.max; i += 1) {
      const response = await postCard(server.url, `mck_rotating${i}`, cardInput(), { "x-forwarded-for": `10.9.${i}.1, 203.0.113.9` });
      expect(response.status).toBe(401);
    }
    expectProblem(await postCard(server.url, "mck_rotating-next", cardInput(), { "x-forwarded-for": "10.9.250.1, 203.0.113.9" }), 429, "too_many_auth_failures");
  });

  it("counts admin-token guesses too", async () => {
    const guesser = from("203.0.113.8");
    for (let i = 0; i < AUTH_FAILURES.max; i += 1) {
      expect((await get(`${server.url}/v1/admin/partners`, { ...guesser, authorization: `Bearer wrong-admin-token-${i}` })).status).toBe(401);
    }
    expectProblem(await get(`${server.url}/v1/admin/partners`, { ...guesser, authorization: "Bearer test-admin-token-0123456789" }), 429, "too_many_auth_failures");
  });
});

describe("API keys and the admin token are never compared as plain strings", () => {
  let server: LocalServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url));
  });
  afterAll(async () => {
    await server.close();
  });

  it("stores only the SHA-256 of an API key (lookup by hash: no timing-sensitive comparison of the secret)", () => {
    const files = readdirSync(server.config.dataDir).filter((name) => name.startsWith("minicard.db"));
    const bytes = Buffer.concat(files.map((name) => readFileSync(join(server.config.dataDir, name))));
    expect(bytes.includes(Buffer.from(apiKey))).toBe(false);
    expect(bytes.includes(Buffer.from(apiKey.slice(4)))).toBe(false);
    expect(bytes.includes(Buffer.from(hashApiKey(apiKey)))).toBe(true);
  });

  it("an API key differing in one character, or a prefix of it, is refused", async () => {
    const last = apiKey.at(-1) === "A" ? "B" : "A";
    for (const guess of [`${apiKey.slice(0, -1)}${last}`, apiKey.slice(0, -1), `${apiKey}x`, apiKey.toUpperCase()]) {
      expectProblem(await postCard(server.url, guess, cardInput()), 401, "unauthorized");
    }
    expect((await postCard(server.url, apiKey, cardInput())).status).toBe(201);
  });
});

describe("admin routes", () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startServer();
    await seedWorld(server.url, { origins: [PARTNER_ORIGIN] });
  });
  afterAll(async () => {
    await server.close();
  });

  const routes: Array<[string, string]> = [
    ["GET", "/v1/admin/partners"],
    ["POST", "/v1/admin/partners"],
    ["POST", "/v1/admin/brands"],
    ["PATCH", "/v1/admin/brands/cinema"],
    ["POST", "/v1/admin/brands/cinema/keys"],
    ["PUT", "/v1/admin/partners/weibo/sharers/mallory"],
    ["PUT", "/v1/admin/rollout"],
    ["POST", "/v1/admin/signing-keys/rotate"],
  ];

  it(`refuse without the admin token, with a wrong one, or a brand's key (${routes.length} routes × 4 credentials)`, async () => {
    const { apiKey } = await admin(server.url).createBrand({ id: "other", name: "Other", category: "campus", apps: ["2021000000000009"], surfaces: ["dm"] });
    for (const [method, path] of routes) {
      for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Bearer ${apiKey}`, "Basic dGVzdDp0ZXN0"]) {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { "content-type": "application/json", origin: PARTNER_ORIGIN, ...(authorization ? { authorization } : {}) },
          ...(method === "GET" ? {} : { body: "{}" }),
        });
        expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 401, "unauthorized");
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
      }
    }
    // The rotation did not happen, the sharer was not added.
    expect((await admin(server.url).call("GET", "/partners")).body.partners).toHaveLength(1);
  });

  it("never answer with CORS headers, not even to a partner origin with the right token or a preflight", async () => {
    const preflight = await fetch(`${server.url}/v1/admin/partners`, {
      method: "OPTIONS",
      headers: { origin: PARTNER_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const ok = await fetch(`${server.url}/v1/admin/partners`, { headers: { origin: PARTNER_ORIGIN, authorization: "Bearer test-admin-token-0123456789" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("client assertions (private_key_jwt)", () => {
  let server: LocalServer;
  let privateKey: CryptoKey;
  let issuer: string;

  beforeAll(async () => {
    server = await startServer();
    issuer = server.config.issuer;
    await seedWorld(server.url);
    const pair = await generateKeyPair("ES256", { extractable: true });
    privateKey = pair.privateKey;
    const api = admin(server.url);
    await api.createBrand({ id: "signer", name: "Signer", category: "campus", apps: ["2021000000000001"], surfaces: ["dm"], invited: true });
    await api.addBrandKey("signer", { ...(await exportJWK(pair.publicKey)), kid: "signer-1" });
  });
  afterAll(async () => {
    await server.close();
  });

  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "signer-1", ...header } as { alg: string }).sign(privateKey);
  const fresh = (extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: "signer", sub: "signer", aud: issuer, jti: crypto.randomUUID(), iat: now, exp: now + 120, ...extra };
  };

  it("refuses a long exp, a future iat, a missing jti and an unsigned or HMAC assertion; issues with a good one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const before = countRows(server.config.dataDir, "cards");
    const refused = {
      "exp a day ahead": await sign(fresh({ exp: now + 86_400 })),
      "exp 10 minutes ahead, iat now": await sign(fresh({ exp: now + 600 })),
      "iat 10 minutes ahead (lifetime 2 minutes)": await sign(fresh({ iat: now + 600, exp: now + 720 })),
      "iat a year ahead": await sign(fresh({ iat: now + 365 * 86_400, exp: now + 365 * 86_400 + 60 })),
      "no jti": await sign(fresh({ jti: undefined })),
      "no iat": await sign(fresh({ iat: undefined })),
      "aud another server": await sign(fresh({ aud: "https://evil.example" })),
      "iss another brand": await sign(fresh({ iss: "cinema", sub: "cinema" })),
      "alg none": `${Buffer.from(JSON.stringify({ alg: "none", kid: "signer-1" })).toString("base64url")}.${Buffer.from(JSON.stringify(fresh())).toString("base64url")}.`,
      "HS256 keyed with the public key": await new SignJWT(fresh())
        .setProtectedHeader({ alg: "HS256", kid: "signer-1" })
        .sign(new TextEncoder().encode(JSON.stringify(await exportJWK((await generateKeyPair("ES256")).publicKey)))),
    };
    for (const [name, assertion] of Object.entries(refused)) {
      const response = await postCard(server.url, assertion, cardInput());
      expect(response.status, name).toBe(401);
      expect(response.body.code, name).toBe("unauthorized");
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
    expect((await postCard(server.url, await sign(fresh()), cardInput())).status).toBe(201);
  });

  it("accepts a jti once even when the same assertion races itself (10 concurrent requests → 1 card)", async () => {
    const assertion = await sign(fresh());
    const before = countRows(server.config.dataDir, "cards");
    const responses = await Promise.all(Array.from({ length: 10 }, () => postCard(server.url, assertion, cardInput())));
    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 401)).toHaveLength(9);
    expect(countRows(server.config.dataDir, "cards")).toBe(before + 1);
  });
});

describe("public endpoints under abuse", () => {
  let server: LocalServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServer({ config: { trustProxy: true } });
    ({ apiKey } = await seedWorld(server.url, { origins: [PARTNER_ORIGIN, "http://127.0.0.1:5997"] }));
    await admin(server.url).createPartner({ id: "douyin", name: "Douyin", origins: ["http://127.0.0.1:5998"], surfaces: ["dm"] });
  });
  afterAll(async () => {
    await server.close();
  });

  const beacon = (origin: string, ip: string, card: string) =>
    fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin, ...from(ip) },
      body: JSON.stringify({ events: [{ type: "click", card, visitor: `v-${Math.random().toString(36).slice(2)}` }] }),
    });

  it(`limits a beacon flood from one partner's pages and one IP to ${EVENTS_PER_CLIENT.max} requests a window (429 with Retry-After)`, async () => {
    const { body: card } = await postCard(server.url, apiKey, cardInput());
    const statuses: number[] = [];
    for (let i = 0; i < EVENTS_PER_CLIENT.max + 30; i += 1) statuses.push((await beacon(PARTNER_ORIGIN, "203.0.113.50", card.id)).status);
    expect(statuses.slice(0, EVENTS_PER_CLIENT.max).every((status) => status === 202)).toBe(true);
    expect(statuses.slice(EVENTS_PER_CLIENT.max).every((status) => status === 429)).toBe(true);
    const refused = await beacon(PARTNER_ORIGIN, "203.0.113.50", card.id);
    expectProblem({ status: refused.status, headers: refused.headers, body: await refused.json() }, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The refused beacons stored nothing: exactly max clicks arrived.
    const stats = await fetch(`${server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${apiKey}` } });
    if (stats.status === 200) expect((await stats.json()).clicks).toBe(EVENTS_PER_CLIENT.max);
    // The partner's other origin shares its budget: switching pages does not reset it.
    expect((await beacon("http://127.0.0.1:5997", "203.0.113.50", card.id)).status).toBe(429);
    // Other clients of the same partner, and the same IP on another partner's page, go on.
    expect((await beacon(PARTNER_ORIGIN, "203.0.113.51", card.id)).status).toBe(202);
    expect((await beacon("http://127.0.0.1:5998", "203.0.113.50", card.id)).status).toBe(202);
  });

  it(`refuses a status request for more than ${MAX_STATUS_IDS} ids; answers exactly ${MAX_STATUS_IDS}`, async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `01JD${String(i).padStart(22, "0")}`).join(",");
    expectProblem(await get(`${server.url}/v1/cards/status?ids=${ids(MAX_STATUS_IDS + 1)}`), 400, "too_many_ids");
    expectProblem(await get(`${server.url}/v1/cards/status?ids=${ids(300)}`), 400, "too_many_ids");
    // Far larger requests do not reach the route: Node's header limit answers 431.
    expect((await get(`${server.url}/v1/cards/status?ids=${ids(5000)}`)).status).toBe(431);
    // Spread over repeated parameters, the cap still holds.
    const half = ids(60);
    expectProblem(await get(`${server.url}/v1/cards/status?ids=${half}&ids=${ids(120).slice(half.length + 1)}`), 400, "too_many_ids");
    const ok = await get(`${server.url}/v1/cards/status?ids=${ids(MAX_STATUS_IDS)}`);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body)).toHaveLength(MAX_STATUS_IDS);
  });

  it(`limits status requests (open to every origin) to ${STATUS_PER_CLIENT.max} a window per client (429 with Retry-After); other clients go on`, async () => {
    const { body: card } = await postCard(server.url, apiKey, cardInput());
    const ask = (ip: string) => get(`${server.url}/v1/cards/status?ids=${card.id}`, { origin: "https://any-page.example", ...from(ip) });
    for (let i = 0; i < STATUS_PER_CLIENT.max; i += 10) {
      const answers = await Promise.all(Array.from({ length: Math.min(10, STATUS_PER_CLIENT.max - i) }, () => ask("203.0.113.70")));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    }
    const refused = await ask("203.0.113.70");
    expectProblem(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Readable by the page (open CORS), still without credentials, and it tells nothing about the card.
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(refused.headers.get("access-control-allow-credentials")).toBeNull();
    expect(refused.text).not.toContain(card.id);
    const other = await ask("203.0.113.71");
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ [card.id]: "active" });
  });

  it("oEmbed's html (pasted as markup by consumers) escapes hostile card text in both embed forms", async () => {
    const title = `"><img src=x onerror=alert(1)><script>alert(2)</script>'`;
    const { body: card } = await postCard(server.url, apiKey, cardInput({ title, description: `</iframe><svg onload=alert(3)>` }));
    for (const extra of ["", "&omit_iframe=1"]) {
      const response = await get(`${server.url}/oembed?url=${encodeURIComponent(`${server.url}/c/${card.id}`)}&format=json${extra}`);
      expect(response.status).toBe(200);
      const html: string = response.body.html;
      // Only the embed's own elements, each attribute quoted and closed: the text stayed text.
      // Drop the double-quoted attribute values: what is left is structure. A quote that broke
      // out of a value would leave the payload's tags and handlers here.
      const structure = html.replace(/"[^"]*"/g, '""');
      const tags = [...structure.matchAll(/<\/?([a-z][a-z0-9-]*)/gi)].map((match) => match[1]!.toLowerCase());
      expect(new Set(tags), extra).toEqual(new Set(extra ? ["script", "mini-program-card"] : ["iframe"]));
      const attributes = [...structure.matchAll(/\s([a-z-]+)=/gi)].map((match) => match[1]!.toLowerCase());
      expect(attributes.filter((name) => name.startsWith("on")), extra).toEqual([]);
      if (!extra) expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    }
  });

  it("oEmbed answers only for this server's share links and never fetches the URL it is given (no SSRF)", async () => {
    let outbound = 0;
    const target = createHttpServer((_req, res) => {
      outbound += 1;
      res.end("<html></html>");
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    try {
      const { body: card } = await postCard(server.url, apiKey, cardInput());
      const ours = await get(`${server.url}/oembed?url=${encodeURIComponent(`${server.url}/c/${card.id}`)}&format=json`);
      expect(ours.status).toBe(200);
      const foreign = [
        `${targetUrl}/c/${card.id}`,
        `http://169.254.169.254/latest/meta-data/`,
        `http://localhost:${new URL(server.url).port}/c/${card.id}`.replace("localhost", "[::1]"),
        `${server.url.replace("http:", "https:")}/c/${card.id}`,
        `${server.url}@evil.example/c/${card.id}`,
        `http://user:pass@${new URL(server.url).host}/c/${card.id}`,
        `${server.url}/c/${card.id}/../../v1/admin/partners`,
        `${server.url}/v1/admin/partners`,
        `file:///etc/passwd`,
        `javascript:alert(1)//${server.url}/c/${card.id}`,
        `gopher://127.0.0.1:6379/_FLUSHALL`,
        `${server.url}/c/not-a-card-id`,
      ];
      for (const url of foreign) {
        const response = await get(`${server.url}/oembed?url=${encodeURIComponent(url)}&format=json`);
        expect([400, 404], url).toContain(response.status);
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      }
      expect(outbound).toBe(0);
    } finally {
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });
});

describe("security headers and error bodies", () => {
  let server: LocalServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServer({ config: { trustProxy: true } });
    ({ apiKey } = await seedWorld(server.url, { origins: [PARTNER_ORIGIN] }));
  });
  afterAll(async () => {
    await server.close();
  });

  it("every kind of answer carries CSP, nosniff and a Referrer-Policy", async () => {
    const { body: card } = await postCard(server.url, apiKey, cardInput());
    const paths = ["/.well-known/jwks.json", "/healthz", `/v1/cards/status?ids=${card.id}`, "/v1/cards", "/nope", `/c/${card.id}`, "/embed.js", `/e/${card.id}`];
    for (const path of paths) {
      const response = await get(`${server.url}${path}`);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toMatch(/^(strict-origin-when-cross-origin|no-referrer|same-origin|strict-origin)$/);
      expect(response.headers.get("content-security-policy"), path).toMatch(/default-src 'none'/);
      expect(response.headers.get("content-security-policy"), path).toMatch(/frame-ancestors/);
    }
  });

  it("only the embeddable card page may be framed, and only by the partner's origins", async () => {
    const { body: card } = await postCard(server.url, apiKey, cardInput());
    const embed = await get(`${server.url}/e/${card.id}`);
    expect(embed.status).toBe(200);
    const ancestors = /frame-ancestors ([^;]*)/.exec(embed.headers.get("content-security-policy") ?? "")?.[1] ?? "";
    expect(ancestors).toContain(PARTNER_ORIGIN);
    expect(ancestors).not.toMatch(/\*|'none'/);
    expect(embed.headers.get("x-frame-options")).not.toBe("ALLOWALL");
    for (const path of [`/c/${card.id}`, "/v1/cards", "/healthz"]) {
      const csp = (await get(`${server.url}${path}`)).headers.get("content-security-policy") ?? "";
      expect(/frame-ancestors ([^;]*)/.exec(csp)?.[1]?.trim(), path).toBe("'none'");
    }
  });

  it("sends HSTS when the balancer says the client used https (trustProxy), not on plain http", async () => {
    expect((await get(`${server.url}/healthz`)).headers.get("strict-transport-security")).toBeNull();
    const https = await get(`${server.url}/healthz`, { "x-forwarded-proto": "https" });
    expect(https.headers.get("strict-transport-security")).toMatch(/max-age=\d{8,}/);

    const untrusting = await startServer();
    try {
      const spoofed = await get(`${untrusting.url}/healthz`, { "x-forwarded-proto": "https" });
      expect(spoofed.headers.get("strict-transport-security")).toBeNull();
    } finally {
      await untrusting.close();
    }
  });

  it("answers an unexpected failure with a plain 500: no stack, no message, no path", async () => {
    const cards = server.server.context.store.cards;
    const original = cards.statuses;
    cards.statuses = async () => {
      const error = new Error("SQLITE_CORRUPT at /var/lib/minicard/secret-path.db: password=hunter2");
      throw error;
    };
    try {
      const response = await get(`${server.url}/v1/cards/status?ids=01JD0000000000000000000001`);
      expectProblem(response, 500, "internal_error");
      // The request id is the one thing the client may quote to the operator.
      expect(Object.keys(response.body).sort()).toEqual(["code", "detail", "requestId", "status", "title", "type"]);
      expect(response.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      for (const leak of ["SQLITE", "secret-path", "hunter2", "/var/lib", "at ", ".ts:", ".js:", "Error:", "stack"]) {
        expect(response.text, leak).not.toContain(leak);
      }
    } finally {
      cards.statuses = original;
    }
  });

  it("answers malformed, oversized and hostile bodies with coded 4xx problems, no internals", async () => {
    const bodies: Array<[string, string, number, string]> = [
      ["not json", "{nope", 400, "malformed_json"],
      ["__proto__ pollution", '{"__proto__":{"admin":true},"partner":"weibo"}', 400, "malformed_json"],
      ["constructor pollution", '{"constructor":{"prototype":{"admin":true}}}', 400, "malformed_json"],
      ["too large", JSON.stringify({ title: "x".repeat(20_000) }), 413, "payload_too_large"],
    ];
    for (const [name, body, status, code] of bodies) {
      const response = await postCard(server.url, apiKey, body).catch(async () => {
        const raw = await fetch(`${server.url}/v1/cards`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body });
        return { status: raw.status, headers: raw.headers, body: { code: "unparsed", text: await raw.text() } };
      });
      expect(response.status, name).toBe(status);
      expect(response.body.code, name).toBe(code);
      expect(JSON.stringify(response.body), name).not.toMatch(/node_modules|\.js:\d+|at [A-Za-z]+ \(/);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
