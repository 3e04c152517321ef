import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSqliteUnavailable, openSqliteStore } from "../../src/store/sqlite.js";
import { SqliteThreadError } from "../../src/store/sqlite-thread.js";
import { tempDir } from "../support/server.js";
import { storeContract } from "./store.contract.js";

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
