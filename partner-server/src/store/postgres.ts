/**
 * PostgreSQL, for several instances behind a balancer. `bigint` columns come back as
 * JavaScript numbers (every value stored is a millisecond time, far below 2^53).
 */

import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import type { Database as Schema } from "./schema.js";
import { createSqlStore } from "./sql.js";
import type { Store } from "./store.js";

const INT8 = 20;
/**
 * Network errors; PostgreSQL's shutting down (57P0x), connection (08xxx) and insufficient
 * resources (53100 disk full, 53200 out of memory, 53300 too many connections).
 */
const UNAVAILABLE = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN",
  "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006", "53100", "53200", "53300",
]);
/**
 * Errors without a code that mean the same: the connection dropped or timed out, or the store
 * was closed (the pool ended, Kysely destroyed), which answers 503 like a database that went
 * away, not 500.
 */
const GONE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|driver has already been destroyed/i;

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Pool size; default 10. */
  max?: number;
}

/** Opens the PostgreSQL store at `url` (`postgres://user@host:5432/db`). */
export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on("error", () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return createSqlStore({
    kind: "postgres",
    db,
    partitionedEvents: true,
    isConflict: (error) => (error as { code?: string })?.code === "23505",
    isUnavailable: (error) => {
      const code = (error as { code?: string })?.code;
      return (code !== undefined && UNAVAILABLE.has(code)) || GONE.test((error as Error)?.message ?? "");
    },
  });
}
