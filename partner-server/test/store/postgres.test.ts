import { openPostgresStore } from "../../src/store/postgres.js";
import { createTestDatabase } from "../support/services.js";
import { storeContract } from "./store.contract.js";

storeContract("PostgreSQL", async () => {
  const database = await createTestDatabase();
  const store = openPostgresStore(database.url);
  await store.migrate();
  return {
    store,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
});
