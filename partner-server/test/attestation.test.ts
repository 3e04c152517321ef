/**
 * Partners vouch for people with passes: the admin API for partner keys (and what it refuses),
 * and attested sharers at issuance. A partner that requires it makes every share name its
 * sharer with a pass it signed, so "one share per account per hour" counts real accounts and
 * a brand cannot invent DM sharers. Through `app.inject()`, SQLite in a temp folder.
 */

import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VIEWER_PASS_TYPE } from "@minicard/sdk";
import { registerPassKey, type PartnerPasses } from "./support/passes.js";
import { admin, cardInput, injectServer, postCard, seedWorld, type LocalServer } from "./support/server.js";

describe("partner pass keys (admin API)", () => {
  let server: LocalServer;
  let api: ReturnType<typeof admin>;
  beforeAll(async () => {
    server = await injectServer();
    await seedWorld(server);
    api = admin(server);
  });
  afterAll(() => server.close());

  it("registers a public ES256 or EdDSA key, lists it, removes it; 404 for unknown partners and keys", async () => {
    const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const added = await api.call("POST", "/partners/weibo/keys", { jwk: { ...(await exportJWK(publicKey)), kid: "ed-1" } });
    expect(added).toEqual({ status: 201, body: { kid: "ed-1" } });
    // Without a kid, the key is named by its RFC 7638 thumbprint.
    const { publicKey: ec } = await generateKeyPair("ES256", { extractable: true });
    const thumbprinted = await api.call("POST", "/partners/weibo/keys", { jwk: await exportJWK(ec) });
    expect(thumbprinted.status).toBe(201);
    expect(thumbprinted.body.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await api.call("GET", "/partners/weibo/keys");
    expect(listed.body.keys.map((key: { kid: string; alg: string }) => [key.kid, key.alg])).toEqual([
      ["ed-1", "EdDSA"],
      [thumbprinted.body.kid, "ES256"],
    ]);
    expect(await api.call("DELETE", "/partners/weibo/keys/ed-1")).toEqual({ status: 204, body: undefined });
    expect((await api.call("DELETE", "/partners/weibo/keys/ed-1")).status).toBe(404);
    expect((await api.call("POST", "/partners/nobody/keys", { jwk: await exportJWK(ec) })).status).toBe(404);
    expect((await api.call("GET", "/partners/nobody/keys")).status).toBe(404);
  });

  it("refuses private keys, other algorithms, junk and extra fields with validation_failed, storing nothing", async () => {
    const before = (await api.call("GET", "/partners/weibo/keys")).body.keys.length;
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const { publicKey: rsa } = await generateKeyPair("RS256", { extractable: true });
    const { publicKey: ec } = await generateKeyPair("ES256", { extractable: true });
    const bodies: unknown[] = [
      { jwk: await exportJWK(privateKey) },
      { jwk: await exportJWK(rsa) },
      { jwk: { kty: "oct", k: "c2VjcmV0" } },
      { jwk: { kty: "EC", crv: "P-256", x: "not-a-point", y: "nope" } },
      { jwk: "a string" },
      {},
      { jwk: await exportJWK(ec), admin: true },
    ];
    for (const body of bodies) {
      const answer = await api.call("POST", "/partners/weibo/keys", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe("validation_failed");
    }
    expect((await api.call("GET", "/partners/weibo/keys")).body.keys).toHaveLength(before);
  });

  it("needs the admin token: a brand key or no key is 401", async () => {
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    for (const authorization of [undefined, "Bearer mck_not-the-admin"]) {
      const response = await server.fetch(`/v1/admin/partners/weibo/keys`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ jwk: await exportJWK(publicKey) }),
      });
      expect(response.status).toBe(401);
    }
  });

  it("a removed key stops attesting: a fresh pass signed with it is refused", async () => {
    const passes = await registerPassKey(server, "weibo", { kid: "short-lived" });
    const pass = () => passes.mint("reader-9");
    const issued = await postCard(server, (await api.createBrand({ id: "kiosk", name: "Kiosk", category: "campus", apps: ["2021000000000009"], surfaces: ["dm"], invited: true })).apiKey, cardInput({ app: { id: "2021000000000009", page: "pages/index/index" }, sharerPass: await pass() }));
    expect(issued.status).toBe(201);
    await api.call("DELETE", "/partners/weibo/keys/short-lived");
    const kiosk = await api.call("POST", "/brands/kiosk/api-key");
    const refused = await postCard(server, kiosk.body.apiKey, cardInput({ app: { id: "2021000000000009", page: "pages/index/index" }, sharerPass: await pass() }));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "sharer_not_attested", detail: expect.stringContaining("unknown_key") });
  });
});

describe("attested sharers at issuance", () => {
  let server: LocalServer;
  let apiKey: string;
  let passes: PartnerPasses;
  let strangers: PartnerPasses;

  beforeAll(async () => {
    server = await injectServer();
    ({ apiKey } = await seedWorld(server));
    const api = admin(server);
    await api.updatePartner("weibo", { requireSharerPass: true });
    await api.createPartner({ id: "douyin", name: "Douyin", origins: ["https://douyin.example"], surfaces: ["dm", "feed"] });
    passes = await registerPassKey(server, "weibo");
    strangers = await registerPassKey(server, "douyin");
  });
  afterAll(() => server.close());

  const issue = (overrides: Record<string, unknown>) => postCard(server, apiKey, cardInput(overrides));
  const tokenClaims = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));

  it("refuses a share without a sharer pass, even a DM naming a sharer, with 403 sharer_not_attested", async () => {
    for (const overrides of [{}, { sharer: "alice" }, { surface: "feed", sharer: "alice" }]) {
      const refused = await issue(overrides);
      expect(refused.status, JSON.stringify(overrides)).toBe(403);
      expect(refused.body.code).toBe("sharer_not_attested");
    }
  });

  it("issues with a valid pass: the card's sharer is the pass's subject", async () => {
    const issued = await issue({ sharerPass: await passes.mint("dm-sharer-1") });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(tokenClaims(issued.body.token).card.sharer).toBe("dm-sharer-1");
    const stored = await server.server.context.store.cards.get(issued.body.id);
    expect(stored?.sharer).toBe("dm-sharer-1");
    // Naming the same sharer is fine; naming another is refused.
    expect((await issue({ sharer: "dm-sharer-1", sharerPass: await passes.mint("dm-sharer-1") })).status).toBe(201);
    const mismatch = await issue({ sharer: "someone-else", sharerPass: await passes.mint("dm-sharer-1") });
    expect(mismatch.status).toBe(403);
    expect(mismatch.body).toMatchObject({ code: "sharer_not_attested", detail: expect.stringContaining("attests dm-sharer-1") });
  });

  it("refuses passes that are not this partner's valid passes, storing nothing", async () => {
    const before = (await server.server.context.store.cards.listByBrand("cinema", { limit: 200 })).length;
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: stranger } = await generateKeyPair("ES256");
    const bad = [
      await strangers.mint("dm-sharer-1"), // another partner's pass
      await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: passes.kid, typ: VIEWER_PASS_TYPE }).setIssuer("weibo").setAudience(server.url).setSubject("x").setIssuedAt(now).setExpirationTime(now + 60).sign(stranger),
      await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: passes.kid, typ: VIEWER_PASS_TYPE }).setIssuer("weibo").setAudience(server.url).setSubject("x").setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(passes.privateKey),
      await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: passes.kid, typ: "JWT" }).setIssuer("weibo").setAudience(server.url).setSubject("x").setIssuedAt(now).setExpirationTime(now + 60).sign(passes.privateKey),
      // A valid pass whose subject cannot be a sharer id (starts with "_").
      await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: passes.kid, typ: VIEWER_PASS_TYPE }).setIssuer("weibo").setAudience(server.url).setSubject("_nobody").setIssuedAt(now).setExpirationTime(now + 60).sign(passes.privateKey),
    ];
    for (const sharerPass of bad) {
      const refused = await issue({ sharerPass });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("sharer_not_attested");
    }
    expect((await issue({ sharerPass: "not.a.jws!" })).body.code).toBe("validation_failed");
    expect((await server.server.context.store.cards.listByBrand("cinema", { limit: 200 })).length).toBe(before);
  });

  it("keeps the contract's order: brand_suspended before sharer_not_attested, the whitelist after it", async () => {
    // The feed needs a whitelisted sharer: an attested account that is not on the list is refused as such.
    const notListed = await issue({ surface: "feed", sharerPass: await passes.mint("carol") });
    expect(notListed.body.code).toBe("sharer_not_whitelisted");
    const listed = await issue({ surface: "feed", sharerPass: await passes.mint("alice") });
    expect(listed.status).toBe(201);
    // The feed limit counts the attested account: a second share within the hour is refused.
    const again = await issue({ surface: "feed", sharerPass: await passes.mint("alice") });
    expect(again.status).toBe(429);
    await admin(server).updateBrand("cinema", { status: "suspended" });
    try {
      expect((await issue({})).body.code).toBe("brand_suspended");
    } finally {
      await admin(server).updateBrand("cinema", { status: "active" });
    }
  });

  it("checks a pass a brand sends to a partner that does not require one", async () => {
    const issueDouyin = (overrides: Record<string, unknown>) => postCard(server, apiKey, cardInput({ partner: "douyin", ...overrides }));
    expect((await issueDouyin({})).status).toBe(201);
    expect((await issueDouyin({ sharerPass: await strangers.mint("d-1") })).status).toBe(201);
    expect((await issueDouyin({ sharerPass: await passes.mint("d-1") })).body.code).toBe("sharer_not_attested");
  });
});
