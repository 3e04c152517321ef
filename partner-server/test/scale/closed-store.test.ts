/**
 * A closed store answers 503 `store_unavailable`, not 500 (issue 14). The store of a running
 * server is closed under it, which is what a stopped SQLite thread or an ended PostgreSQL
 * pool look like to a request: every route that needs the store refuses with `Retry-After`,
 * and nothing is written after the close (the SQLite store is never reopened behind its
 * owner's back).
 */

import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres.js";
import { openSqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { cardIds } from "../support/db.js";
import { cardInput, postCard, seedWorld, startServer, tempDir } from "../support/server.js";
import { createTestDatabase } from "../support/services.js";

const ORIGIN = "http://127.0.0.1:5999"; // seedWorld's partner origin
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Opens a migrated store of `kind`; `dir` is the SQLite store's folder. */
async function openStore(kind: "sqlite" | "postgres"): Promise<{ store: Store; dir?: string }> {
  if (kind === "sqlite") {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const store = openSqliteStore(join(dir.path, "minicard.db"));
    await store.migrate();
    return { store, dir: dir.path };
  }
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const store = openPostgresStore(database.url);
  await store.migrate();
  return { store };
}

/** Asserts a well-formed 503 `store_unavailable` problem with a `Retry-After`. */
async function expectRefused(response: Response, what: string): Promise<void> {
  const body = await response.json();
  expect({ what, status: response.status, code: body.code }).toEqual({ what, status: 503, code: "store_unavailable" });
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("a closed store", () => {
  for (const kind of ["sqlite", "postgres"] as const) {
    it(`${kind}: cards, events, reads, admin writes and readiness answer 503 store_unavailable, and nothing is written`, async () => {
      const { store, dir } = await openStore(kind);
      const server = await startServer({ store });
      cleanups.push(() => server.close());
      const { apiKey } = await seedWorld(server.url);
      const issued = await postCard(server.url, apiKey, cardInput());
      expect(issued.status).toBe(201);
      const events = (visitor: string) =>
        fetch(`${server.url}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: ORIGIN },
          body: JSON.stringify({ events: [{ type: "impression", card: issued.body.id, visitor }] }),
        });
      expect((await events("before")).status).toBe(202);

      await store.close();

      // Partners, brands and rollout may still come from the read cache: the write is refused.
      for (let i = 0; i < 3; i++) {
        await expectRefused(
          await fetch(`${server.url}/v1/cards`, {
            method: "POST",
            headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
            body: JSON.stringify(cardInput({ title: `After close ${i}` })),
          }),
          "POST /v1/cards",
        );
      }
      await expectRefused(await events("after"), "POST /v1/events");
      await expectRefused(await fetch(`${server.url}/v1/cards/${issued.body.id}`, { headers: { authorization: `Bearer ${apiKey}` } }), "GET /v1/cards/:id");
      await expectRefused(
        await fetch(`${server.url}/v1/admin/rollout`, {
          method: "PUT",
          headers: { authorization: `Bearer ${server.config.adminToken}`, "content-type": "application/json" },
          body: JSON.stringify({ categories: { "government-affairs": "2030-01-01T00:00:00Z" } }),
        }),
        "PUT /v1/admin/rollout",
      );
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks.store).toBe("unavailable");

      // A second close (the server's own, on shutdown) is harmless.
      await server.close();
      cleanups.pop();
      if (dir) expect([...cardIds(dir)]).toEqual([issued.body.id]);
    });
  }
});
