/**
 * The rest of the HTTP API through `app.inject()`: reading, revoking and the batch status of
 * cards, the key set and discovery document, health, the admin API and CORS headers. Nothing
 * here tests HTTP itself (a browser's preflight, keep-alive, streaming), so no socket.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { admin, cardInput, injectServer, postCard, seedWorld, type LocalServer } from "./support/server.js";

const PARTNER_ORIGIN = "https://weibo.example";
let server: LocalServer;
let api: ReturnType<typeof admin>;
let apiKey: string;

beforeAll(async () => {
  server = await injectServer();
  ({ api, apiKey } = await seedWorld(server, { origins: [PARTNER_ORIGIN] }));
});
afterAll(() => server.close());

const asBrand = (key = apiKey) => ({ authorization: `Bearer ${key}` });

describe("a brand reads and revokes its cards", () => {
  it("reads its card with state active, and lists it", async () => {
    const { body: issued } = await postCard(server, apiKey, cardInput({ sharer: "alice" }));
    const response = await server.fetch(`/v1/cards/${issued.id}`, { headers: asBrand() });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: issued.id,
      state: "active",
      partner: "weibo",
      surface: "dm",
      kind: "app",
      sharer: "alice",
      token: issued.token,
      url: issued.url,
      expiresAt: issued.expiresAt,
      card: { v: 1, title: "Tonight at 19:30", brand: { name: "Starlight Cinema" } },
    });
    const list = await (await server.fetch(`/v1/cards`, { headers: asBrand() })).json();
    expect(list.cards.map((card: { id: string }) => card.id)).toContain(issued.id);
  });

  it("lists a brand's cards newest first, a page at a time, and only its own", async () => {
    const pager = await api.createBrand({ id: "pager", name: "Pager", category: "campus", apps: ["2021000000000001"], surfaces: ["dm"], invited: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await postCard(server, pager.apiKey, cardInput({ title: `Card ${i}` }))).body.id);
    const first = await (await server.fetch(`/v1/cards?limit=2`, { headers: asBrand(pager.apiKey) })).json();
    expect(first.cards.map((card: { id: string }) => card.id)).toEqual([ids[2], ids[1]]);
    expect(first.next).toBe(ids[1]);
    const second = await (await server.fetch(`/v1/cards?limit=2&before=${first.next}`, { headers: asBrand(pager.apiKey) })).json();
    expect(second).toMatchObject({ cards: [expect.objectContaining({ id: ids[0] })], next: null });
    const me = await (await server.fetch(`/v1/brands/me`, { headers: asBrand(pager.apiKey) })).json();
    expect(me).toMatchObject({ id: "pager", name: "Pager", status: "active", invited: true, whitelisted: true });
    for (const query of ["limit=0", "limit=201", "limit=x", "before=nope"]) {
      const response = await server.fetch(`/v1/cards?${query}`, { headers: asBrand(pager.apiKey) });
      expect(`${query} ${response.status}`).toBe(`${query} 400`);
    }
  });

  it("answers 404 not_found for another brand's card, an unknown id and a malformed id", async () => {
    const { body: issued } = await postCard(server, apiKey, cardInput());
    const other = await api.createBrand({ id: "rival", name: "Rival", category: "campus", apps: ["2021000000000002"], surfaces: ["dm"] });
    for (const [id, key] of [[issued.id, other.apiKey], ["01J0000000000000000000000Z", apiKey], ["../admin", apiKey]] as const) {
      const response = await server.fetch(`/v1/cards/${encodeURIComponent(id)}`, { headers: asBrand(key) });
      expect(response.status).toBe(404);
      expect((await response.json()).code).toBe("not_found");
    }
    const revoke = await server.fetch(`/v1/cards/${issued.id}`, { method: "DELETE", headers: asBrand(other.apiKey) });
    expect(revoke.status).toBe(404);
    const after = await (await server.fetch(`/v1/cards/${issued.id}`, { headers: asBrand() })).json();
    expect(after.state).toBe("active");
  });

  it("answers 401 for reads and revocations without a key", async () => {
    const { body: issued } = await postCard(server, apiKey, cardInput());
    expect((await server.fetch(`/v1/cards/${issued.id}`)).status).toBe(401);
    expect((await server.fetch(`/v1/cards/${issued.id}`, { method: "DELETE" })).status).toBe(401);
  });

  it("revokes with 204; the card then reads revoked everywhere and its share link answers 410", async () => {
    const { body: issued } = await postCard(server, apiKey, cardInput());
    const revoke = await server.fetch(`/v1/cards/${issued.id}`, { method: "DELETE", headers: asBrand() });
    expect(revoke.status).toBe(204);
    expect(await revoke.text()).toBe("");
    const read = await (await server.fetch(`/v1/cards/${issued.id}`, { headers: asBrand() })).json();
    expect(read).toMatchObject({ state: "revoked", revokedAt: expect.any(String) });
    const status = await (await server.fetch(`/v1/cards/status?ids=${issued.id}`)).json();
    expect(status).toEqual({ [issued.id]: "revoked" });
    const page = await server.fetch(`/c/${issued.id}`);
    expect(page.status).toBe(410);
    const json = await server.fetch(`/c/${issued.id}`, { headers: { accept: "application/json" } });
    expect(json.status).toBe(410);
    expect(await json.json()).toEqual({ id: issued.id, state: "revoked" });
    // Revoking again changes nothing and still answers 204.
    expect((await server.fetch(`/v1/cards/${issued.id}`, { method: "DELETE", headers: asBrand() })).status).toBe(204);
  });

  it("reads every card of a suspended brand as revoked (the kill switch), and active again once reinstated", async () => {
    const brand = await api.createBrand({ id: "switch", name: "Switch", category: "campus", apps: ["2021000000000001"], surfaces: ["dm"], invited: true });
    const { body: issued } = await postCard(server, brand.apiKey, cardInput());
    await api.updateBrand("switch", { status: "suspended" });
    expect(await (await server.fetch(`/v1/cards/status?ids=${issued.id}`)).json()).toEqual({ [issued.id]: "revoked" });
    expect((await server.fetch(`/c/${issued.id}`, { headers: { accept: "application/json" } })).status).toBe(410);
    await api.updateBrand("switch", { status: "active" });
    expect(await (await server.fetch(`/v1/cards/status?ids=${issued.id}`)).json()).toEqual({ [issued.id]: "active" });
  });

  it("serves an active share link as a page, and as { id, token, state } to the widget", async () => {
    const { body: issued } = await postCard(server, apiKey, cardInput());
    expect(issued.url).toBe(`${server.url}/c/${issued.id}`);
    const page = await server.fetch(`/c/${issued.id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("Tonight at 19:30");
    const json = await server.fetch(`/c/${issued.id}`, { headers: { accept: "application/json" } });
    expect(await json.json()).toEqual({ id: issued.id, token: issued.token, state: "active" });
    expect(json.headers.get("access-control-allow-origin")).toBe("*");
    expect((await server.fetch(`/c/01J0000000000000000000000Z`)).status).toBe(404);
  });
});

describe("the batch status endpoint", () => {
  it("answers { id: state } for known and unknown ids, cacheable for 60 s", async () => {
    const a = (await postCard(server, apiKey, cardInput())).body;
    const b = (await postCard(server, apiKey, cardInput())).body;
    await server.fetch(`/v1/cards/${b.id}`, { method: "DELETE", headers: asBrand() });
    const unknown = "01J0000000000000000000000Z";
    const response = await server.fetch(`/v1/cards/status?ids=${a.id},${b.id},${unknown},not-an-id`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=60");
    expect(await response.json()).toEqual({ [a.id]: "active", [b.id]: "revoked", [unknown]: "unknown", "not-an-id": "unknown" });
  });

  it("reads an expired card as expired", async () => {
    let clock = Date.now();
    const local = await injectServer({ now: () => clock });
    try {
      const { apiKey: key } = await seedWorld(local);
      const { body } = await postCard(local, key, cardInput({ ttlSeconds: 60 }));
      clock += 61_000;
      expect(await (await local.fetch(`/v1/cards/status?ids=${body.id}`)).json()).toEqual({ [body.id]: "expired" });
      expect((await local.fetch(`/c/${body.id}`)).status).toBe(410);
      expect((await (await local.fetch(`/v1/cards/${body.id}`, { headers: asBrand(key) })).json()).state).toBe("expired");
    } finally {
      await local.close();
    }
  });

  it("accepts 100 ids and refuses 101 with 400 too_many_ids; no ids is validation_failed", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `01J${String(i).padStart(23, "0")}`).join(",");
    expect((await server.fetch(`/v1/cards/status?ids=${ids(100)}`)).status).toBe(200);
    const tooMany = await server.fetch(`/v1/cards/status?ids=${ids(101)}`);
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).code).toBe("too_many_ids");
    const none = await server.fetch(`/v1/cards/status`);
    expect(none.status).toBe(400);
    expect((await none.json()).code).toBe("validation_failed");
  });
});

describe("keys and discovery", () => {
  it("publishes the current and the next key, cached 5 minutes and open to every origin", async () => {
    const response = await server.fetch(`/.well-known/jwks.json`, { headers: { origin: "https://anywhere.example" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const jwks = await response.json();
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kid: expect.any(String), alg: "ES256", kty: "EC", crv: "P-256", use: "sig" });
      expect(key).not.toHaveProperty("d");
    }
    const { body } = await postCard(server, apiKey, cardInput());
    const header = decodeProtectedHeader(body.token);
    expect(header).toMatchObject({ alg: "ES256", typ: "minicard+jwt" });
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(header.kid);
    await jwtVerify(body.token, createLocalJWKSet(jwks), { issuer: server.url, audience: "weibo" });
  });

  it("after a rotation, the former next key signs and the former current key is still published", async () => {
    const before = await (await server.fetch(`/.well-known/jwks.json`)).json();
    const { body: old } = await postCard(server, apiKey, cardInput());
    const oldKid = decodeProtectedHeader(old.token).kid;
    const { kid } = await api.rotateSigningKey();
    expect(before.keys.map((key: { kid: string }) => key.kid)).toContain(kid);
    const after = await (await server.fetch(`/.well-known/jwks.json`)).json();
    const kids = after.keys.map((key: { kid: string }) => key.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(kid);
    expect(kids.length).toBeGreaterThanOrEqual(3);
    const { body: fresh } = await postCard(server, apiKey, cardInput());
    expect(decodeProtectedHeader(fresh.token).kid).toBe(kid);
    await jwtVerify(old.token, createLocalJWKSet(after), { issuer: server.url });
  });

  it("serves the discovery document with the contract's members", async () => {
    const response = await server.fetch(`/.well-known/minicard-configuration`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toMatchObject({
      issuer: server.url,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      cards_endpoint: `${server.url}/v1/cards`,
      oembed_endpoint: `${server.url}/oembed`,
      events_endpoint: `${server.url}/v1/events`,
      algorithms: expect.arrayContaining(["ES256", "EdDSA"]),
    });
  });
});

describe("health", () => {
  it("answers /healthz and /readyz with 200 while the store answers", async () => {
    expect(await (await server.fetch(`/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await server.fetch(`/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { store: "ok", limits: "ok" } });
  });

  it("answers /readyz with 503 once the store is closed", async () => {
    const local = await injectServer();
    try {
      await local.server.context.store.close();
      const ready = await local.fetch(`/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks.store).toBe("unavailable");
    } finally {
      await local.server.app.close();
    }
  });

  it("answers an over-long id and a badly encoded URL with problem+json, not the router's own JSON", async () => {
    const long = await server.fetch(`/v1/cards/${"A".repeat(300)}`, { headers: asBrand() });
    expect(long.status).toBe(404);
    expect(long.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await long.json()).code).toBe("not_found");
    const share = await server.fetch(`/c/${"A".repeat(300)}`);
    expect((await share.json()).code).toBe("not_found");
    const bad = await server.fetch(`/c/%E0%A4%A`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await bad.json()).code).toBe("validation_failed");
  });

  it("answers an unknown route with a problem+json 404", async () => {
    const response = await server.fetch(`/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await response.json()).code).toBe("not_found");
  });
});

describe("the admin API", () => {
  it("refuses every route without the admin token, with a wrong one, or with a brand's API key", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Bearer ${apiKey}`]) {
      for (const [method, path] of [
        ["GET", "/partners"],
        ["POST", "/partners"],
        ["POST", "/brands"],
        ["PATCH", "/brands/cinema"],
        ["PUT", "/partners/weibo/sharers/eve"],
        ["PUT", "/rollout"],
        ["POST", "/signing-keys/rotate"],
      ]) {
        const response = await server.fetch(`/v1/admin${path}`, {
          method,
          headers: { ...(authorization ? { authorization } : {}), "content-type": "application/json" },
          ...(method === "GET" ? {} : { body: "{}" }),
        });
        expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 401`);
        expect((await response.json()).code).toBe("unauthorized");
      }
    }
    const sharers = await (await server.fetch(`/v1/admin/partners/weibo/sharers`, { headers: { authorization: "Bearer test-admin-token-0123456789" } })).json();
    expect(sharers.sharers.map((sharer: { sharer?: string } | string) => (typeof sharer === "string" ? sharer : sharer.sharer))).not.toContain("eve");
  });

  it("creates a brand and answers its API key once; a duplicate id is 409 conflict", async () => {
    const created = await api.call("POST", "/brands", { id: "noodles", name: "Noodles", category: "smart-retail", apps: ["2021000000000010"], surfaces: ["dm", "feed"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "noodles", apiKey: expect.stringMatching(/^mck_[\w-]{43}$/), status: "active", invited: false });
    const read = await api.call("GET", "/brands/noodles");
    expect(read.body).not.toHaveProperty("apiKey");
    expect(JSON.stringify(read.body)).not.toContain(created.body.apiKey);
    const again = await api.call("POST", "/brands", { id: "noodles", name: "Noodles", category: "smart-retail", apps: ["2021000000000010"], surfaces: ["dm"] });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("conflict");
  });

  it("validates admin bodies with validation_failed and field paths", async () => {
    const partner = await api.call("POST", "/partners", { id: "Bad Id", name: "", origins: ["not a url"], surfaces: ["story"] });
    expect(partner.status).toBe(400);
    expect(partner.body.code).toBe("validation_failed");
    expect(partner.body.errors.map((error: { path: string }) => error.path)).toEqual(expect.arrayContaining(["/id", "/name", "/origins/0", "/surfaces/0"]));
    const brand = await api.call("PATCH", "/brands/cinema", { status: "deleted" });
    expect(brand.status).toBe(400);
    expect((await api.call("PATCH", "/brands/nobody", { status: "active" })).status).toBe(404);
    const rollout = await api.call("PUT", "/rollout", { categories: { astrology: "2026-01-01" } });
    expect(rollout.status).toBe(400);
    const limits = await api.call("PATCH", "/partners/weibo", { limits: [{ scope: "planet", max: 0, windowSeconds: 1 }] });
    expect(limits.status).toBe(400);
    const privateJwk = await api.call("POST", "/brands/cinema/keys", { jwk: { kty: "EC", crv: "P-256", x: "a", y: "b", d: "secret" } });
    expect(privateJwk.status).toBe(400);
  });

  it("updates partners, brands, the sharer whitelist and the rollout, and issuance follows", async () => {
    await api.createPartner({ id: "circle", name: "Circle", origins: ["https://circle.example"], surfaces: ["dm"] });
    expect((await postCard(server, apiKey, cardInput({ partner: "circle", surface: "feed", sharer: "zoe" }))).body.code).toBe("surface_not_allowed");
    await api.updatePartner("circle", { surfaces: ["dm", "feed"] });
    expect((await postCard(server, apiKey, cardInput({ partner: "circle", surface: "feed", sharer: "zoe" }))).body.code).toBe("sharer_not_whitelisted");
    await api.putSharer("circle", "zoe");
    expect((await postCard(server, apiKey, cardInput({ partner: "circle", surface: "feed", sharer: "zoe" }))).status).toBe(201);
    expect((await api.call("DELETE", "/partners/circle/sharers/zoe")).status).toBe(204);
    expect((await api.call("DELETE", "/partners/circle/sharers/zoe")).status).toBe(404);
    expect((await postCard(server, apiKey, cardInput({ partner: "circle", surface: "profile", sharer: "zoe" }))).body.code).toBe("surface_not_allowed");

    await api.createBrand({ id: "civic", name: "Civic", category: "government-affairs", apps: ["2021000000000001"], surfaces: ["dm"] });
    const civic = (await api.call("POST", "/brands/civic/api-key")).body.apiKey as string;
    expect((await postCard(server, civic, cardInput())).body.code).toBe("category_not_open");
    const rollout = await api.call("PUT", "/rollout", { categories: { "government-affairs": "2026-01-01T00:00:00Z" } });
    expect(rollout.body.categories["government-affairs"]).toBeDefined();
    expect((await postCard(server, civic, cardInput())).status).toBe(201);
    await api.updateBrand("civic", { whitelisted: false });
    expect((await postCard(server, civic, cardInput())).body.code).toBe("brand_not_whitelisted");
  });

  it("rotating a brand's API key stops the old one at once", async () => {
    const brand = await api.createBrand({ id: "rotator", name: "Rotator", category: "campus", apps: ["2021000000000001"], surfaces: ["dm"], invited: true });
    const rotated = await api.call("POST", "/brands/rotator/api-key");
    expect(rotated.status).toBe(201);
    expect((await postCard(server, brand.apiKey, cardInput())).status).toBe(401);
    expect((await postCard(server, rotated.body.apiKey, cardInput())).status).toBe(201);
  });

  it("never sends CORS headers, even to a partner origin", async () => {
    for (const origin of [PARTNER_ORIGIN, "https://evil.example"]) {
      const get = await server.fetch(`/v1/admin/partners`, { headers: { origin, authorization: "Bearer test-admin-token-0123456789" } });
      expect(get.status).toBe(200);
      expect(get.headers.get("access-control-allow-origin")).toBeNull();
      const preflight = await server.fetch(`/v1/admin/brands`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
    }
  });
});

describe("CORS", () => {
  it("sends no CORS headers on brand routes: issuance is server-to-server", async () => {
    const response = await server.fetch(`/v1/cards`, {
      method: "POST",
      headers: { origin: PARTNER_ORIGIN, authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(cardInput()),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("opens the card status endpoint to every origin, without credentials: revocation reaches pages no partner registered", async () => {
    const id = (await postCard(server, apiKey, cardInput())).body.id;
    for (const origin of [PARTNER_ORIGIN, "https://unregistered.example"]) {
      const response = await server.fetch(`/v1/cards/status?ids=${id}`, { headers: { origin, cookie: "session=1" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.json()).toEqual({ [id]: "active" });
      const preflight = await server.fetch(`/v1/cards/status?ids=${id}`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET" } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
      expect(preflight.headers.get("access-control-allow-methods")).not.toMatch(/POST|DELETE|PATCH|PUT/);
    }
  });

  it("answers the events preflight for partner origins only, and refuses events from other origins with origin_not_allowed", async () => {
    const preflight = (origin: string) =>
      server.fetch(`/v1/events`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const allowed = await preflight(PARTNER_ORIGIN);
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(PARTNER_ORIGIN);
    expect(allowed.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();

    const { body: card } = await postCard(server, apiKey, cardInput());
    const events = { events: [{ type: "impression", card: card.id, visitor: "v1" }] };
    const send = (origin: string | undefined, type = "application/json") =>
      server.fetch(`/v1/events`, {
        method: "POST",
        headers: { "content-type": type, ...(origin ? { origin } : {}) },
        body: JSON.stringify(events),
      });
    const accepted = await send(PARTNER_ORIGIN);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ accepted: 1, rejected: 0 });
    // sendBeacon's text/plain is accepted on this route (and only here).
    expect((await send(PARTNER_ORIGIN, "text/plain;charset=UTF-8")).status).toBe(202);
    for (const origin of ["https://evil.example", undefined]) {
      const refused = await send(origin);
      expect(refused.status).toBe(403);
      expect((await refused.json()).code).toBe("origin_not_allowed");
      // The refused page may read why (the widget logs it), and is granted nothing else.
      expect(refused.headers.get("access-control-allow-origin")).toBe(origin ? "*" : null);
      expect(refused.headers.get("access-control-allow-credentials")).toBeNull();
      expect(refused.headers.get("access-control-allow-methods")).toBeNull();
    }
  });

  it("refuses a batch of more than 50 events with too_many_events", async () => {
    const events = Array.from({ length: 51 }, () => ({ type: "click", card: "01J0000000000000000000000Z", visitor: "v" }));
    const response = await server.fetch(`/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: PARTNER_ORIGIN },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe("too_many_events");
  });

  it("opens public documents to every origin", async () => {
    const { body: card } = await postCard(server, apiKey, cardInput());
    for (const path of ["/.well-known/jwks.json", "/.well-known/minicard-configuration", `/c/${card.id}`]) {
      const response = await server.fetch(`${path}`, { headers: { origin: "https://anywhere.example" } });
      expect(`${path} ${response.headers.get("access-control-allow-origin")}`).toBe(`${path} *`);
    }
  });
});
