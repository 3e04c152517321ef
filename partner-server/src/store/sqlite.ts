/**
 * The embedded default: one SQLite file in WAL mode with `synchronous=FULL`, so a card
 * acknowledged with 201 has been fsynced and survives `kill -9` and power loss. Group commit
 * (`batch.ts`) keeps that affordable: one fsync per batch of cards, not per card; and the
 * connection lives on its own thread (`sqlite-thread.ts`), so the fsync never stops the
 * event loop. That thread also signs each card as it writes it (`cards.insertSigned`, with the
 * signer's `SIGNING_CODE`): issuing a card is one hand-off to one helper thread, not a hand-off
 * to a signing thread and another to the store's.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely } from "kysely";
import { SIGNING_CODE } from "../keys/signer.js";
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
    signing: SIGNING_CODE,
  });
  const db = new Kysely<Schema>({ dialect });
  return createSqlStore({
    kind: "sqlite",
    db,
    transact: (queries) => dialect.transact(queries),
    transactSigned: (queries, jobs) => dialect.transactSigned(queries, jobs),
    transaction: (work) => dialect.transaction(work),
    isConflict: (error) => (error as { code?: string })?.code?.startsWith("SQLITE_CONSTRAINT") === true,
    isUnavailable: isSqliteUnavailable,
  });
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
