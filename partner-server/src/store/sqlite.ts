/**
 * The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a card
 * acknowledged with 201 has been fsynced and survives `kill -9` and power loss. Group commit
 * (`batch.ts`) keeps that affordable: one fsync per batch of cards, not per card.
 */

import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import type { Database as Schema } from "./schema.js";
import { createSqlStore } from "./sql.js";
import type { Store } from "./store.js";

/** Opens (creating if needed) the SQLite store at `file`; `:memory:` for a throwaway one. */
export function openSqliteStore(file: string): Store {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  // Kysely prepares every query anew; SQLite statements are reusable, so keep the compiled
  // ones (the server runs a few dozen distinct queries). Calls are synchronous, so a cached
  // statement is never in use twice at once.
  const statements = new Map<string, Database.Statement>();
  const cached = {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size < 1000) statements.set(sql, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cached }) });
  return createSqlStore({
    kind: "sqlite",
    db,
    isConflict: (error) => (error as { code?: string })?.code?.startsWith("SQLITE_CONSTRAINT") === true,
    isUnavailable: (error) => {
      const code = (error as { code?: string })?.code ?? "";
      return code === "SQLITE_BUSY" || code === "SQLITE_IOERR" || code === "SQLITE_FULL" || code === "SQLITE_CANTOPEN";
    },
  });
}
