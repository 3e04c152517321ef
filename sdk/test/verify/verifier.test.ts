import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSPKI, SignJWT } from "jose";
import { createIssuerKeys, createVerifier, hosts, MAX_TOKEN_LENGTH, MinicardError, type Verifier } from "../../src/index.js";
import {
  AUDIENCE,
  APP_ID,
  BRAND_ID,
  b64url,
  baseCard,
  cardClaims,
  closedPort,
  expectCode,
  fromB64url,
  makeKey,
  mintCard,
  parts,
  signRaw,
  sleep,
  startJwksServer,
  startServer,
  ulid,
  type JwksServer,
  type TestKey,
} from "../helpers.js";

let es: TestKey;
let ed: TestKey;
let jwks: JwksServer;
let issuer: string;

beforeAll(async () => {
  es = await makeKey("ES256", "es-1");
  ed = await makeKey("EdDSA", "ed-1");
  jwks = await startJwksServer([es, ed]);
  issuer = jwks.issuer;
});

afterAll(async () => {
  await jwks.close();
});

function verifier(options: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier {
  return createVerifier({ issuer, audience: AUDIENCE, ...options });
}

describe("verifier: valid cards", () => {
  it("accepts an ES256 card and returns its verified fields", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintCard(es, { issuer, now, ttl: 3600 });
    const { payload } = parts(token);

    const verified = await verifier().verify(token, { surface: "feed" });

    expect(verified).toEqual({
      id: payload.jti,
      brandId: BRAND_ID,
      partner: AUDIENCE,
      surface: "feed",
      issuedAt: new Date(now * 1000),
      expiresAt: new Date((now + 3600) * 1000),
      kid: "es-1",
      alg: "ES256",
      card: baseCard(),
    });
    expect(verified.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("accepts an EdDSA card", async () => {
    const token = await mintCard(ed, { issuer, card: { surface: "dm", title: "影院今晚" } });

    const verified = await verifier().verify(token, { surface: "dm" });

    expect(verified.alg).toBe("EdDSA");
    expect(verified.kid).toBe("ed-1");
    expect(verified.surface).toBe("dm");
    expect(verified.card.title).toBe("影院今晚");
    expect(verified.card.app).toEqual({ id: APP_ID, page: "pages/index/index" });
  });

  it("accepts an issuer configured with a trailing slash", async () => {
    const token = await mintCard(es, { issuer });
    const verified = await createVerifier({ issuer: `${issuer}/`, audience: AUDIENCE }).verify(token, { surface: "feed" });
    expect(verified.brandId).toBe(BRAND_ID);
  });

  it("accepts product and membership cards with their extra fields", async () => {
    const product = await mintCard(es, { issuer, card: { kind: "product", price: { amount: "29.90", currency: "CNY" } } });
    const membership = await mintCard(es, {
      issuer,
      card: { kind: "membership", membership: { benefit: "Free popcorn", trialDays: 30 } },
    });
    const v = verifier();
    expect((await v.verify(product, { surface: "feed" })).card.price).toEqual({ amount: "29.90", currency: "CNY" });
    expect((await v.verify(membership, { surface: "feed" })).card.membership?.trialDays).toBe(30);
  });
});

describe("verifier: signatures", () => {
  it("rejects a tampered payload (invalid_signature)", async () => {
    const token = await mintCard(es, { issuer });
    const { payload, segments } = parts(token);
    const forged = { ...payload, card: { ...(payload.card as object), title: "Free money" } };
    const tampered = `${segments[0]}.${b64url(JSON.stringify(forged))}.${segments[2]}`;

    await expectCode(verifier().verify(tampered, { surface: "feed" }), "invalid_signature");
  });

  it("rejects a tampered ES256 signature (invalid_signature)", async () => {
    const token = await mintCard(es, { issuer });
    const { segments } = parts(token);
    const signature = fromB64url(segments[2]);
    signature[10] = signature[10]! ^ 0x01;
    const tampered = `${segments[0]}.${segments[1]}.${b64url(signature)}`;

    await expectCode(verifier().verify(tampered, { surface: "feed" }), "invalid_signature");
  });

  it("rejects a tampered EdDSA signature (invalid_signature)", async () => {
    const token = await mintCard(ed, { issuer });
    const { segments } = parts(token);
    const signature = fromB64url(segments[2]);
    signature[40] = signature[40]! ^ 0x80;

    await expectCode(verifier().verify(`${segments[0]}.${segments[1]}.${b64url(signature)}`, { surface: "feed" }), "invalid_signature");
  });

  it("rejects a card re-signed by another key pair under the same kid (invalid_signature)", async () => {
    const impostor = await makeKey("ES256", "es-1");
    const token = await mintCard(impostor, { issuer });

    await expectCode(verifier().verify(token, { surface: "feed" }), "invalid_signature");
  });

  it("rejects an EdDSA card re-signed by another Ed25519 key under the same kid (invalid_signature)", async () => {
    const impostor = await makeKey("EdDSA", "ed-1");
    await expectCode(verifier().verify(await mintCard(impostor, { issuer }), { surface: "feed" }), "invalid_signature");
  });

  it("rejects a token with an empty signature segment (invalid_signature)", async () => {
    const { segments } = parts(await mintCard(es, { issuer }));
    await expectCode(verifier().verify(`${segments[0]}.${segments[1]}.`, { surface: "feed" }), "invalid_signature");
  });
});

describe("verifier: algorithms", () => {
  it("rejects an unsigned alg: none token (unsupported_algorithm)", async () => {
    const header = { alg: "none", kid: "es-1", typ: "minicard+jwt" };
    const token = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(cardClaims({ issuer })))}.`;

    await expectCode(verifier().verify(token, { surface: "feed" }), "unsupported_algorithm");
  });

  it("rejects alg: none even with a signature segment attached (unsupported_algorithm)", async () => {
    const header = { alg: "none", kid: "es-1", typ: "minicard+jwt" };
    const token = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(cardClaims({ issuer })))}.AAAA`;

    await expectCode(verifier().verify(token, { surface: "feed" }), "unsupported_algorithm");
  });

  it("rejects HS256 signed with the public JWK's JSON as the HMAC secret (unsupported_algorithm)", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(es.publicJwk));
    const token = await new SignJWT(cardClaims({ issuer }))
      .setProtectedHeader({ alg: "HS256", kid: es.kid, typ: "minicard+jwt" })
      .sign(secret);
    const before = jwks.requests;

    await expectCode(verifier().verify(token, { surface: "feed" }), "unsupported_algorithm");
    expect(jwks.requests, "refused before any key lookup").toBe(before);
  });

  it("rejects HS256 signed with the public key's SPKI bytes as the HMAC secret (unsupported_algorithm)", async () => {
    const secret = new TextEncoder().encode(await exportSPKI(es.publicKey));
    const token = await new SignJWT(cardClaims({ issuer }))
      .setProtectedHeader({ alg: "HS256", kid: es.kid, typ: "minicard+jwt" })
      .sign(secret);

    await expectCode(verifier().verify(token, { surface: "feed" }), "unsupported_algorithm");
  });

  it("rejects an algorithm the verifier was configured without (unsupported_algorithm)", async () => {
    const token = await mintCard(ed, { issuer });
    await expectCode(verifier({ algorithms: ["ES256"] }).verify(token, { surface: "feed" }), "unsupported_algorithm");
  });

  it("refuses to be configured with an algorithm outside the allowlist", () => {
    expect(() => createVerifier({ issuer, audience: AUDIENCE, algorithms: ["HS256" as "ES256"] })).toThrow(TypeError);
  });
});

describe("verifier: keys", () => {
  it("rejects an unknown kid (unknown_key)", async () => {
    const stranger = await makeKey("ES256", "nobody-knows-me");
    await expectCode(verifier().verify(await mintCard(stranger, { issuer }), { surface: "feed" }), "unknown_key");
  });

  it("rejects a token without a kid (unknown_key)", async () => {
    const token = await signRaw(es, { alg: "ES256", typ: "minicard+jwt" }, JSON.stringify(cardClaims({ issuer })));
    await expectCode(verifier().verify(token, { surface: "feed" }), "unknown_key");
  });

  it("reports a JWKS endpoint that is down as issuer_unreachable", async () => {
    const port = await closedPort();
    const token = await mintCard(es, { issuer });
    const v = verifier({ jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json` });

    await expectCode(v.verify(token, { surface: "feed" }), "issuer_unreachable");
  });

  it("reports a JWKS endpoint answering 500 as issuer_unreachable", async () => {
    let hits = 0;
    const broken = await startServer((_req, res) => {
      hits += 1;
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("boom");
    });
    try {
      const token = await mintCard(es, { issuer: broken.url });
      await expectCode(createVerifier({ issuer: broken.url, audience: AUDIENCE }).verify(token, { surface: "feed" }), "issuer_unreachable");
      expect(hits).toBe(1);
    } finally {
      await broken.close();
    }
  });

  it("reports a JWKS endpoint answering non-JSON as issuer_unreachable", async () => {
    const broken = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<html>not json</html>");
    });
    try {
      const token = await mintCard(es, { issuer: broken.url });
      await expectCode(createVerifier({ issuer: broken.url, audience: AUDIENCE }).verify(token, { surface: "feed" }), "issuer_unreachable");
    } finally {
      await broken.close();
    }
  });

  it("refuses a JWKS endpoint that redirects, even to the genuine keys (issuer_unreachable, redirect not followed)", async () => {
    const keysHost = await startJwksServer([es]);
    const redirecting = await startServer((_req, res) => {
      res.writeHead(302, { location: `${keysHost.url}/.well-known/jwks.json` });
      res.end();
    });
    try {
      const token = await mintCard(es, { issuer: redirecting.url });
      await expectCode(createVerifier({ issuer: redirecting.url, audience: AUDIENCE }).verify(token, { surface: "feed" }), "issuer_unreachable");
      expect(keysHost.requests).toBe(0);
    } finally {
      await redirecting.close();
      await keysHost.close();
    }
  });

  it("shares one key set between verifiers (one JWKS fetch)", async () => {
    const own = await startJwksServer([es]);
    try {
      const keys = createIssuerKeys(own.issuer);
      const a = createVerifier({ issuer: own.issuer, audience: AUDIENCE, keys });
      const b = createVerifier({ issuer: own.issuer, audience: "other-partner", keys });
      await a.verify(await mintCard(es, { issuer: own.issuer }), { surface: "feed" });
      await b.verify(await mintCard(es, { issuer: own.issuer, audience: "other-partner" }), { surface: "feed" });
      expect(own.requests).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe("verifier: unknown kid refetch and cooldown", () => {
  let own: JwksServer;
  let next: TestKey;

  beforeAll(async () => {
    own = await startJwksServer([es]);
    next = await makeKey("ES256", "es-2");
  });
  afterAll(async () => {
    await own.close();
  });

  it("refetches once on an unknown kid, then waits out the cooldown, then picks up a newly published key", async () => {
    const cooldownMs = 1000;
    const v = createVerifier({ issuer: own.issuer, audience: AUDIENCE, cooldownMs });

    await v.verify(await mintCard(es, { issuer: own.issuer }), { surface: "feed" });
    expect(own.requests).toBe(1);

    // Cooled down: a flood of unknown-kid tokens triggers exactly one refetch.
    await sleep(cooldownMs + 100);
    const unknown = await mintCard(next, { issuer: own.issuer });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => v.verify(unknown, { surface: "feed" })));
    for (const result of results) {
      expect(result.status).toBe("rejected");
      expect(((result as PromiseRejectedResult).reason as MinicardError).code).toBe("unknown_key");
    }
    expect(own.requests).toBe(2);

    // Within the cooldown: no more fetches, however many unknown kids arrive.
    for (let i = 0; i < 5; i += 1) await expectCode(v.verify(unknown, { surface: "feed" }), "unknown_key");
    expect(own.requests).toBe(2);

    // The issuer publishes the next key; after the cooldown it is picked up with one fetch.
    own.keys.push(next.publicJwk);
    await expectCode(v.verify(unknown, { surface: "feed" }), "unknown_key");
    expect(own.requests).toBe(2);
    await sleep(cooldownMs + 100);
    const verified = await v.verify(unknown, { surface: "feed" });
    expect(verified.kid).toBe("es-2");
    expect(own.requests).toBe(3);

    // Now cached: known kids do not fetch.
    await v.verify(await mintCard(next, { issuer: own.issuer }), { surface: "feed" });
    await v.verify(await mintCard(es, { issuer: own.issuer }), { surface: "feed" });
    expect(own.requests).toBe(3);
  });
});

describe("verifier: claims", () => {
  it("rejects a wrong issuer (wrong_issuer)", async () => {
    const token = await mintCard(es, { issuer: "https://evil.example" });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_issuer");
  });

  it("rejects a wrong audience (wrong_audience)", async () => {
    const token = await mintCard(es, { issuer, audience: "twitter" });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_audience");
  });

  it("rejects an audience array even when it contains the right audience (wrong_audience)", async () => {
    const token = await mintCard(es, { issuer, audience: [AUDIENCE, "twitter"] });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_audience");
  });

  it("rejects a one-element audience array (wrong_audience)", async () => {
    const token = await mintCard(es, { issuer, audience: [AUDIENCE] });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_audience");
  });

  it('rejects typ "JWT" (wrong_type)', async () => {
    const token = await mintCard(es, { issuer, header: { typ: "JWT" } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_type");
  });

  it("rejects a token without typ (wrong_type)", async () => {
    const token = await mintCard(es, { issuer, header: { typ: undefined } });
    expect(parts(token).header).not.toHaveProperty("typ");
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_type");
  });

  it("rejects a card shown on another surface (wrong_surface)", async () => {
    const token = await mintCard(es, { issuer, card: { surface: "dm" } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "wrong_surface");
    await expect(verifier().verify(token, { surface: "dm" })).resolves.toMatchObject({ surface: "dm" });
  });

  it("rejects nbf in the future beyond the clock tolerance (not_yet_valid)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintCard(es, { issuer, claims: { nbf: now + 120 } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "not_yet_valid");
  });

  it("rejects an expired card (expired)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintCard(es, { issuer, now: now - 8 * 24 * 3600 });
    await expectCode(verifier().verify(token, { surface: "feed" }), "expired");
  });

  it("rejects a card id (jti) that is not a ULID (malformed)", async () => {
    const token = await mintCard(es, { issuer, claims: { jti: "not-a-ulid" } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it.each(["sub", "jti", "iat"])("rejects a token missing %s (malformed)", async (claim) => {
    const token = await mintCard(es, { issuer, claims: { [claim]: undefined } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a token missing exp as malformed, not as expired", async () => {
    const token = await mintCard(es, { issuer, claims: { exp: undefined } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a non-numeric nbf as malformed, not as not_yet_valid", async () => {
    const token = await mintCard(es, { issuer, claims: { nbf: "soon" } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });
});

describe("verifier: clock tolerance", () => {
  const t0 = Math.floor(Date.UTC(2025, 0, 1) / 1000);

  it("accepts a card that expired 10 s ago with the default 30 s tolerance (real clock)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintCard(es, { issuer, claims: { iat: now - 3600, nbf: now - 3600, exp: now - 10 } });
    await expect(verifier().verify(token, { surface: "feed" })).resolves.toMatchObject({ brandId: BRAND_ID });
  });

  it("rejects a card that expired 60 s ago (real clock)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintCard(es, { issuer, claims: { iat: now - 3600, nbf: now - 3600, exp: now - 60 } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "expired");
  });

  it("checks exp against the `now` option: 10 s late passes, 60 s late fails", async () => {
    const token = await mintCard(es, { issuer, now: t0, ttl: 3600 });
    const exp = new Date((t0 + 3600) * 1000);
    const v = verifier();

    await expect(v.verify(token, { surface: "feed", now: new Date(exp.getTime() + 10_000) })).resolves.toMatchObject({ expiresAt: exp });
    await expectCode(v.verify(token, { surface: "feed", now: new Date(exp.getTime() + 60_000) }), "expired");
  });

  it("checks nbf against the `now` option: 10 s early passes, 60 s early fails", async () => {
    const token = await mintCard(es, { issuer, now: t0, ttl: 3600 });
    const v = verifier();

    await expect(v.verify(token, { surface: "feed", now: new Date((t0 - 10) * 1000) })).resolves.toBeDefined();
    await expectCode(v.verify(token, { surface: "feed", now: new Date((t0 - 60) * 1000) }), "not_yet_valid");
  });

  it("honours a configured clockToleranceSeconds of 0", async () => {
    const token = await mintCard(es, { issuer, now: t0, ttl: 3600 });
    const v = verifier({ clockToleranceSeconds: 0 });
    await expectCode(v.verify(token, { surface: "feed", now: new Date((t0 + 3600 + 1) * 1000) }), "expired");
  });
});

describe("verifier: malformed tokens", () => {
  it(`rejects a token longer than ${MAX_TOKEN_LENGTH} characters, before fetching keys (malformed)`, async () => {
    const token = await mintCard(es, { issuer, claims: { pad: "x".repeat(MAX_TOKEN_LENGTH) } });
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    const own = await startJwksServer([es]);
    try {
      const v = createVerifier({ issuer: own.issuer, audience: AUDIENCE });
      await expectCode(v.verify(token, { surface: "feed" }), "malformed");
      expect(own.requests).toBe(0);
    } finally {
      await own.close();
    }
  });

  it("accepts a padded token just under the size limit", async () => {
    const base = await mintCard(es, { issuer, claims: { pad: "" } });
    // Each 3 bytes of payload add 4 characters; stay safely below the limit.
    const pad = "x".repeat(Math.floor(((MAX_TOKEN_LENGTH - base.length - 8) * 3) / 4));
    const token = await mintCard(es, { issuer, claims: { pad } });
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    await expect(verifier().verify(token, { surface: "feed" })).resolves.toBeDefined();
  });

  it("rejects a signed non-JSON payload (malformed)", async () => {
    const token = await signRaw(es, { alg: "ES256", kid: es.kid, typ: "minicard+jwt" }, "this is not json");
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a signed JSON array payload (malformed)", async () => {
    const token = await signRaw(es, { alg: "ES256", kid: es.kid, typ: "minicard+jwt" }, "[1,2,3]");
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it.each([
    ["empty string", ""],
    ["two segments", "abc.def"],
    ["four segments", "a.b.c.d"],
    ["non-base64url characters", "a+b.c/d.e=f"],
    ["header not JSON", `${b64url("not json")}.${b64url("{}")}.AAAA`],
  ])("rejects %s (malformed)", async (_name, token) => {
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a card whose image is a javascript: URL (malformed)", async () => {
    const token = await mintCard(es, { issuer, card: { image: "javascript:alert(1)" } });
    const error = await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
    expect(error.message).toContain("/image");
  });

  it("rejects a card whose title carries a control character (malformed)", async () => {
    const token = await mintCard(es, { issuer, card: { title: "Tonight\u0007" } });
    const error = await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
    expect(error.message).toContain("/title");
  });

  it("rejects a card with an unknown field (malformed)", async () => {
    const token = await mintCard(es, { issuer, card: { url: "https://evil.example" } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a token without a card claim (malformed)", async () => {
    const token = await mintCard(es, { issuer, claims: { card: undefined } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("rejects a card whose appId does not fit the Alipay host pattern (malformed)", async () => {
    const token = await mintCard(es, { issuer, card: { app: { id: "wx1234567890abcdef", page: "pages/index/index" } } });
    const error = await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
    expect(error.message).toMatch(/appId/);
  });

  it("accepts a WeChat card: the appId is checked against the host the card names", async () => {
    const app = { id: "wx1234567890abcdef", page: "pages/index/index", query: "id=42", host: "wechat" };
    const token = await mintCard(es, { issuer, card: { app } });
    await expect(verifier().verify(token, { surface: "feed" })).resolves.toMatchObject({ card: { app } });
  });

  it.each([
    ["an Alipay appId named as WeChat's", { id: "2021000000000001", page: "pages/index/index", host: "wechat" }],
    ["a host outside the allowlist", { id: "wx1234567890abcdef", page: "pages/index/index", host: "line" }],
    ["a WeChat page carrying a ?query", { id: "wx1234567890abcdef", page: "pages/index/index?id=1", host: "wechat" }],
  ])("rejects %s (malformed)", async (_name, app) => {
    const token = await mintCard(es, { issuer, card: { app } });
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("a verifier of one host (the host option) refuses the other host's cards, and accepts its own", async () => {
    const wechat = await mintCard(es, { issuer, card: { app: { id: "wx1234567890abcdef", page: "pages/index/index", host: "wechat" } } });
    const alipay = await mintCard(es, { issuer });
    const error = await expectCode(verifier({ host: hosts.alipay }).verify(wechat, { surface: "feed" }), "malformed");
    expect(error.message).toMatch(/another host than Alipay/);
    await expectCode(verifier({ host: hosts.wechat }).verify(alipay, { surface: "feed" }), "malformed");
    await expect(verifier({ host: hosts.wechat }).verify(wechat, { surface: "feed" })).resolves.toMatchObject({ card: { app: { host: "wechat" } } });
    await expect(verifier({ host: hosts.alipay }).verify(alipay, { surface: "feed" })).resolves.toMatchObject({ card: { title: expect.any(String) } });
  });

  it.each([
    ["jku", { jku: "https://evil.example/jwks.json" }],
    ["jwk", { jwk: { kty: "EC", crv: "P-256", x: "AAAA", y: "AAAA" } }],
    ["x5u", { x5u: "https://evil.example/cert.pem" }],
    ["x5c", { x5c: ["MIIB"] }],
    ["crit", { crit: ["exp"] }],
  ])("rejects a %s header (malformed)", async (_name, extra) => {
    const token = await signRaw(es, { alg: "ES256", kid: es.kid, typ: "minicard+jwt", ...extra }, JSON.stringify(cardClaims({ issuer })));
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });

  it("a jwk header carrying the attacker's own key is refused, not trusted", async () => {
    const attacker = await makeKey("ES256", "es-1");
    const token = await signRaw(
      attacker,
      { alg: "ES256", kid: "es-1", typ: "minicard+jwt", jwk: attacker.publicJwk },
      JSON.stringify(cardClaims({ issuer })),
    );
    await expectCode(verifier().verify(token, { surface: "feed" }), "malformed");
  });
});

describe("verifier: construction", () => {
  it("needs an issuer and an audience", () => {
    expect(() => createVerifier({ issuer, audience: undefined as unknown as string })).toThrow(TypeError);
    expect(() => createVerifier(undefined as unknown as Parameters<typeof createVerifier>[0])).toThrow(TypeError);
  });

  it("a verified card's fields come from the token, not the verifier", async () => {
    const jti = ulid();
    const token = await mintCard(es, { issuer, claims: { jti, sub: "fast-food-co" } });
    const verified = await verifier().verify(token, { surface: "feed" });
    expect(verified.id).toBe(jti);
    expect(verified.brandId).toBe("fast-food-co");
  });
});
