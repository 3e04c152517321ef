/** Server-wide secrets shared by every instance. */

import type { SecretRepository } from "../store.js";
import type { SqlContext } from "./context.js";

/** The SQL secret repository. */
export function createSecretRepository({ db, guard }: SqlContext): SecretRepository {
  return {
    get: (name, create, now) =>
      guard(async () => {
        const existing = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirst();
        if (existing) return existing.value;
        // Several instances may race here: the first insert wins and everyone reads it back.
        await db
          .insertInto("server_secrets")
          .values({ name, value: create(), created_at: now })
          .onConflict((conflict) => conflict.column("name").doNothing())
          .execute();
        const row = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
        return row.value;
      }),
  };
}
