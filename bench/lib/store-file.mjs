// A SQLite file with the partner server's schema, opened directly: what the floor probes
// measure SQLite on, without the server, its thread or HTTP.

import { join } from "node:path";
import { openSqliteStore } from "../../partner-server/dist/index.js";
import { openDatabase } from "./load-events.mjs";
import { tempDir } from "./servers.mjs";

/** A new store file in a temporary folder, migrated by `openSqliteStore` and closed: its `file`, and `remove()` to delete the folder. */
export async function createStoreFile(prefix) {
  const dir = tempDir(prefix);
  const file = join(dir.path, "minicard.db");
  try {
    const store = openSqliteStore(file);
    await store.migrate();
    await store.close();
  } catch (error) {
    dir.remove();
    throw error;
  }
  return { file, remove: dir.remove };
}

/**
 * A new store file ({@link createStoreFile}) opened with better-sqlite3 as the store opens it
 * (WAL, `synchronous=FULL`). `remove()` closes it and deletes the folder.
 */
export async function openStoreFile(prefix) {
  const { file, remove } = await createStoreFile(prefix);
  const db = openDatabase(file, {});
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  return {
    db,
    remove() {
      if (db.open) db.close();
      remove();
    },
  };
}
