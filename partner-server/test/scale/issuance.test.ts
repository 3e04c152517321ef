/**
 * Scale-out: three server processes on PostgreSQL and Redis behind nginx. Limits, idempotency
 * and replay protection hold across instances.
 */

import { afterEach, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { createVerifier } from "@minicard/sdk";
import { admin, cardInput, postCard, seedWorld } from "../support/server.js";
import { ADMIN_TOKEN, startCluster, type Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Fires `count` requests, spread round-robin over the instances, all at once. */
async function burst(urls: string[], count: number, send: (url: string, i: number) => Promise<{ status: number; body: any }>) {
  return Promise.all(Array.from({ length: count }, (_, i) => send(urls[i % urls.length]!, i)));
}

describe("scale-out: issuance across three instances", { timeout: 120_000 }, () => {
  it("300 concurrent feed shares for one sharer → exactly 1 card (1 per hour)", async () => {
    cluster = await startCluster();
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const urls = cluster.instances.map((instance) => instance.url);
    const results = await burst(urls, 300, (url) => postCard(url, apiKey, cardInput({ surface: "feed", sharer: "alice" })));
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(299);
    const refused = results.find((result) => result.status === 429)!;
    expect(refused.body.code).toBe("rate_limited");
    const rows = await cluster.query("select id from cards");
    expect(rows).toHaveLength(1);
  });

  it("a brand limit of 25 → exactly 25 cards out of 300", async () => {
    cluster = await startCluster();
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN, limits: [{ scope: "brand", max: 25, windowSeconds: 3600 }] });
    const urls = [...cluster.instances.map((instance) => instance.url), cluster.url];
    const results = await burst(urls, 300, (url) => postCard(url, apiKey, cardInput({ surface: "dm", sharer: "alice" })));
    const created = results.filter((result) => result.status === 201);
    expect(created).toHaveLength(25);
    expect(results.filter((result) => result.status === 429)).toHaveLength(275);
    expect(await cluster.query("select id from cards")).toHaveLength(25);
    // Every card verifies with the SDK against the balancer's JWKS.
    const verifier = createVerifier({ issuer: cluster.url, audience: "weibo" });
    for (const result of created) await expect(verifier.verify(result.body.token, { surface: "dm" })).resolves.toMatchObject({ id: result.body.id });
  });

  it("the same Idempotency-Key sent to two instances at once → one card, replayed", async () => {
    cluster = await startCluster();
    const { apiKey } = await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const [a, b] = cluster.instances;
    for (let round = 0; round < 5; round++) {
      const key = `key-${round}`;
      const body = cardInput({ title: `Round ${round}` });
      const results = await Promise.all([a!, b!, a!, b!].map((instance) => postCard(instance.url, apiKey, body, { "idempotency-key": key })));
      const ok = results.filter((result) => result.status === 201);
      for (const result of results) expect([201, 409]).toContain(result.status);
      expect(new Set(ok.map((result) => result.body.id)).size).toBe(1);
      // Once finished, every instance replays the same card.
      const replay = await postCard(b!.url, apiKey, body, { "idempotency-key": key });
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.id).toBe(ok[0]!.body.id);
    }
    expect(await cluster.query("select id from cards")).toHaveLength(5);
  });

  it("a private_key_jwt assertion replayed to a second instance is refused", async () => {
    cluster = await startCluster();
    await seedWorld(cluster.url, { token: ADMIN_TOKEN });
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    await admin(cluster.url, ADMIN_TOKEN).addBrandKey("cinema", { ...(await exportJWK(publicKey)), kid: "brand-key-1", alg: "ES256" });
    const [a, b, c] = cluster.instances;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "brand-key-1" })
      .setIssuer("cinema")
      .setSubject("cinema")
      .setAudience(cluster.url)
      .setJti(`jti-${Date.now()}`)
      .setIssuedAt()
      .setExpirationTime("2m")
      .sign(privateKey);
    const first = await postCard(a!.url, assertion, cardInput());
    expect(first.status).toBe(201);
    for (const instance of [b!, c!, a!]) {
      const replay = await postCard(instance.url, assertion, cardInput());
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe("unauthorized");
      expect(replay.body.detail).toMatch(/already used/);
    }
    // Racing copies of a fresh assertion on all instances: exactly one gets in.
    const racing = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "brand-key-1" })
      .setIssuer("cinema")
      .setSubject("cinema")
      .setAudience(cluster.url)
      .setJti(`jti-race-${Date.now()}`)
      .setIssuedAt()
      .setExpirationTime("2m")
      .sign(privateKey);
    const raced = await Promise.all(cluster.instances.flatMap((instance) => [instance, instance]).map((instance) => postCard(instance.url, racing, cardInput())));
    expect(raced.filter((result) => result.status === 201)).toHaveLength(1);
    expect(raced.filter((result) => result.status === 401)).toHaveLength(5);
  });
});
