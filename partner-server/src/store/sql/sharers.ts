/** The sharer whitelist, per partner. */

import type { SharerRepository } from "../store.js";
import type { SqlContext } from "./context.js";

/** The SQL sharer repository. */
export function createSharerRepository({ db, guard }: SqlContext): SharerRepository {
  return {
    put: (partnerId, sharer, now) =>
      guard(async () => {
        await db
          .insertInto("sharers")
          .values({ partner_id: partnerId, sharer, created_at: now })
          .onConflict((conflict) => conflict.columns(["partner_id", "sharer"]).doNothing())
          .execute();
      }),
    remove: (partnerId, sharer) =>
      guard(async () => {
        const result = await db
          .deleteFrom("sharers")
          .where("partner_id", "=", partnerId)
          .where("sharer", "=", sharer)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    has: (partnerId, sharer) =>
      guard(async () => {
        const row = await db
          .selectFrom("sharers")
          .select("sharer")
          .where("partner_id", "=", partnerId)
          .where("sharer", "=", sharer)
          .executeTakeFirst();
        return row !== undefined;
      }),
    list: (partnerId) =>
      guard(async () => {
        const rows = await db.selectFrom("sharers").select("sharer").where("partner_id", "=", partnerId).orderBy("sharer").execute();
        return rows.map((row) => row.sharer);
      }),
  };
}
