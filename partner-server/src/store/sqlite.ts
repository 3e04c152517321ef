/**
 * The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a card
 * acknowledged with 201 has been fsynced and survives `kill -9` and power loss. Group commit
 * (`batch.ts`) keeps that affordable: one fsync per batch of cards, not per card; and the
 * connection lives on its own thread (`sqlite-thread.ts`), so the fsync never stops the
 * event loop.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely } from "kysely";
import type { Database as Schema } from "./schema.js";
import { createSqlStore } from "./sql.js";
import { SqliteThreadDialect } from "./sqlite-thread.js";
import type { Store } from "./store.js";

/** Opens (creating if needed) the SQLite store at `file`; `:memory:` for a throwaway one. */
export function openSqliteStore(file: string): Store {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const dialect = new SqliteThreadDialect({
    file,
    pragmas: ["journal_mode = WAL", "synchronous = FULL", "busy_timeout = 5000", "foreign_keys = ON"],
  });
  const db = new Kysely<Schema>({ dialect });
  return createSqlStore({
    kind: "sqlite",
    db,
    transact: (queries) => dialect.transact(queries),
    transaction: (work) => dialect.transaction(work),
    isConflict: (error) => (error as { code?: string })?.code?.startsWith("SQLITE_CONSTRAINT") === true,
    isUnavailable: (error) => {
      const code = (error as { code?: string })?.code ?? "";
      return code === "SQLITE_BUSY" || code === "SQLITE_IOERR" || code === "SQLITE_FULL" || code === "SQLITE_CANTOPEN";
    },
  });
}
