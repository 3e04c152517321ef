/**
 * The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a card
 * acknowledged with 201 has been fsynced and survives `kill -9` and power loss. Group commit
 * (`batch.ts`) keeps that affordable: one fsync per batch of cards, not per card; and the
 * connection lives on its own thread (`sqlite-thread.ts`), so the fsync never stops the
 * event loop. That thread signs cards too (`signingPort`, the signer's `SIGNING_SERVICE`), so
 * issuing a card keeps one helper thread busy, not two.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely } from "kysely";
import { SIGNING_SERVICE } from "../keys/signer.js";
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
    services: { signing: SIGNING_SERVICE },
  });
  const db = new Kysely<Schema>({ dialect });
  const store = createSqlStore({
    kind: "sqlite",
    db,
    transact: (queries) => dialect.transact(queries),
    transaction: (work) => dialect.transaction(work),
    isConflict: (error) => (error as { code?: string })?.code?.startsWith("SQLITE_CONSTRAINT") === true,
    isUnavailable: isSqliteUnavailable,
  });
  // The repositories never sign: the port is the SQLite store's own addition, not SQL context.
  return { ...store, signingPort: () => dialect.openPort("signing") };
}

/** SQLite's result codes that mean "not now" rather than "wrong": extended codes included (`SQLITE_IOERR_WRITE`). */
const UNAVAILABLE = /^SQLITE_(BUSY|IOERR|FULL|CANTOPEN)(_|$)/;

/**
 * True when `error` means the database cannot take the operation now but may later, so the
 * client is told 503 `store_unavailable` and to retry: busy, an I/O error, a full disk
 * (`SQLITE_FULL`: the WAL could not grow; nothing was committed, and writes succeed again
 * once there is space), or a connection that is gone (its thread stopped, or the store was
 * closed, which Kysely reports as "driver has already been destroyed").
 */
export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && UNAVAILABLE.test(code)) return true;
  const message = (error as Error)?.message ?? "";
  return /driver has already been destroyed|database connection is not open/i.test(message);
}
