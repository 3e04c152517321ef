import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload } from "jose";
import { createBrandClient, MinicardError, type CardInput } from "../../src/index.js";
import { closedPort, expectCode, sendJson, startServer, type TestServer } from "../helpers.js";

/** The issuer the discovery document names: deliberately not the server's own URL. */
const DISCOVERED_ISSUER = "https://cards.example.test";
const API_KEY = "mck_test_0123456789abcdef";
const BRAND_ID = "cinema-one";

const input: CardInput = {
  partner: "weibo",
  surface: "dm",
  kind: "app",
  app: { id: "2021000000000001", page: "pages/index/index" },
  title: "Tonight's films",
};

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified client assertion, in private_key_jwt mode. */
  assertion?: JWTPayload;
  assertionHeader?: Record<string, unknown>;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: TestServer;
let brandPublicKey: CryptoKey;
let brandPrivateKey: CryptoKey;
let requests: Recorded[] = [];
let discoveryRequests = 0;
/** What POST /v1/cards answers; tests replace it. */
let onCreate: Route;

function problem(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/problem+json", ...headers });
  res.end(JSON.stringify({ type: `https://minicard.dev/problems/${String(body.code)}`, status, ...body }));
}

const created: Route = (_req, res) =>
  sendJson(res, 201, {
    id: "01JD0000000000000000000001",
    token: "eyJ.eyJ.sig",
    url: `${server.url}/c/01JD0000000000000000000001`,
    expiresAt: "2026-12-01T00:00:00.000Z",
  });

beforeAll(async () => {
  ({ publicKey: brandPublicKey, privateKey: brandPrivateKey } = await generateKeyPair("ES256", { extractable: true }));

  server = await startServer(async (req, res, body) => {
    if (req.method === "GET" && req.url === "/.well-known/minicard-configuration") {
      discoveryRequests += 1;
      sendJson(res, 200, { issuer: DISCOVERED_ISSUER, jwks_uri: `${DISCOVERED_ISSUER}/.well-known/jwks.json` });
      return;
    }

    const record: Recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
    requests.push(record);

    // Authenticate as the partner server would: an API key, or a private_key_jwt assertion.
    const authorization = req.headers.authorization ?? "";
    const credential = authorization.replace(/^Bearer /, "");
    if (!credential.startsWith("mck_")) {
      try {
        const { payload, protectedHeader } = await jwtVerify(credential, brandPublicKey, {
          issuer: BRAND_ID,
          subject: BRAND_ID,
          audience: DISCOVERED_ISSUER,
          algorithms: ["ES256"],
          requiredClaims: ["jti", "iat", "exp"],
        });
        record.assertion = payload;
        record.assertionHeader = protectedHeader as Record<string, unknown>;
      } catch (error) {
        problem(res, 401, { title: "Unauthorized", detail: String(error), code: "unauthorized" });
        return;
      }
    }

    if (req.method === "POST" && req.url === "/v1/cards") return onCreate(req, res, body);
    if (req.method === "GET" && req.url?.startsWith("/v1/cards/")) {
      sendJson(res, 200, { id: decodeURIComponent(req.url.slice("/v1/cards/".length)), state: "active" });
      return;
    }
    if (req.method === "DELETE" && req.url?.startsWith("/v1/cards/")) {
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && req.url?.startsWith("/v1/brands/me/stats")) {
      sendJson(res, 200, { impressions: 10, clicks: 2, uv: 1, pvGranted: 3000, pvDelivered: 0, pvBalance: 3000 });
      return;
    }
    problem(res, 404, { title: "Not found", code: "not_found" });
  });
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  requests = [];
  discoveryRequests = 0;
  onCreate = created;
});
onCreate = created;

describe("brand client: API key", () => {
  it("createCard sends the API key, JSON and the Idempotency-Key, and returns the issued card", async () => {
    const brand = createBrandClient({ server: server.url, apiKey: API_KEY });

    const issued = await brand.createCard(input, { idempotencyKey: "idem-123" });

    expect(issued).toMatchObject({ id: "01JD0000000000000000000001", token: "eyJ.eyJ.sig" });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/v1/cards");
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["idempotency-key"]).toBe("idem-123");
    expect(JSON.parse(request!.body)).toEqual(input);
    expect(discoveryRequests, "API-key mode needs no discovery").toBe(0);
  });

  it("sends no Idempotency-Key when none is given", async () => {
    await createBrandClient({ server: server.url, apiKey: API_KEY }).createCard(input);
    expect(requests[0]!.headers).not.toHaveProperty("idempotency-key");
  });

  it("accepts a server URL with a trailing slash", async () => {
    await createBrandClient({ server: `${server.url}/`, apiKey: API_KEY }).createCard(input);
    expect(requests[0]!.url).toBe("/v1/cards");
  });

  it("turns a 429 problem into rate_limited with retryAfter 12 and status 429", async () => {
    onCreate = (_req, res) =>
      problem(
        res,
        429,
        { title: "Too many requests", detail: "one feed share per sharer per hour", code: "rate_limited" },
        { "retry-after": "12", ratelimit: '"feed-sharer";r=0;t=12' },
      );
    const brand = createBrandClient({ server: server.url, apiKey: API_KEY });

    const error = await expectCode(brand.createCard(input), "rate_limited");

    expect(error.retryAfter).toBe(12);
    expect(error.status).toBe(429);
    expect(error.message).toBe("one feed share per sharer per hour");
  });

  it("keeps the field errors of a 400 validation_failed", async () => {
    const errors = [
      { path: "/title", message: "must not be empty" },
      { path: "/app/page", message: "must be a relative page path" },
    ];
    onCreate = (_req, res) => problem(res, 400, { title: "Invalid card", detail: "2 fields", code: "validation_failed", errors });

    const error = await expectCode(createBrandClient({ server: server.url, apiKey: API_KEY }).createCard(input), "validation_failed");

    expect(error.status).toBe(400);
    expect(error.errors).toEqual(errors);
    expect(error.retryAfter).toBeUndefined();
  });

  it("carries a 403 code through unchanged", async () => {
    onCreate = (_req, res) => problem(res, 403, { title: "Forbidden", code: "app_not_owned" });
    const error = await expectCode(createBrandClient({ server: server.url, apiKey: API_KEY }).createCard(input), "app_not_owned");
    expect(error.status).toBe(403);
  });

  it("turns a non-problem error answer into unexpected_response with its status", async () => {
    onCreate = (_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<h1>Bad gateway</h1>");
    };
    const error = await expectCode(createBrandClient({ server: server.url, apiKey: API_KEY }).createCard(input), "unexpected_response");
    expect(error.status).toBe(502);
  });

  it("turns a refused connection into network_error", async () => {
    const port = await closedPort();
    const brand = createBrandClient({ server: `http://127.0.0.1:${port}`, apiKey: API_KEY });

    const error = await expectCode(brand.createCard(input), "network_error");
    expect(error.cause).toBeDefined();
    expect(error.status).toBeUndefined();
  });

  it("getCard, revokeCard and stats call their endpoints", async () => {
    const brand = createBrandClient({ server: server.url, apiKey: API_KEY });

    expect(await brand.getCard("01JD0000000000000000000001")).toMatchObject({ state: "active" });
    await expect(brand.revokeCard("01JD0000000000000000000001")).resolves.toBeUndefined();
    expect(await brand.stats({ from: "2026-11-01", to: "2026-11-24" })).toMatchObject({ pvGranted: 3000 });

    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /v1/cards/01JD0000000000000000000001",
      "DELETE /v1/cards/01JD0000000000000000000001",
      "GET /v1/brands/me/stats?from=2026-11-01&to=2026-11-24",
    ]);
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.headers).not.toHaveProperty("content-type");
    }
  });

  it("encodes a card id as one path segment", async () => {
    await createBrandClient({ server: server.url, apiKey: API_KEY }).getCard("../admin?x=1");
    expect(requests[0]!.url).toBe("/v1/cards/..%2Fadmin%3Fx%3D1");
  });
});

describe("brand client: private_key_jwt", () => {
  it("sends a client assertion with iss = sub = brandId, aud = the discovered issuer, exp - iat <= 300, verifiable with the brand's public key", async () => {
    const brand = createBrandClient({ server: server.url, brandId: BRAND_ID, privateKey: brandPrivateKey, kid: "brand-key-1" });

    await brand.createCard(input, { idempotencyKey: "k1" });

    const [request] = requests;
    expect(request!.assertion, "the server verified the assertion").toBeDefined();
    const claims = request!.assertion!;
    expect(claims.iss).toBe(BRAND_ID);
    expect(claims.sub).toBe(BRAND_ID);
    expect(claims.aud).toBe(DISCOVERED_ISSUER);
    expect(claims.exp! - claims.iat!).toBeGreaterThan(0);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    expect(typeof claims.jti).toBe("string");
    expect(request!.assertionHeader).toMatchObject({ alg: "ES256", kid: "brand-key-1" });
    expect(request!.headers["idempotency-key"]).toBe("k1");
  });

  it("uses a fresh jti for every request and discovers the issuer once", async () => {
    const brand = createBrandClient({ server: server.url, brandId: BRAND_ID, privateKey: brandPrivateKey });

    await brand.createCard(input);
    await brand.createCard(input);
    await brand.getCard("01JD0000000000000000000001");
    await brand.stats();

    const jtis = requests.map((r) => r.assertion?.jti);
    expect(jtis).toHaveLength(4);
    expect(jtis.every((jti) => typeof jti === "string" && jti.length >= 16)).toBe(true);
    expect(new Set(jtis).size).toBe(4);
    expect(discoveryRequests).toBe(1);
  });

  it("accepts the private key as a JWK", async () => {
    const jwk = { ...(await exportJWK(brandPrivateKey)), alg: "ES256" };
    const brand = createBrandClient({ server: server.url, brandId: BRAND_ID, privateKey: jwk });

    await brand.createCard(input);

    expect(requests[0]!.assertion?.sub).toBe(BRAND_ID);
  });

  it("an assertion signed with a key the server does not know is refused (unauthorized)", async () => {
    const { privateKey: stranger } = await generateKeyPair("ES256");
    const brand = createBrandClient({ server: server.url, brandId: BRAND_ID, privateKey: stranger });

    const error = await expectCode(brand.createCard(input), "unauthorized");
    expect(error.status).toBe(401);
  });

  it("a refused connection during discovery is network_error", async () => {
    const port = await closedPort();
    const brand = createBrandClient({ server: `http://127.0.0.1:${port}`, brandId: BRAND_ID, privateKey: brandPrivateKey });

    await expectCode(brand.createCard(input), "network_error");
  });

  it("retries discovery after a failure instead of caching it", async () => {
    let fail = true;
    let configHits = 0;
    const flaky = await startServer(async (req, res) => {
      if (req.url === "/.well-known/minicard-configuration") {
        configHits += 1;
        if (fail) return problem(res, 503, { title: "Unavailable", code: "store_unavailable" });
        return sendJson(res, 200, { issuer: DISCOVERED_ISSUER });
      }
      const credential = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const { payload } = await jwtVerify(credential, brandPublicKey, { audience: DISCOVERED_ISSUER });
      sendJson(res, 201, { id: "x", token: "t", url: "u", expiresAt: "e", sub: payload.sub });
    });
    try {
      const brand = createBrandClient({ server: flaky.url, brandId: BRAND_ID, privateKey: brandPrivateKey });
      const error = await expectCode(brand.createCard(input), "store_unavailable");
      expect(error.status).toBe(503);

      fail = false;
      await expect(brand.createCard(input)).resolves.toMatchObject({ sub: BRAND_ID });
      expect(configHits).toBe(2);
    } finally {
      await flaky.close();
    }
  });

  it("reports a discovery document without issuer as unexpected_response", async () => {
    const odd = await startServer((_req, res) => sendJson(res, 200, { jwks_uri: "https://x/jwks" }));
    try {
      const brand = createBrandClient({ server: odd.url, brandId: BRAND_ID, privateKey: brandPrivateKey });
      await expectCode(brand.createCard(input), "unexpected_response");
    } finally {
      await odd.close();
    }
  });
});

describe("brand client: construction", () => {
  it("needs a server", () => {
    expect(() => createBrandClient({ apiKey: API_KEY } as unknown as Parameters<typeof createBrandClient>[0])).toThrow(TypeError);
  });

  type Options = Parameters<typeof createBrandClient>[0];
  it.each([
    ["an undefined API key (an unset environment variable)", { apiKey: undefined }, "the API key is missing (undefined)"],
    ["an empty API key", { apiKey: "" }, "the API key is empty"],
    ["a non-string API key", { apiKey: 42 }, "the API key is not a string (number)"],
    ["no credentials at all", {}, "the API key is missing (undefined)"],
    ["a brandId without privateKey", { brandId: BRAND_ID }, "needs both { brandId }"],
  ])("refuses %s at construction with invalid_argument and a message saying what to pass", (_name, credentials, message) => {
    let error: unknown;
    try {
      createBrandClient({ server: "http://127.0.0.1:1", ...credentials } as unknown as Options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MinicardError);
    expect((error as MinicardError).code).toBe("invalid_argument");
    expect((error as MinicardError).message).toContain(message);
    if (message.startsWith("the API key")) expect((error as MinicardError).message).toContain('{ apiKey: "mck_…" }');
  });

  it("errors are MinicardError instances", async () => {
    const port = await closedPort();
    await expect(createBrandClient({ server: `http://127.0.0.1:${port}`, apiKey: API_KEY }).stats()).rejects.toBeInstanceOf(MinicardError);
  });
});
