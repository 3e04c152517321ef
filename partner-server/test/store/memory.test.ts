import { createMemoryStore } from "../../src/store/memory.js";
import { storeContract } from "./store.contract.js";

storeContract("memory", async () => {
  const store = createMemoryStore();
  await store.migrate();
  return { store, dispose: () => store.close() };
});
