/**
 * What operators run the server with: `/metrics` (prom-client) behind its bearer token,
 * request ids in answers and logs, and logs that never hold a secret.
 *
 * The log test runs the built CLI at `debug` through a whole session of the product (admin
 * calls, an API key, a client assertion, viewer passes, failed logins with wrong secrets) and
 * then greps everything the process wrote for each secret it was handed.
 */

import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerPassKey, BROWSER_UA } from "./support/passes.js";
import { cardInput, postCard, seedWorld, spawnServer, startServer, type LocalServer, type SpawnedServer } from "./support/server.js";

const METRICS_TOKEN = "test-metrics-token-0123456789";
const ORIGIN = "http://127.0.0.1:5999";
const ISSUER = "https://cards.ops.example";

describe("/metrics", () => {
  let server: LocalServer;
  let apiKey: string;
  beforeAll(async () => {
    server = await startServer({ config: { metricsToken: METRICS_TOKEN } });
    ({ apiKey } = await seedWorld(server.url));
  });
  afterAll(() => server.close());

  const metrics = (headers: Record<string, string> = {}) => fetch(`${server.url}/metrics`, { headers });

  it("answers only with the bearer token, whatever the spelling of the path", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong-token-0123456789" }, { authorization: METRICS_TOKEN }, { authorization: `Basic ${METRICS_TOKEN}` }]) {
      const response = await metrics(headers);
      expect(response.status).toBe(401);
      expect((await response.json()).code).toBe("unauthorized");
    }
    for (const path of ["/metrics/", "/%6detrics", "/metrics?x=1"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(401);
    }
    const response = await metrics({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("keeps today's series and adds the process's and issuance latency by outcome", async () => {
    const issued = await postCard(server.url, apiKey, cardInput(), { "idempotency-key": "ops-1" });
    expect(issued.status).toBe(201);
    expect((await postCard(server.url, apiKey, cardInput(), { "idempotency-key": "ops-1" })).headers.get("idempotent-replayed")).toBe("true");
    expect((await postCard(server.url, apiKey, cardInput({ surface: "moon" }))).status).toBe(400);
    const text = await (await metrics({ authorization: `Bearer ${METRICS_TOKEN}` })).text();
    for (const series of [
      'minicard_http_requests_total{route="/v1/cards",method="POST",status="201"}',
      'minicard_cards_issued_total{surface="dm"} 1',
      'minicard_issuance_refused_total{code="validation_failed"} 1',
      'minicard_issuance_duration_seconds_count{outcome="issued"} 1',
      'minicard_issuance_duration_seconds_count{outcome="replayed"} 1',
      'minicard_issuance_duration_seconds_count{outcome="refused",code="validation_failed"} 1',
      // The signing thread (where the card above was signed, with more than one core) has not failed.
      "minicard_signing_thread_failures_total 0",
      "nodejs_eventloop_lag_seconds",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_active_handles_total",
      "nodejs_gc_duration_seconds",
    ]) {
      expect(text, series).toContain(series);
    }
  });

  it("is not served at all without MINICARD_METRICS_TOKEN", async () => {
    const bare = await startServer();
    try {
      const response = await fetch(`${bare.url}/metrics`, { headers: { authorization: "Bearer anything-at-all-0123" } });
      expect(response.status).toBe(404);
      expect((await response.json()).detail).toMatch(/MINICARD_METRICS_TOKEN/);
    } finally {
      await bare.close();
    }
  });
});

describe("request ids", () => {
  let server: LocalServer;
  let proxied: LocalServer;
  beforeAll(async () => {
    server = await startServer();
    proxied = await startServer({ config: { trustProxy: 1 } });
  });
  afterAll(async () => {
    await server.close();
    await proxied.close();
  });

  it("each answer names its request, and a problem names it in its body too", async () => {
    const first = await fetch(`${server.url}/v1/cards/NOPE`);
    const second = await fetch(`${server.url}/v1/cards/NOPE`);
    const [a, b] = [first.headers.get("x-request-id"), second.headers.get("x-request-id")];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
    expect((await first.json()).requestId).toBe(a);
    const unknown = await fetch(`${server.url}/no/such/route`);
    expect((await unknown.json()).requestId).toBe(unknown.headers.get("x-request-id"));
  });

  it("takes X-Request-Id from a trusted proxy only, and only when well formed", async () => {
    const given = { "x-request-id": "edge-42.abc:7" };
    expect((await fetch(`${proxied.url}/healthz`, { headers: given })).headers.get("x-request-id")).toBe("edge-42.abc:7");
    expect((await fetch(`${server.url}/healthz`, { headers: given })).headers.get("x-request-id")).not.toBe("edge-42.abc:7");
    for (const hostile of ["a b", "x".repeat(129), 'id"}{', "%C3%BC", "line\\nbreak"]) {
      const answered = (await fetch(`${proxied.url}/healthz`, { headers: { "x-request-id": hostile } })).headers.get("x-request-id");
      expect(answered, hostile).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe("logs never hold a secret", () => {
  let server: SpawnedServer;
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await spawnServer({ env: { MINICARD_LOG_LEVEL: "debug", MINICARD_METRICS_TOKEN: METRICS_TOKEN, MINICARD_EVENTS_PER_MINUTE: "1000", MINICARD_ISSUER: ISSUER } });
    secrets.push(server.adminToken, METRICS_TOKEN);
  }, 60_000);
  afterAll(() => server.stop());

  it("after a whole session with every kind of credential", async () => {
    const { api, apiKey, brandId, partner } = await seedWorld(server.url, { origins: [ORIGIN] });
    secrets.push(apiKey);

    // An API key: a card, a refused card, stats.
    const card = await postCard(server.url, apiKey, cardInput());
    expect(card.status).toBe(201);
    expect((await postCard(server.url, apiKey, cardInput({ title: "" }))).status).toBe(400);

    // A client assertion (private_key_jwt).
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    await api.addBrandKey(brandId, { ...(await exportJWK(publicKey)), kid: "ops-key", alg: "ES256" });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "ops-key" })
      .setIssuer(brandId)
      .setSubject(brandId)
      .setAudience(ISSUER)
      .setJti(`ops-${Date.now()}`)
      .setIssuedAt()
      .setExpirationTime("2m")
      .sign(privateKey);
    secrets.push(assertion);
    const byAssertion = await postCard(server.url, assertion, cardInput({ title: "By assertion" }));
    expect(byAssertion.status, JSON.stringify(byAssertion.body)).toBe(201);
    expect((await postCard(server.url, assertion, cardInput({ title: "Replayed" }))).status).toBe(401);

    // A viewer pass on beacons.
    const passes = await registerPassKey(server.url, partner, { issuer: ISSUER });
    const pass = await passes.mint("reader-1");
    secrets.push(pass);
    const beacons = await fetch(`${server.url}/v1/events`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "text/plain", "user-agent": BROWSER_UA },
      body: JSON.stringify({ viewer: pass, events: [{ type: "click", card: card.body.id, visitor: "v1" }] }),
    });
    expect(beacons.status).toBe(202);
    expect((await beacons.json()).credited).toBe(1);

    // The operator's tokens, right and wrong.
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    const wrong = ["mck_wrong-api-key-0123456789abcdef", "wrong-admin-token-0123456789"];
    secrets.push(...wrong);
    expect((await postCard(server.url, wrong[0]!, cardInput())).status).toBe(401);
    expect((await fetch(`${server.url}/v1/admin/partners`, { headers: { authorization: `Bearer ${wrong[1]}` } })).status).toBe(401);

    await server.stop();
    const output = server.output();
    // The logs are there (so the grep below could find something): requests, each with its id.
    const lines = output.split("\n").filter((line) => line.startsWith("{"));
    const entries = lines.map((line) => JSON.parse(line));
    const requestLines = entries.filter((entry) => entry.requestId !== undefined);
    expect(requestLines.length).toBeGreaterThan(10);
    for (const entry of requestLines) expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // One access record per request, written when it is answered (not Fastify's pair of records).
    const access = entries.filter((entry) => entry.statusCode !== undefined);
    expect(new Set(access.map((entry) => entry.requestId)).size).toBe(access.length);
    expect(entries.filter((entry) => entry.msg === "incoming request" || entry.msg === "request completed")).toEqual([]);
    const refused = access.find((entry) => entry.method === "POST" && entry.url === "/v1/cards" && entry.statusCode === 400);
    expect(refused).toMatchObject({ code: "validation_failed", ip: "127.0.0.1", msg: expect.stringMatching(/^POST \/v1\/cards 400 \d+ ms$/) });
    expect(access.filter((entry) => entry.url === "/v1/cards" && entry.statusCode === 201).length).toBe(2);
    for (const secret of secrets) {
      expect(output.includes(secret), `a secret (${secret.slice(0, 8)}…) is in the logs`).toBe(false);
      // Nor a recognisable piece of it (a JWT's signature part, a key's body).
      const tail = secret.slice(-24);
      expect(output.includes(tail), `the end of a secret (…${tail.slice(-6)}) is in the logs`).toBe(false);
    }
  }, 60_000);

  it("pino's redaction censors credentials a log call is handed", async () => {
    const { default: pino } = await import("pino");
    const { loggerOptions } = await import("../src/logging.js");
    const options = loggerOptions("info") as { redact: { paths: string[]; censor: string } };
    const chunks: string[] = [];
    const logger = pino({ level: "info", redact: options.redact }, { write: (chunk: string) => void chunks.push(chunk) });
    logger.info({ req: { headers: { authorization: "Bearer mck_leak", cookie: "s=leak" } }, body: { viewer: "pass-leak", apiKey: "mck_leak2" }, client_assertion: "jwt-leak" }, "x");
    const line = chunks.join("");
    expect(line).toContain("[redacted]");
    expect(line).not.toMatch(/leak/);
  });
});
