/** Single-use `jti`s of `private_key_jwt` client assertions. */

import type { AssertionRepository } from "../store.js";
import type { SqlContext } from "./context.js";

/** The SQL assertion repository. */
export function createAssertionRepository({ db, guard }: SqlContext): AssertionRepository {
  let uses = 0;
  return {
    use: (brandId, jti, expiresAt, now) =>
      guard(async () => {
        if (++uses % 1000 === 0) await db.deleteFrom("assertions").where("expires_at", "<", now).execute();
        const inserted = await db
          .insertInto("assertions")
          .values({ brand_id: brandId, jti, expires_at: expiresAt })
          .onConflict((conflict) => conflict.columns(["brand_id", "jti"]).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
        // Seen before: a replay, unless the old entry has expired (then the assertion has too).
        const revived = await db
          .updateTable("assertions")
          .set({ expires_at: expiresAt })
          .where("brand_id", "=", brandId)
          .where("jti", "=", jti)
          .where("expires_at", "<=", now)
          .executeTakeFirst();
        return Number(revived.numUpdatedRows) > 0;
      }),
  };
}
