/**
 * Reads a server's SQLite file directly, the way an operator would after the fact: tests use
 * it to prove that a refused request stored nothing and that an acknowledged card is on disk.
 */

import Database from "better-sqlite3";
import { join } from "node:path";

/** Counts the rows of `table` in the SQLite file under `dataDir` (opened read-only). */
export function countRows(dataDir: string, table: "cards" | "idempotency_keys" | "brands" | "partners" | "sharers" | "assertions"): number {
  const db = new Database(join(dataDir, "minicard.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The ids of every card in the SQLite file under `dataDir`. */
export function cardIds(dataDir: string): Set<string> {
  const db = new Database(join(dataDir, "minicard.db"), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare("SELECT id FROM cards").all() as { id: string }[]).map((row) => row.id));
  } finally {
    db.close();
  }
}
