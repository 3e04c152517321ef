/**
 * SQLite on its own thread: a Kysely dialect whose one connection lives in a worker thread.
 *
 * `better-sqlite3` is synchronous, and with `synchronous=FULL` every commit waits for an
 * fsync (several milliseconds on a virtual disk). On the main thread that wait stops the
 * whole server: no request is parsed, validated or signed while a batch of cards is being
 * made durable. Here the worker waits instead, and the event loop keeps serving; the next
 * batch forms while the last one is flushed. Durability is unchanged: a query's promise
 * resolves only after the worker has run it (for a commit: after the fsync).
 *
 * Kysely talks to one connection behind a mutex (as its own SQLite driver does), so the
 * worker runs statements strictly in order and transactions never interleave.
 */

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";
import type { SigningJob } from "../keys/signer.js";

/**
 * The worker's code (plain JavaScript, so it runs the same from `src` under the tests and from
 * `dist`), with the signing code its signed writes use, if any (see `transactSigned`).
 */
const workerCode = (signing: string | undefined) => `
const { parentPort, workerData } = require("node:worker_threads");
${signing ?? "function createSigning() {}"}
const signing = createSigning();
const Database = require(workerData.driver);
const db = new Database(workerData.file);
for (const pragma of workerData.pragmas) db.pragma(pragma);
const statements = new Map();
let long = 0;
function prepare(sql) {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    // Long statements (the multi-row writes of a group commit) have one text per batch size,
    // and the same sizes come back under a steady load: parsing and planning one again costs
    // more than running it. They hold more memory, so fewer of them are kept.
    if (sql.length < 2048 ? statements.size - long < 1000 : long < 64) {
      statements.set(sql, statement);
      if (sql.length >= 2048) long += 1;
    }
  }
  return statement;
}
function run(query) {
  const statement = prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return { changes, lastInsertRowid: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid) };
}
const transaction = db.transaction((queries) => queries.map(run));
const failure = (error) => ({ message: String(error && error.message), code: error && error.code });
// Ends whatever transaction is open. SQLite may already have rolled it back by itself (it does
// on SQLITE_FULL and some I/O errors), so a ROLLBACK is sent only while one is open, and its
// own failure is not allowed to escape: an exception here would kill the thread.
function rollback() {
  try {
    if (db.inTransaction) db.prepare("ROLLBACK").run();
  } catch {}
}
parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  if (message.key) {
    signing.add(message.key);
    return;
  }
  if (message.batch) {
    // A transaction left open here (only a failed COMMIT and a failed ROLLBACK can leave one)
    // would turn this batch into a savepoint of it: its COMMIT a mere RELEASE, the cards
    // acknowledged but not durable. Its owner was already told it failed, so end it first.
    rollback();
    try {
      if (!message.sign) {
        parentPort.postMessage({ id: message.id, results: transaction.immediate(message.batch) });
        return;
      }
      // A signed write: each input's compact token, in the parameters that ask for it.
      const { inputs, keyIds } = message.sign;
      const tokens = inputs.map((input, i) => input + "." + signing.sign(keyIds[i], input).toString("base64url"));
      for (const query of message.batch) {
        const parameters = query.parameters;
        for (let i = 0; i < parameters.length; i += 1) {
          const value = parameters[i];
          if (value !== null && typeof value === "object" && typeof value.$token === "number") parameters[i] = tokens[value.$token];
        }
      }
      parentPort.postMessage({ id: message.id, results: transaction.immediate(message.batch), tokens });
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: failure(error) });
    }
    return;
  }
  if (message.steps) {
    // One step of an open transaction: BEGIN IMMEDIATE first when asked; any failure rolls back.
    try {
      if (message.begin) db.prepare("BEGIN IMMEDIATE").run();
      parentPort.postMessage({ id: message.id, results: message.steps.map(run) });
    } catch (error) {
      rollback();
      parentPort.postMessage({ id: message.id, error: failure(error) });
    }
    return;
  }
  if (message.end === "commit") {
    // A COMMIT that fails (SQLITE_FULL: the WAL could not grow) may leave the transaction
    // open; it is rolled back here, so the connection is clean for the next writer.
    try {
      db.prepare("COMMIT").run();
      parentPort.postMessage({ id: message.id, changes: 0 });
    } catch (error) {
      rollback();
      parentPort.postMessage({ id: message.id, error: failure(error) });
    }
    return;
  }
  if (message.end === "rollback") {
    rollback();
    parentPort.postMessage({ id: message.id, changes: 0 });
    return;
  }
  try {
    const statement = prepare(message.sql);
    if (statement.reader) {
      parentPort.postMessage({ id: message.id, rows: statement.all(message.parameters) });
    } else {
      const { changes, lastInsertRowid } = statement.run(message.parameters);
      parentPort.postMessage({ id: message.id, changes, lastInsertRowid: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid) });
    }
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: failure(error) });
  }
});
`;

interface Reply {
  id: number;
  tokens?: string[];
  results?: Reply[];
  rows?: unknown[];
  changes?: number;
  lastInsertRowid?: bigint;
  error?: { message: string; code?: string };
}

/**
 * An error from the worker, with SQLite's `code` (e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`). A
 * connection that is gone (the thread stopped, or the store was closed) fails with
 * `SQLITE_CANTOPEN`: the database cannot be reached through it any more.
 */
export class SqliteThreadError extends Error {
  override readonly name = "SqliteThreadError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Options of {@link SqliteThreadDialect}. */
export interface SqliteThreadOptions {
  /** The database file, or `:memory:`. */
  file: string;
  /** Run once on open, in order, e.g. `journal_mode = WAL`. */
  pragmas: readonly string[];
  /**
   * The source of a function declaration `createSigning()` returning `{ add(key), sign(keyId,
   * input) }` (the signer's `SIGNING_CODE`): with it, the thread signs the tokens of
   * `transactSigned`.
   */
  signing?: string;
}

function result<R>(reply: Reply): QueryResult<R> {
  if (reply.error) throw new SqliteThreadError(reply.error.message, reply.error.code);
  if (reply.rows) return { rows: reply.rows as R[] };
  return {
    numAffectedRows: reply.changes === undefined ? undefined : BigInt(reply.changes),
    insertId: reply.lastInsertRowid,
    rows: [],
  };
}

class ThreadConnection implements DatabaseConnection {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;
  /** The signing keys the thread holds, by id. */
  private readonly keys = new Set<string>();

  constructor(private readonly worker: Worker) {
    worker.on("message", (reply: Reply) => {
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      pending?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const pending of this.waiting.values()) pending.reject(error);
      this.waiting.clear();
    };
    worker.on("error", (error) => fail(new SqliteThreadError(`the SQLite thread failed: ${error.message}`, "SQLITE_IOERR")));
    worker.on("exit", () => fail(new SqliteThreadError("the SQLite thread has stopped", "SQLITE_CANTOPEN")));
  }

  private send(message: object): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return result<R>(await this.send({ sql: compiledQuery.sql, parameters: compiledQuery.parameters }));
  }

  /** Runs `queries` as one transaction in one round trip (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error). */
  async executeBatch(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    const reply = await this.send({ batch: queries.map((query) => ({ sql: query.sql, parameters: query.parameters })) });
    if (reply.error) throw new SqliteThreadError(reply.error.message, reply.error.code);
    return reply.results!.map((one) => result(one));
  }

  /**
   * Runs `queries` as one transaction after signing `jobs` in the thread (see
   * {@link SqliteThreadDialect.transactSigned}); resolves to the tokens, in the order of `jobs`.
   */
  async executeSigned(queries: readonly CompiledQuery[], jobs: readonly SigningJob[]): Promise<string[]> {
    for (const { key } of jobs) {
      if (this.keys.has(key.id)) continue;
      this.worker.postMessage({ key: { id: key.id, alg: key.alg, privateKey: key.privateKey } });
      this.keys.add(key.id);
    }
    const reply = await this.send({
      batch: queries.map((query) => ({ sql: query.sql, parameters: query.parameters })),
      sign: { inputs: jobs.map((job) => job.input), keyIds: jobs.map((job) => job.key.id) },
    });
    if (reply.error) throw new SqliteThreadError(reply.error.message, reply.error.code);
    return reply.tokens!;
  }

  /** Runs `queries` in the open transaction (opening it first when `begin`); a failure rolls it back. */
  async executeSteps(queries: readonly CompiledQuery[], begin: boolean): Promise<QueryResult<unknown>[]> {
    const reply = await this.send({ begin, steps: queries.map((query) => ({ sql: query.sql, parameters: query.parameters })) });
    if (reply.error) throw new SqliteThreadError(reply.error.message, reply.error.code);
    return reply.results!.map((one) => result(one));
  }

  /** Ends the open transaction: a COMMIT that rolls back when it fails, or a ROLLBACK (a no-op when none is open). */
  async end(how: "commit" | "rollback"): Promise<void> {
    result(await this.send({ end: how }));
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error("only select queries can be streamed");
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (const row of rows) yield { rows: [row] };
  }
}

class ThreadDriver implements Driver {
  private worker: Worker | undefined;
  /** Resolves when the current thread has ended (heard from its start, so an early end is not missed). */
  private exited: Promise<void> = Promise.resolve();
  private connection: ThreadConnection | undefined;
  /** Set by `destroy()`: the store was closed, and is never reopened behind its owner's back. */
  private closed = false;
  private busy = false;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: SqliteThreadOptions) {}

  async init(): Promise<void> {
    this.start();
  }

  /** Starts the thread unless it runs already (the store being closed, throws). */
  private start(): Worker {
    if (this.closed) throw new SqliteThreadError("the SQLite store is closed", "SQLITE_CANTOPEN");
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const code = workerCode(this.options.signing);
    const worker = new Worker(code, { eval: true, workerData: { driver, file: this.options.file, pragmas: this.options.pragmas } });
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    this.worker = worker;
    this.connection = new ThreadConnection(worker);
    // Opening errors (a bad path, a locked file) surface on the first query, as with the in-thread driver.
    return this.worker;
  }

  /** Runs `queries` as one transaction in one message to the thread, holding the connection meanwhile. */
  async transact(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    await this.init();
    const connection = (await this.acquireConnection()) as ThreadConnection;
    try {
      return await connection.executeBatch(queries);
    } finally {
      await this.releaseConnection();
    }
  }

  /** Signs `jobs`, then runs `queries` as one transaction, in one message (see the dialect's `transactSigned`). */
  async transactSigned(queries: readonly CompiledQuery[], jobs: readonly SigningJob[]): Promise<string[]> {
    if (!this.options.signing) throw new Error("the SQLite thread was opened without signing");
    await this.init();
    const connection = (await this.acquireConnection()) as ThreadConnection;
    try {
      return await connection.executeSigned(queries, jobs);
    } finally {
      await this.releaseConnection();
    }
  }

  /**
   * An interactive transaction in few messages: each `run` sends its queries in one message
   * (the first also opens the transaction), and the commit is one more. `work` may compute
   * the next queries from the answers of the last ones.
   */
  async transaction<T>(work: (run: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>) => Promise<T>): Promise<T> {
    await this.init();
    const connection = (await this.acquireConnection()) as ThreadConnection;
    let open = false;
    try {
      const value = await work(async (queries) => {
        if (queries.length === 0) return [];
        const answers = await connection.executeSteps(queries, !open).catch((error: unknown) => {
          open = false; // the thread rolled back
          throw error;
        });
        open = true;
        return answers;
      });
      if (open) {
        open = false; // a failed commit is rolled back by the thread
        await connection.end("commit");
      }
      return value;
    } finally {
      if (open) await connection.end("rollback").catch(() => {});
      await this.releaseConnection();
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection, handed to waiters in arrival order (waking only the next one).
    if (this.busy) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.closed) {
      await this.releaseConnection();
      throw new SqliteThreadError("the SQLite store is closed", "SQLITE_CANTOPEN");
    }
    this.busy = true;
    return this.connection!;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as ThreadConnection).end("commit");
  }

  /**
   * Kysely rolls back after a failed commit; the thread has then already done so, and this
   * ROLLBACK must not fail in its turn, or its error ("no transaction is active") would
   * replace the commit's (`SQLITE_FULL`) and turn a 503 into a 500.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as ThreadConnection).end("rollback");
  }

  async releaseConnection(): Promise<void> {
    const next = this.waiters.shift();
    if (next) next(); // stays busy: the connection passes straight to the next waiter
    else this.busy = false;
  }

  async destroy(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    // A thread that has already ended (it could not open the database) does not end again.
    worker.postMessage({ close: true });
    await this.exited;
  }
}

/** Kysely's SQLite dialect with the connection on a worker thread. */
export class SqliteThreadDialect implements Dialect {
  private readonly driver: ThreadDriver;
  constructor(options: SqliteThreadOptions) {
    this.driver = new ThreadDriver(options);
  }
  /**
   * Runs compiled queries as one transaction in a single round trip to the thread: what the
   * group-commit batches use, so a batch costs one message, not one per statement.
   */
  transact(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]> {
    return this.driver.transact(queries);
  }
  /**
   * Signs in the thread, then runs `queries` as one transaction, in one message: a parameter
   * `{ $token: i }` becomes the compact token of `jobs[i]` (its input, a dot, its signature,
   * base64url). Resolves to the tokens in the order of `jobs`, once the transaction has
   * committed. So a group commit of cards signs and writes them in one hand-off, instead of one
   * to sign and one to write. Needs `options.signing`.
   */
  transactSigned(queries: readonly CompiledQuery[], jobs: readonly SigningJob[]): Promise<string[]> {
    return this.driver.transactSigned(queries, jobs);
  }
  /** An interactive transaction in one message per step (see the driver's `transaction`). */
  transaction<T>(work: (run: (queries: readonly CompiledQuery[]) => Promise<QueryResult<unknown>[]>) => Promise<T>): Promise<T> {
    return this.driver.transaction(work);
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return this.driver;
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
