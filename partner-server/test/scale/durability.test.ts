/**
 * Durability of the real CLI process on SQLite: cards, brands, signing keys, idempotent
 * answers and limit windows survive a SIGTERM restart; SIGTERM during issuance finishes what
 * it answers and exits 0; after `kill -9` during issuance every card answered 201 is in the
 * SQLite file and verifies.
 */

import { describe, expect, it } from "vitest";
import { createVerifier } from "@minicard/sdk";
import { cardIds } from "../support/db.js";
import { cardInput, postCard, seedWorld, spawnServer, tempDir } from "../support/server.js";

/** Verifies a card token with the SDK's verifier against the server's published keys (the issuer's host is not resolvable). */
async function verifyCard(url: string, token: string, issuer: string) {
  const verifier = createVerifier({ issuer, audience: "weibo", jwksUri: `${url}/.well-known/jwks.json` });
  return verifier.verify(token, { surface: "dm" });
}

describe("state survives a restart of the server process", { timeout: 120_000 }, () => {
  const issuer = "http://minicard.test";

  it("keeps cards, brands, signing keys and limit windows across a SIGTERM restart", async () => {
    const dir = tempDir();
    try {
      let server = await spawnServer({ dataDir: dir.path, env: { MINICARD_ISSUER: issuer } });
      const { apiKey } = await seedWorld(server.url, { limits: [{ scope: "sharer", surface: "dm", max: 1, windowSeconds: 3600 }] });
      const card = await postCard(server.url, apiKey, cardInput({ sharer: "alice" }), { "idempotency-key": "before-restart" });
      expect(card.status).toBe(201);
      const jwksBefore = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
      expect(await server.stop("SIGTERM")).toBe(0);

      server = await spawnServer({ dataDir: dir.path, env: { MINICARD_ISSUER: issuer } });
      try {
        const read = await fetch(`${server.url}/v1/cards/${card.body.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
        expect(read.status).toBe(200);
        expect((await read.json()).state).toBe("active");
        expect(await (await fetch(`${server.url}/.well-known/jwks.json`)).json()).toEqual(jwksBefore);
        const verified = await verifyCard(server.url, card.body.token, issuer);
        expect(verified).toMatchObject({ id: card.body.id, brandId: "cinema", partner: "weibo", surface: "dm" });
        // The stored response of an idempotency key is replayed after the restart.
        const replay = await postCard(server.url, apiKey, cardInput({ sharer: "alice" }), { "idempotency-key": "before-restart" });
        expect(replay.status).toBe(201);
        expect(replay.body).toEqual(card.body);
        // The window was rebuilt from the stored card.
        const again = await postCard(server.url, apiKey, cardInput({ sharer: "alice" }));
        expect(again.status).toBe(429);
        expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(3000);
        expect((await postCard(server.url, apiKey, cardInput({ sharer: "bob" }))).status).toBe(201);
      } finally {
        await server.stop();
      }
    } finally {
      dir.cleanup();
    }
  });

  it("on SIGTERM during issuance, finishes what it answers, exits 0, and every card answered 201 is stored", async () => {
    const dir = tempDir();
    try {
      const server = await spawnServer({ dataDir: dir.path, env: { MINICARD_ISSUER: issuer } });
      const { apiKey } = await seedWorld(server.url);
      const acknowledged: string[] = [];
      const statuses = new Set<number>();
      let stopping = false;
      const worker = async () => {
        for (let i = 0; !stopping || i % 5 !== 0; i++) {
          try {
            const response = await postCard(server.url, apiKey, cardInput({ title: `Card ${i}` }));
            statuses.add(response.status);
            if (response.status === 201) acknowledged.push(response.body.id);
          } catch {
            return; // the server closed the connection: it has stopped listening
          }
        }
      };
      const workers = Array.from({ length: 6 }, worker);
      while (acknowledged.length < 30) await new Promise((resolve) => setTimeout(resolve, 5));
      const exit = server.stop("SIGTERM");
      stopping = true;
      await Promise.all(workers);
      expect(await exit, server.output()).toBe(0);
      expect([...statuses].filter((status) => status !== 201 && status !== 503)).toEqual([]);
      const onDisk = cardIds(dir.path);
      expect(acknowledged.filter((id) => !onDisk.has(id))).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  it("after kill -9 during issuance, every card answered 201 is in the SQLite file and verifies", async () => {
    const dir = tempDir();
    try {
      let server = await spawnServer({ dataDir: dir.path, env: { MINICARD_ISSUER: issuer } });
      const { apiKey } = await seedWorld(server.url);
      const acknowledged: Array<{ id: string; token: string }> = [];
      let killed = false;
      const worker = async () => {
        for (let i = 0; !killed; i++) {
          try {
            const response = await postCard(server.url, apiKey, cardInput({ title: `Card ${i}` }));
            if (response.status === 201) acknowledged.push(response.body);
          } catch {
            return; // the connection died with the server
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      while (acknowledged.length < 50) await new Promise((resolve) => setTimeout(resolve, 5));
      server.process.kill("SIGKILL");
      killed = true;
      await Promise.all(workers);
      expect(await server.stop()).toBeNull();

      const onDisk = cardIds(dir.path);
      const missing = acknowledged.filter((card) => !onDisk.has(card.id));
      expect(missing).toEqual([]);

      server = await spawnServer({ dataDir: dir.path, env: { MINICARD_ISSUER: issuer } });
      try {
        for (const card of acknowledged) {
          expect((await verifyCard(server.url, card.token, issuer)).id).toBe(card.id);
        }
        const status = await fetch(`${server.url}/v1/cards/status?ids=${acknowledged.slice(0, 100).map((card) => card.id).join(",")}`);
        expect(Object.values(await status.json()).every((state) => state === "active")).toBe(true);
      } finally {
        await server.stop();
      }
    } finally {
      dir.cleanup();
    }
  });
});
