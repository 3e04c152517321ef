/** Opens the store the configuration asks for: PostgreSQL when a URL is given, else SQLite in the data folder. */

import { join } from "node:path";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

/** Opens and migrates the configured store. */
export async function openStore(config: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
  const store = config.databaseUrl ? openPostgresStore(config.databaseUrl) : openSqliteStore(join(config.dataDir, "minicard.db"));
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}
