import { join } from "node:path";
import { openSqliteStore } from "../../src/store/sqlite.js";
import { tempDir } from "../support/server.js";
import { storeContract } from "./store.contract.js";

storeContract("SQLite file", async () => {
  const dir = tempDir();
  const store = openSqliteStore(join(dir.path, "minicard.db"));
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      dir.cleanup();
    },
  };
});
