/**
 * Scale-out under faults: Redis stopped, PostgreSQL cut off, an instance killed with -9, an
 * instance stopped with SIGTERM, all while three instances serve behind nginx. The shared
 * Redis and PostgreSQL are never touched: Redis is a private redis-server here, PostgreSQL is
 * reached through a TCP proxy the test cuts.
 */

import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createVerifier } from "@minicard/sdk";
import { cardInput, postCard, seedWorld } from "../support/server.js";
import { startRedisServer, startTcpProxy } from "../support/services.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!().catch(() => {});
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it answers true, for at most `ms`. */
async function eventually(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return true;
    await sleep(200);
  }
  return false;
}

/** What a request ended as: an HTTP status, or the network error's code. */
async function attempt(url: string, apiKey: string, body: unknown): Promise<{ status: number | string; body?: any }> {
  try {
    const response = await fetch(`${url}/v1/cards`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text }; // nginx's own error pages are HTML
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { status: cause?.code ?? String(error) };
  }
}

/** A card request on its own connection (`Connection: close`): a client that keeps none idle. */
function postOnce(url: string, apiKey: string, body: unknown): Promise<{ status: number | string; body?: any }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const request = httpRequest(`${url}/v1/cards`, {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "content-length": payload.length, connection: "close" },
    });
    request.once("error", (error: NodeJS.ErrnoException) => resolve({ status: error.code ?? String(error) }));
    request.once("response", (incoming) => {
      let text = "";
      incoming.on("data", (chunk: Buffer) => (text += chunk));
      incoming.once("end", () => {
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolve({ status: incoming.statusCode ?? 0, body: parsed });
      });
    });
    request.end(payload);
  });
}

/** Sends `total` card requests to `url`, `concurrency` at a time; `onProgress` sees each result count. */
async function load(
  url: string,
  apiKey: string,
  total: number,
  concurrency: number,
  onProgress?: (done: number) => void,
  send: typeof attempt = attempt,
) {
  const results: { status: number | string; body?: any }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await send(url, apiKey, cardInput({ title: `Load ${i}` }));
        onProgress?.(results.filter(Boolean).length);
      }
    }),
  );
  return results;
}

/** A POST whose body is sent in two halves: `started` once the first half is out, `finish()` sends the rest. */
function slowPost(url: string, apiKey: string, body: unknown) {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const request = httpRequest(`${url}/v1/cards`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "content-length": payload.length },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.once("error", reject);
    request.once("response", (incoming) => {
      let text = "";
      incoming.on("data", (chunk: Buffer) => (text += chunk));
      incoming.once("end", () => resolve({ status: incoming.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
  });
  response.catch(() => {});
  request.flushHeaders();
  const started = new Promise<void>((resolve) => request.write(payload.subarray(0, half), () => setTimeout(resolve, 200)));
  return { started, finish: () => request.end(payload.subarray(half)), response };
}

async function cardCount(cluster: Cluster): Promise<number> {
  return Number((await cluster.query("select count(*) as n from cards"))[0].n);
}

describe("scale-out under faults", { timeout: 120_000 }, () => {
  it("Redis stopped: issuance fails closed (503 limits_unavailable, zero cards), reads keep working, recovery after restart", async () => {
    const redis = await startRedisServer();
    stops.push(redis.stop);
    const cluster = await startCluster({ redisUrl: redis.url });
    stops.push(cluster.stop);
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const before = await postCard(cluster.url, apiKey, cardInput());
    expect(before.status).toBe(201);

    await redis.stop();
    const countBefore = await cardCount(cluster);
    const urls = [cluster.url, ...cluster.instances.map((instance) => instance.url)];
    const during = await Promise.all(Array.from({ length: 40 }, (_, i) => postCard(urls[i % urls.length]!, apiKey, cardInput())));
    for (const result of during) {
      expect(result.status).toBe(503);
      expect(result.body.code).toBe("limits_unavailable");
      expect(Number(result.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(await cardCount(cluster)).toBe(countBefore);
    // Reads, the JWKS, landing pages and readiness do not need Redis.
    for (const instance of cluster.instances) {
      expect((await fetch(`${instance.url}/.well-known/jwks.json`)).status).toBe(200);
      expect((await fetch(`${instance.url}/c/${before.body.id}`)).status).toBe(200);
      const card = await fetch(`${instance.url}/v1/cards/${before.body.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(card.status).toBe(200);
      const ready = await fetch(`${instance.url}/readyz`);
      expect(ready.status).toBe(200);
      expect((await ready.json()).checks).toEqual({ store: "ok", limits: "unavailable" });
    }

    await redis.start();
    for (const instance of cluster.instances) {
      const recovered = await eventually(async () => (await postCard(instance.url, apiKey, cardInput())).status === 201, 15_000);
      expect(recovered).toBe(true);
    }
  });

  it("PostgreSQL cut off: /readyz 503 and writes 503 store_unavailable, then recovery by itself", async () => {
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    stops.push(proxy.close);
    const cluster = await startCluster({
      databaseUrl: (url) => {
        const proxied = new URL(url);
        proxied.port = String(proxy.port);
        return proxied.toString();
      },
    });
    stops.push(cluster.stop);
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    expect((await postCard(cluster.url, apiKey, cardInput())).status).toBe(201);

    await proxy.cut();
    for (const instance of cluster.instances) {
      const ready = await fetch(`${instance.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks.store).toBe("unavailable");
      const write = await postCard(instance.url, apiKey, cardInput());
      expect(write.status).toBe(503);
      expect(write.body.code).toBe("store_unavailable");
      expect(Number(write.headers.get("retry-after"))).toBeGreaterThan(0);
      // The JWKS is served from memory.
      expect((await fetch(`${instance.url}/.well-known/jwks.json`)).status).toBe(200);
    }

    await proxy.restore();
    for (const instance of cluster.instances) {
      expect(await eventually(async () => (await fetch(`${instance.url}/readyz`)).status === 200, 15_000)).toBe(true);
      expect(await eventually(async () => (await postCard(instance.url, apiKey, cardInput())).status === 201, 15_000)).toBe(true);
    }
  });

  it("kill -9 of one instance under load: every 201 card is in PostgreSQL and verifies; the others serve on", async () => {
    const cluster = await startCluster();
    stops.push(cluster.stop);
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const victim = cluster.instances[0]!;
    let killed = false;
    const results = await load(cluster.url, apiKey, 240, 12, (done) => {
      if (!killed && done >= 60) {
        killed = true;
        victim.process.kill("SIGKILL");
      }
    });
    expect(killed).toBe(true);
    const created = results.filter((result) => result.status === 201);
    const outcomes: Record<string, number> = {};
    for (const result of results) outcomes[result.status] = (outcomes[result.status] ?? 0) + 1;
    const storedCount = await cardCount(cluster);
    console.log(`kill -9 under load: ${JSON.stringify(outcomes)} (status → requests, through nginx); ${storedCount} cards stored`);
    // A few requests in flight on the killed instance may fail (nginx never resends a POST); the rest are served.
    expect(created.length).toBeGreaterThan(200);
    expect(results.slice(-40).every((result) => result.status === 201)).toBe(true);
    const stored = new Map((await cluster.query("select id, token from cards")).map((row) => [row.id, row.token]));
    const verifier = createVerifier({ issuer: cluster.url, audience: "weibo" });
    for (const result of created) {
      expect(stored.get(result.body.id)).toBe(result.body.token);
      await expect(verifier.verify(result.body.token, { surface: "dm" })).resolves.toMatchObject({ id: result.body.id });
    }
    for (const instance of cluster.instances.slice(1)) expect((await postCard(instance.url, apiKey, cardInput())).status).toBe(201);
  });

  it("SIGTERM under load: drained from nginx, the instance finishes in-flight requests, nothing is reset, exit 0", async () => {
    const cluster = await startCluster();
    stops.push(cluster.stop);
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const [victim, ...others] = cluster.instances;
    let stopping: Promise<{ exit: number | null; inFlight: { status: number; body: any }[] }> | undefined;
    // Clients of the balancer here keep no idle connections: reloading nginx closes idle
    // keep-alive connections, which is the client's race to handle, not the server's.
    const results = await load(
      cluster.url,
      apiKey,
      240,
      12,
      (done) => {
        if (stopping === undefined && done >= 60) stopping = stopUnderLoad();
      },
      postOnce,
    );
    // The documented way: take the instance out of the balancer, then SIGTERM it. Requests
    // it is in the middle of (here: bodies still arriving when the signal lands) complete.
    async function stopUnderLoad() {
      const inFlight = [0, 1, 2].map(() => slowPost(victim!.url, apiKey, cardInput({ title: "In flight" })));
      await Promise.all(inFlight.map((request) => request.started));
      await cluster.balance(others);
      const exit = victim!.stop("SIGTERM");
      await sleep(300);
      for (const request of inFlight) request.finish();
      return { exit: await exit, inFlight: await Promise.all(inFlight.map((request) => request.response)) };
    }
    expect(stopping).toBeDefined();
    const { exit, inFlight } = await stopping!;
    expect(exit).toBe(0);
    for (const response of inFlight) expect(response.status).toBe(201);
    expect(results.map((result) => result.status).filter((status) => status !== 201)).toEqual([]);
    expect(victim!.output()).not.toMatch(/shutdown failed/);
    const ids = [...results.map((result) => result.body.id), ...inFlight.map((response) => response.body.id)];
    expect(Number((await cluster.query("select count(*) as n from cards where id = any($1)", [ids]))[0].n)).toBe(ids.length);
  });
});
