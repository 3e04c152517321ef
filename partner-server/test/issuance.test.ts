/**
 * `POST /v1/cards` over real HTTP on loopback, SQLite in a temp folder: every status and
 * `code` of issuance in the contract's order of checks (401 → 400 → 403s → 429), requests
 * that fail several checks at once, idempotency keys, and client assertions.
 */

import { createSecretKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { MinicardError, createBrandClient } from "@minicard/sdk";
import { countRows } from "./support/db.js";
import { admin, APP_ID, cardInput, postCard, seedWorld, startServer, type LocalServer } from "./support/server.js";

let server: LocalServer;
let api: ReturnType<typeof admin>;
let apiKey: string;
const keys: Record<string, string> = {};

/** Creates a brand owning APP_ID on every surface; `patch` is applied after creation. */
async function brand(id: string, fields: Record<string, unknown> = {}, patch?: Record<string, unknown>): Promise<string> {
  const created = await api.createBrand({
    id,
    name: `Brand ${id}`,
    category: "commercial-brand",
    apps: [APP_ID],
    surfaces: ["dm", "profile", "feed"],
    invited: true,
    ...fields,
  });
  if (patch) await api.updateBrand(id, patch);
  return created.apiKey;
}

function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
}

beforeAll(async () => {
  server = await startServer();
  ({ api, apiKey } = await seedWorld(server.url));
  // A partner offering only DMs, and one whose limit is one card per brand per hour.
  await api.createPartner({ id: "dm-only", name: "DM only", origins: ["https://dm.example"], surfaces: ["dm"] });
  await api.createPartner({
    id: "tight",
    name: "Tight",
    origins: ["https://tight.example"],
    surfaces: ["dm", "profile", "feed"],
    limits: [{ scope: "brand", max: 1, windowSeconds: 3600 }],
  });
  await api.putSharer("tight", "alice");
  keys.suspended = await brand("suspended", { whitelisted: false, invited: false }, { status: "suspended" });
  keys.offList = await brand("off-list", { whitelisted: false, invited: false });
  keys.closed = await brand("closed", { invited: false });
  keys.otherApp = await brand("other-app", { apps: ["2021000000000999"], surfaces: ["dm"] });
  keys.dmBrand = await brand("dm-brand", { surfaces: ["dm"] });
  keys.limited = await brand("limited");
});
afterAll(() => server.close());

describe("issuance answers each failing check with its own status and code", () => {
  it("issues a card: 201 with id, token, url and expiresAt, a Location and RateLimit headers", async () => {
    const response = await postCard(server.url, apiKey, cardInput());
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      url: `${server.url}/c/${response.body.id}`,
      expiresAt: expect.any(String),
    });
    const lifetime = Date.parse(response.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(7 * 24 * 3600_000);
    expect(response.headers.get("location")).toBe(`/v1/cards/${response.body.id}`);
    expect(response.headers.get("ratelimit")).toMatch(/^"[a-z-]+";r=\d+;t=\d+$/);
  });

  it("takes the brand's display name from the whitelist, never from the request", async () => {
    const forged = await postCard(server.url, apiKey, cardInput({ brand: { name: "Someone else" } }));
    expectProblem(forged, 400, "validation_failed");
    const response = await postCard(server.url, apiKey, cardInput());
    const payload = JSON.parse(Buffer.from(response.body.token.split(".")[1], "base64url").toString());
    expect(payload.card.brand.name).toBe("Starlight Cinema");
    expect(payload).toMatchObject({ iss: server.url, aud: "weibo", sub: "cinema", jti: response.body.id });
  });

  it("honours ttlSeconds: exp is iat plus the requested lifetime, nbf is iat", async () => {
    const response = await postCard(server.url, apiKey, cardInput({ ttlSeconds: 3600 }));
    const payload = JSON.parse(Buffer.from(response.body.token.split(".")[1], "base64url").toString());
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.nbf).toBe(payload.iat);
    expect(Date.parse(response.body.expiresAt)).toBe(payload.exp * 1000);
  });

  it("encodes a typical share (title, description, two image URLs) in at most 1024 characters", async () => {
    const response = await postCard(
      server.url,
      apiKey,
      cardInput({
        surface: "feed",
        sharer: "alice",
        title: "今晚 19:30 IMAX 余票 12 张",
        description: "选座购票，影院取票免排队。",
        image: "https://picsum.photos/seed/42/640/360",
        icon: "https://picsum.photos/seed/logo/96/96",
        cta: "选座购票",
        app: { id: APP_ID, page: "pages/movie/detail?id=42", query: "from=weibo" },
      }),
    );
    expect(response.status).toBe(201);
    expect(response.body.token.length).toBeLessThanOrEqual(1024);
  });

  it("answers 401 unauthorized without credentials, with a wrong API key, or with garbage", async () => {
    for (const authorization of [undefined, "Bearer mck_wrong", "Basic abc", "Bearer not-a-key", "Bearer a.b.c"]) {
      const response = await fetch(`${server.url}/v1/cards`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(cardInput()),
      });
      expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 401, "unauthorized");
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("answers 401 before looking at the body: no credentials and malformed JSON is still 401", async () => {
    const response = await postCard(server.url, "mck_wrong", "{not json");
    expectProblem(response, 401, "unauthorized");
    const huge = await postCard(server.url, "mck_wrong", cardInput({ title: "x".repeat(20_000) }));
    expectProblem(huge, 401, "unauthorized");
  });

  it("answers 400 validation_failed before any 403: a suspended brand sending an invalid body learns about the body", async () => {
    const response = await postCard(server.url, keys.suspended!, cardInput({ title: "" }));
    expectProblem(response, 400, "validation_failed");
    expect(response.body.errors).toEqual([expect.objectContaining({ path: "/title" })]);
  });

  it("answers 403 brand_suspended before brand_not_whitelisted", async () => {
    expectProblem(await postCard(server.url, keys.suspended!, cardInput()), 403, "brand_suspended");
  });

  it("answers 403 brand_not_whitelisted before category_not_open", async () => {
    expectProblem(await postCard(server.url, keys.offList!, cardInput()), 403, "brand_not_whitelisted");
  });

  it("answers 403 category_not_open before app_not_owned, and issues once the category opens", async () => {
    const input = cardInput({ app: { id: "2021000000000777", page: "pages/index/index" } });
    expectProblem(await postCard(server.url, keys.closed!, input), 403, "category_not_open");
    // A future opening date keeps it closed; a past one opens it.
    await api.setRollout({ "commercial-brand": new Date(Date.now() + 3600_000).toISOString() });
    expectProblem(await postCard(server.url, keys.closed!, cardInput()), 403, "category_not_open");
    await api.setRollout({ "commercial-brand": "2020-01-01" });
    try {
      expectProblem(await postCard(server.url, keys.closed!, input), 403, "app_not_owned");
      expect((await postCard(server.url, keys.closed!, cardInput())).status).toBe(201);
    } finally {
      expect((await api.call("DELETE", "/rollout/commercial-brand")).status).toBe(200);
    }
    expectProblem(await postCard(server.url, keys.closed!, cardInput()), 403, "category_not_open");
  });

  it("answers 403 app_not_owned before surface_not_allowed", async () => {
    expectProblem(await postCard(server.url, keys.otherApp!, cardInput({ surface: "feed", sharer: "alice" })), 403, "app_not_owned");
  });

  it("answers 403 surface_not_allowed for a surface the brand or the partner does not offer, before sharer_not_whitelisted", async () => {
    expectProblem(await postCard(server.url, keys.dmBrand!, cardInput({ surface: "feed", sharer: "nobody" })), 403, "surface_not_allowed");
    expectProblem(await postCard(server.url, apiKey, cardInput({ partner: "dm-only", surface: "profile", sharer: "nobody" })), 403, "surface_not_allowed");
  });

  it("answers 403 sharer_not_whitelisted for feed and profile shares by an account not on the partner's whitelist; DMs are open", async () => {
    expectProblem(await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "mallory" })), 403, "sharer_not_whitelisted");
    expectProblem(await postCard(server.url, apiKey, cardInput({ surface: "profile", sharer: "mallory" })), 403, "sharer_not_whitelisted");
    expect((await postCard(server.url, apiKey, cardInput({ surface: "dm", sharer: "mallory" }))).status).toBe(201);
  });

  it("answers 403 partner_unknown for a partner that does not exist, even when the sharer is not whitelisted either", async () => {
    expectProblem(await postCard(server.url, apiKey, cardInput({ partner: "nobody" })), 403, "partner_unknown");
    expectProblem(await postCard(server.url, apiKey, cardInput({ partner: "nobody", surface: "feed", sharer: "mallory" })), 403, "partner_unknown");
  });

  it("answers 429 rate_limited last: a refused request that is also over its limit gets its 403", async () => {
    const first = await postCard(server.url, keys.limited!, cardInput({ partner: "tight" }));
    expect(first.status).toBe(201);
    const limited = await postCard(server.url, keys.limited!, cardInput({ partner: "tight" }));
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3500);
    expect(limited.body.retryAfter).toBe(Number(limited.headers.get("retry-after")));
    expectProblem(await postCard(server.url, keys.limited!, cardInput({ partner: "tight", surface: "feed", sharer: "mallory" })), 403, "sharer_not_whitelisted");
    expectProblem(await postCard(server.url, keys.limited!, cardInput({ partner: "tight", title: "" })), 400, "validation_failed");
  });
});

describe("bad input gets a clear error and changes nothing", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["an unknown field", cardInput({ colour: "red" }), "/colour"],
    ["a missing title", (({ title, ...rest }) => rest)(cardInput()), "/title"],
    ["a missing app", (({ app, ...rest }) => rest)(cardInput()), "/app"],
    ["an unknown surface", cardInput({ surface: "story" }), "/surface"],
    ["an unknown kind", cardInput({ kind: "coupon" }), "/kind"],
    ["a non-https image", cardInput({ image: "http://img.example/a.png" }), "/image"],
    ["a javascript: icon", cardInput({ icon: "javascript:alert(1)" }), "/icon"],
    ["a relative image URL", cardInput({ image: "/img/a.png" }), "/image"],
    ["a control character in the title", cardInput({ title: "Hello\u0007world" }), "/title"],
    ["a newline in the description", cardInput({ description: "line\nbreak" }), "/description"],
    ["a title over 64 characters", cardInput({ title: "x".repeat(65) }), "/title"],
    ["a cta over 16 characters", cardInput({ cta: "x".repeat(17) }), "/cta"],
    ["a page with ..", cardInput({ app: { id: APP_ID, page: "pages/../admin" } }), "/app/page"],
    ["a page with a scheme", cardInput({ app: { id: APP_ID, page: "https://evil.example/x" } }), "/app/page"],
    ["an absolute page", cardInput({ app: { id: APP_ID, page: "/pages/index" } }), "/app/page"],
    ["an appId of the wrong shape", cardInput({ app: { id: "12345", page: "pages/index/index" } }), "/app/id"],
    ["a query over 1024 bytes", cardInput({ app: { id: APP_ID, page: "pages/index/index", query: `a=${"x".repeat(1100)}` } }), "/app/query"],
    ["a product without a price", cardInput({ kind: "product" }), "/price"],
    ["a price that is not a decimal string", cardInput({ kind: "product", price: { amount: 29.9, currency: "CNY" } }), "/price/amount"],
    ["a membership without its offer", cardInput({ kind: "membership" }), "/membership"],
    ["a ttl over 30 days", cardInput({ ttlSeconds: 31 * 24 * 3600 }), "/ttlSeconds"],
    ["a feed share without a sharer", cardInput({ surface: "feed" }), "/sharer"],
  ];

  let cardsBefore: number;
  beforeAll(() => {
    cardsBefore = countRows(server.config.dataDir, "cards");
  });

  it.each(cases)("refuses %s with 400 validation_failed naming the field", async (_name, body, path) => {
    const response = await postCard(server.url, apiKey, { ...body, partner: "tight" });
    expectProblem(response, 400, "validation_failed");
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    for (const error of response.body.errors) expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  });

  it("refuses malformed JSON with 400 malformed_json", async () => {
    expectProblem(await postCard(server.url, apiKey, '{"partner": "weibo",'), 400, "malformed_json");
    expectProblem(await postCard(server.url, apiKey, ""), 400, "malformed_json");
  });

  it("refuses a body that is JSON but not an object with 400 validation_failed", async () => {
    for (const body of ["[]", "null", '"card"', "42"]) expectProblem(await postCard(server.url, apiKey, body), 400, "validation_failed");
  });

  it("refuses a prototype-polluting body", async () => {
    const response = await postCard(server.url, apiKey, `{"__proto__":{"admin":true},${JSON.stringify(cardInput()).slice(1)}`);
    expect(response.status).toBe(400);
    expect(["malformed_json", "validation_failed"]).toContain(response.body.code);
  });

  it("refuses a wrong content type with 415 unsupported_media_type", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await postCard(server.url, apiKey, JSON.stringify(cardInput()), { "content-type": type });
      expectProblem(response, 415, "unsupported_media_type");
    }
  });

  it("refuses a body over 16 KB with 413 payload_too_large", async () => {
    const response = await postCard(server.url, apiKey, { ...cardInput(), description: "x".repeat(17 * 1024) });
    expectProblem(response, 413, "payload_too_large");
  });

  it("refuses a malformed Idempotency-Key with 400 validation_failed", async () => {
    const response = await postCard(server.url, apiKey, cardInput(), { "idempotency-key": "x".repeat(256) });
    expectProblem(response, 400, "validation_failed");
    expect(response.body.errors[0].path).toBe("header:Idempotency-Key");
  });

  it("stored no card and charged no limit for any of them", async () => {
    expect(countRows(server.config.dataDir, "cards")).toBe(cardsBefore);
    // `tight` allows one card per brand per hour: a fresh brand's first card still fits.
    const fresh = await brand("fresh");
    expect((await postCard(server.url, fresh, cardInput({ partner: "tight" }))).status).toBe(201);
    expect((await postCard(server.url, fresh, cardInput({ partner: "tight" }))).status).toBe(429);
    expect(countRows(server.config.dataDir, "cards")).toBe(cardsBefore + 1);
  });

  it("a refused card of a brand shows in none of its listings", async () => {
    const key = await brand("lister");
    await postCard(server.url, key, cardInput({ partner: "nobody" }));
    await postCard(server.url, key, cardInput({ title: "" }));
    const list = await fetch(`${server.url}/v1/cards`, { headers: { authorization: `Bearer ${key}` } });
    expect(await list.json()).toEqual({ cards: [], next: null });
  });
});

describe("idempotency keys", () => {
  it("replays the same response for the same key and body, without a second card or a second charge", async () => {
    const key = await brand("idem-replay");
    const body = cardInput({ partner: "tight" });
    const before = countRows(server.config.dataDir, "cards");
    const first = await postCard(server.url, key, body, { "idempotency-key": "order-1" });
    expect(first.status).toBe(201);
    // Same content, other key order: the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await postCard(server.url, key, reordered, { "idempotency-key": "order-1" });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    // The first answer's Location and RateLimit headers too: the limits as they were then.
    for (const name of ["location", "ratelimit-policy", "ratelimit"]) expect(second.headers.get(name), name).toBe(first.headers.get(name));
    expect(second.headers.get("ratelimit")).not.toBeNull();
    expect(countRows(server.config.dataDir, "cards")).toBe(before + 1);
    // The replay charged nothing, and a new key is a new request (over the limit of 1).
    expectProblem(await postCard(server.url, key, body, { "idempotency-key": "order-2" }), 429, "rate_limited");
  });

  it("takes back the charge and the Idempotency-Key when signing fails: the same request, retried, issues", async () => {
    const key = await brand("sign-fails");
    const body = cardInput({ partner: "tight" }); // one card per brand and hour
    const keys = server.server.context.keys;
    const { signCompact, prepareCompact } = keys;
    keys.signCompact = async () => {
      throw new Error("the signer failed");
    };
    // Where the SQLite store's thread signs as it writes, a key it cannot sign with fails there.
    const broken = { id: "broken", alg: "ES256" as const, privateKey: createSecretKey(Buffer.alloc(32)) };
    keys.prepareCompact = (typ, payload) => {
      const prepared = prepareCompact(typ, payload);
      return prepared && { ...prepared, job: { ...prepared.job, key: broken } };
    };
    const before = countRows(server.config.dataDir, "cards");
    try {
      expect((await postCard(server.url, key, body, { "idempotency-key": "sign-1" })).status).toBe(500);
    } finally {
      keys.signCompact = signCompact;
      keys.prepareCompact = prepareCompact;
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
    // Neither 429 (the hour's one card still free) nor 409 (the key still held).
    const retried = await postCard(server.url, key, body, { "idempotency-key": "sign-1" });
    expect(retried.status).toBe(201);
    expect(countRows(server.config.dataDir, "cards")).toBe(before + 1);
  });

  it("answers 422 idempotency_key_reused for the same key with another body", async () => {
    const key = await brand("idem-reuse");
    expect((await postCard(server.url, key, cardInput(), { "idempotency-key": "k" })).status).toBe(201);
    const before = countRows(server.config.dataDir, "cards");
    expectProblem(await postCard(server.url, key, cardInput({ title: "Other" }), { "idempotency-key": "k" }), 422, "idempotency_key_reused");
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
  });

  it("keeps keys per brand: two brands may use the same key", async () => {
    const a = await brand("idem-a");
    const b = await brand("idem-b");
    const first = await postCard(server.url, a, cardInput(), { "idempotency-key": "shared" });
    const second = await postCard(server.url, b, cardInput(), { "idempotency-key": "shared" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it("does not keep a key whose request was refused: fixing the request under the same key issues", async () => {
    const key = await brand("idem-refused");
    expect((await postCard(server.url, key, cardInput({ partner: "tight" }), { "idempotency-key": "retry" })).status).toBe(201);
    const limited = await brand("idem-refused-2");
    expect((await postCard(server.url, limited, cardInput({ partner: "tight" }))).status).toBe(201);
    expect((await postCard(server.url, limited, cardInput({ partner: "tight" }), { "idempotency-key": "retry" })).status).toBe(429);
    expect((await postCard(server.url, limited, cardInput({ partner: "weibo" }), { "idempotency-key": "retry" })).status).toBe(201);
  });

  it("issues exactly one card for 20 concurrent requests with the same key", async () => {
    const key = await brand("idem-race");
    const before = countRows(server.config.dataDir, "cards");
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postCard(server.url, key, cardInput(), { "idempotency-key": "race" })),
    );
    const created = responses.filter((response) => response.status === 201);
    const busy = responses.filter((response) => response.status === 409);
    expect(created.length + busy.length).toBe(20);
    expect(new Set(created.map((response) => response.body.id)).size).toBe(1);
    for (const response of busy) {
      expect(response.body.code).toBe("idempotency_in_progress");
      expect(response.headers.get("retry-after")).toBe("1");
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before + 1);
    const later = await postCard(server.url, key, cardInput(), { "idempotency-key": "race" });
    expect(later.body.id).toBe(created[0]!.body.id);
  });
});

describe("brands authenticate with private_key_jwt client assertions", () => {
  let privateKey: CryptoKey;
  beforeAll(async () => {
    await brand("signer");
    const pair = await generateKeyPair("ES256", { extractable: true });
    privateKey = pair.privateKey as CryptoKey;
    await api.addBrandKey("signer", { ...(await exportJWK(pair.publicKey)), kid: "signer-1" });
  });

  const assertion = (claims: { iss?: string; aud?: string; iat?: number; exp?: number; jti?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "signer-1" })
      .setIssuer(claims.iss ?? "signer")
      .setSubject(claims.iss ?? "signer")
      .setAudience(claims.aud ?? server.url)
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 120)
      .setJti(claims.jti ?? crypto.randomUUID())
      .sign(privateKey);
  };

  it("issues with a fresh assertion", async () => {
    const response = await postCard(server.url, await assertion(), cardInput());
    expect(response.status).toBe(201);
    const payload = JSON.parse(Buffer.from(response.body.token.split(".")[1], "base64url").toString());
    expect(payload.sub).toBe("signer");
  });

  it("accepts a jti once: the replayed assertion is 401 and stores nothing", async () => {
    const token = await assertion({ jti: "once" });
    expect((await postCard(server.url, token, cardInput())).status).toBe(201);
    const before = countRows(server.config.dataDir, "cards");
    expectProblem(await postCard(server.url, token, cardInput()), 401, "unauthorized");
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
  });

  it("refuses an expired assertion, one living over 5 minutes, one for another audience and one for another brand", async () => {
    const now = Math.floor(Date.now() / 1000);
    const before = countRows(server.config.dataDir, "cards");
    for (const token of [
      await assertion({ iat: now - 600, exp: now - 300 }),
      await assertion({ exp: now + 3600 }),
      await assertion({ aud: "https://elsewhere.example" }),
      await assertion({ iss: "cinema" }),
    ]) {
      const response = await postCard(server.url, token, cardInput());
      expectProblem(response, 401, "unauthorized");
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
  });

  it("refuses an assertion signed by an unregistered key", async () => {
    const other = await generateKeyPair("ES256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "signer-1" })
      .setIssuer("signer")
      .setSubject("signer")
      .setAudience(server.url)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(crypto.randomUUID())
      .sign(other.privateKey);
    expectProblem(await postCard(server.url, forged, cardInput()), 401, "unauthorized");
  });
});

describe("the SDK's brand client against the real server", () => {
  it("issues, reads and revokes with private_key_jwt, one fresh assertion per call", async () => {
    await brand("sdk-signer");
    const pair = await generateKeyPair("ES256", { extractable: true });
    await api.addBrandKey("sdk-signer", { ...(await exportJWK(pair.publicKey)), kid: "sdk-1" });
    const client = createBrandClient({ server: server.url, brandId: "sdk-signer", privateKey: pair.privateKey as CryptoKey, kid: "sdk-1" });
    const issued = await client.createCard(cardInput() as never, { idempotencyKey: "sdk-1" });
    expect(issued.url).toBe(`${server.url}/c/${issued.id}`);
    expect((await client.getCard(issued.id)).state).toBe("active");
    await client.revokeCard(issued.id);
    expect((await client.getCard(issued.id)).state).toBe("revoked");
  });

  it("raises the server's codes as MinicardError: validation fields, rate_limited with retryAfter, the 403s", async () => {
    const key = await brand("sdk-key");
    const client = createBrandClient({ server: server.url, apiKey: key });
    const failure = async (input: Record<string, unknown>) => {
      try {
        await client.createCard(input as never);
      } catch (error) {
        expect(error).toBeInstanceOf(MinicardError);
        return error as MinicardError;
      }
      throw new Error("expected a MinicardError");
    };
    const invalid = await failure(cardInput({ image: "http://img.example/a.png" }));
    expect(invalid).toMatchObject({ code: "validation_failed", status: 400 });
    expect(invalid.errors?.map((error) => error.path)).toEqual(["/image"]);
    expect(await failure(cardInput({ partner: "nobody" }))).toMatchObject({ code: "partner_unknown", status: 403 });
    await client.createCard(cardInput({ partner: "tight" }) as never);
    const limited = await failure(cardInput({ partner: "tight" }));
    expect(limited).toMatchObject({ code: "rate_limited", status: 429 });
    expect(limited.retryAfter).toBeGreaterThan(3500);
    const wrong = createBrandClient({ server: server.url, apiKey: "mck_wrong" });
    await expect(wrong.createCard(cardInput() as never)).rejects.toMatchObject({ code: "unauthorized", status: 401 });
  });
});
