import { generateKeyPairSync, verify } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SignerKey } from "../../src/keys/signer.js";
import { isSqliteUnavailable, openSqliteStore } from "../../src/store/sqlite.js";
import { SqliteThreadError } from "../../src/store/sqlite-thread.js";
import { ConflictError } from "../../src/store/store.js";
import { tempDir } from "../support/server.js";
import { brand, card, partner, storeContract, T } from "./store.contract.js";

storeContract("SQLite file", async () => {
  const dir = tempDir();
  const store = openSqliteStore(join(dir.path, "minicard.db"));
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      dir.cleanup();
    },
  };
});

describe("a store whose thread cannot open its database", () => {
  it("fails its queries as unavailable, and still closes", async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir.path); // a folder: the thread cannot open it as a database, and stops
    try {
      await expect(store.ping()).rejects.toThrow();
      await store.close(); // resolves, though its thread ended long before
    } finally {
      dir.cleanup();
    }
  });
});

describe("isSqliteUnavailable", () => {
  it("answers 503 for busy, I/O errors (extended codes included), a full disk and a connection that is gone; not for mistakes", () => {
    const error = (code: string) => new SqliteThreadError("x", code);
    for (const code of ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_FULL", "SQLITE_CANTOPEN"]) {
      expect(isSqliteUnavailable(error(code)), code).toBe(true);
    }
    for (const code of ["SQLITE_ERROR", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_MISMATCH", "SQLITE_FULLNESS"]) {
      expect(isSqliteUnavailable(error(code)), code).toBe(false);
    }
    expect(isSqliteUnavailable(new Error("driver has already been destroyed"))).toBe(true);
    expect(isSqliteUnavailable(new TypeError("The database connection is not open"))).toBe(true);
    expect(isSqliteUnavailable(new Error("no such table: cards"))).toBe(false);
    expect(isSqliteUnavailable(undefined)).toBe(false);
  });
});

describe("signed writes: the SQLite thread signs cards and writes them in one message", () => {
  const HALF_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;
  const keyOf = (alg: "ES256" | "EdDSA", id: string) => {
    const { privateKey, publicKey } = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
    return { key: { id, alg, privateKey } satisfies SignerKey, publicKey };
  };
  const unsigned = (id: string) => {
    const { token: _token, ...rest } = card(id);
    return rest;
  };

  async function withStore(run: (store: ReturnType<typeof openSqliteStore>) => Promise<void>): Promise<void> {
    const dir = tempDir();
    const store = openSqliteStore(join(dir.path, "minicard.db"));
    try {
      await store.migrate();
      await store.partners.create(partner("weibo"));
      await store.brands.create(brand("cinema"), "hash-cinema");
      await run(store);
    } finally {
      await store.close();
      dir.cleanup();
    }
  }

  it("answers each card's token once committed: its own input, signed by its own key (ES256 low-S), stored with the card and in its idempotency response", async () => {
    await withStore(async (store) => {
      const keys = [keyOf("ES256", "es"), keyOf("EdDSA", "ed")];
      const lease = 60_000;
      expect(await store.idempotency.begin("cinema", "k1", "fp", T, lease)).toEqual({ state: "new" });
      const response = { status: 201, headers: { location: "/v1/cards/s0" }, body: { id: "s0", token: "" } };
      const count = 60;
      const inputs = Array.from({ length: count }, (_, i) => `${Buffer.from(`header-${i % 2}`).toString("base64url")}.${Buffer.from(`card ${i}`).toString("base64url")}`);
      // One turn of the event loop: one group commit, signed in the thread.
      const tokens = await Promise.all(
        inputs.map((input, i) =>
          store.cards.insertSigned!(unsigned(`s${i}`), { key: keys[i % 2]!.key, input }, i === 0 ? { brandId: "cinema", key: "k1", response } : undefined),
        ),
      );
      for (const [i, token] of tokens.entries()) {
        const { key, publicKey } = keys[i % 2]!;
        const input = inputs[i]!;
        expect(token.startsWith(`${input}.`), `token ${i} carries its own input`).toBe(true);
        const signature = Buffer.from(token.slice(input.length + 1), "base64url");
        expect(signature.length).toBe(64);
        const valid =
          key.alg === "ES256"
            ? verify("sha256", Buffer.from(input), { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)
            : verify(null, Buffer.from(input), publicKey, signature);
        expect(valid, `token ${i} verifies under its key`).toBe(true);
        // About half of ES256 signatures come out of node:crypto high-S: 30 all low by chance is 2^-30.
        if (key.alg === "ES256") expect(BigInt(`0x${signature.toString("hex", 32)}`) <= HALF_ORDER, `token ${i} is low-S`).toBe(true);
        expect((await store.cards.get(`s${i}`))?.token).toBe(token);
      }
      expect(new Set(tokens).size).toBe(count);
      expect(await store.idempotency.begin("cinema", "k1", "fp", T + 1, lease)).toEqual({
        state: "done",
        response: { ...response, body: { id: "s0", token: tokens[0] } },
      });
    });
  });

  it("a card that conflicts fails alone: the others of its group commit are signed and stored", async () => {
    await withStore(async (store) => {
      const { key } = keyOf("ES256", "es");
      await store.cards.insert(card("taken"));
      const outcomes = await Promise.allSettled(["a", "taken", "b"].map((id) => store.cards.insertSigned!(unsigned(id), { key, input: `h.${id}` })));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      expect((await store.cards.get("a"))?.token).toBe((outcomes[0] as PromiseFulfilledResult<string>).value);
      expect((await store.cards.get("b"))?.token).toMatch(/^h\.b\.[\w-]{86}$/);
      expect((await store.cards.get("taken"))?.token).toBe("token-taken");
    });
  });
});
