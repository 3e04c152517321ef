/**
 * What every SQL repository shares: the opened database, the driver's hooks, the error
 * guard, and the batching helper. Internal to `store/sql/`; `createSqlStore` builds it once.
 */

import type { CompiledQuery, Kysely, QueryResult } from "kysely";
import type { SigningJob } from "../../keys/signer.js";
import type { Database } from "../schema.js";
import { ConflictError, StoreUnavailableError } from "../store.js";

/** Options of `createSqlStore`. */
export interface SqlStoreOptions {
  kind: "sqlite" | "postgres";
  db: Kysely<Database>;
  /** True when `error` means the database is unreachable (connection refused, shutting down…). */
  isUnavailable: (error: unknown) => boolean;
  /** True when `error` is a unique-constraint violation. */
  isConflict: (error: unknown) => boolean;
  /**
   * Runs compiled queries as one transaction in one round trip, when the driver can (the
   * SQLite thread); group-commit batches use it instead of a Kysely transaction.
   */
  transact?: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>;
  /**
   * Signs `jobs`, then runs `queries` as one transaction, in one round trip, when the driver
   * can (the SQLite thread): a parameter `{ $token: i }` becomes the compact token of
   * `jobs[i]`. Card writes use it to sign and store a card in one hand-off.
   */
  transactSigned?: (queries: readonly CompiledQuery[], jobs: readonly SigningJob[]) => Promise<string[]>;
  /**
   * An interactive transaction whose steps each run several queries in one round trip, when
   * the driver can (the SQLite thread); event batches use it.
   */
  transaction?: <T>(work: (run: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>) => Promise<T>) => Promise<T>;
  /** Runs after `close()` has destroyed the Kysely instance. */
  onClose?: () => Promise<void> | void;
  /**
   * PostgreSQL: `events` is partitioned by day. The store creates a day's partition before
   * the first insert into it, and retention drops whole partitions.
   */
  partitionedEvents?: boolean;
}

/** What a repository module is built from. */
export interface SqlContext {
  readonly db: Kysely<Database>;
  readonly options: SqlStoreOptions;
  /** Maps driver errors to the store's own: unreachable → StoreUnavailableError, duplicate → ConflictError. */
  guard<T>(operation: () => Promise<T>): Promise<T>;
}

/** The context of the repositories over `options.db`. */
export function createSqlContext(options: SqlStoreOptions): SqlContext {
  return {
    db: options.db,
    options,
    async guard(operation) {
      try {
        return await operation();
      } catch (error) {
        if (options.isConflict(error)) throw new ConflictError("a record with this id exists", { cause: error });
        if (options.isUnavailable(error)) throw new StoreUnavailableError("the database is unavailable", { cause: error });
        throw error;
      }
    },
  };
}

/** `items` cut into runs of at most `size` (statement parameter limits). */
export const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The run lengths of {@link ladderChunks}, largest first. */
const LADDER = [1024, 256, 64, 16, 4, 1] as const;

/**
 * `items` cut into runs whose lengths all come from a fixed ladder (1024, 256, 64, 16, 4, 1),
 * largest first: 2,500 items make runs of 1024, 1024, 256, 64, 64, 64, 4. A multi-row
 * statement's text depends on its row count, and the SQLite thread keeps each text it
 * prepares (a prepared 1,000-row `INSERT INTO events` holds about 1.4 MB). Cut by the ladder,
 * every batch size is served by six texts at most, so the thread prepares each once and its
 * memory stays flat whatever sizes the group commit forms, at the cost of at most fifteen
 * extra statements, in the same transaction, for the remainder.
 */
export function ladderChunks<T>(items: readonly T[]): T[][] {
  const runs: T[][] = [];
  let start = 0;
  for (const size of LADDER) {
    while (items.length - start >= size) {
      runs.push(items.slice(start, start + size));
      start += size;
    }
  }
  return runs;
}
