/** Category opening dates. */

import type { Rollout } from "../../domain/rollout.js";
import type { RolloutRepository } from "../store.js";
import type { SqlContext } from "./context.js";

/** The SQL rollout repository. */
export function createRolloutRepository({ db, guard }: SqlContext): RolloutRepository {
  return {
    get: () =>
      guard(async () => {
        const rows = await db.selectFrom("rollout").selectAll().execute();
        return Object.fromEntries(rows.map((row) => [row.category, row.opens_at])) as Rollout;
      }),
    put: (categories) =>
      guard(async () => {
        await db.transaction().execute(async (trx) => {
          for (const [category, opensAt] of Object.entries(categories)) {
            if (opensAt === null) {
              await trx.deleteFrom("rollout").where("category", "=", category).execute();
            } else {
              await trx
                .insertInto("rollout")
                .values({ category, opens_at: opensAt })
                .onConflict((conflict) => conflict.column("category").doUpdateSet({ opens_at: opensAt }))
                .execute();
            }
          }
        });
        const rows = await db.selectFrom("rollout").selectAll().execute();
        return Object.fromEntries(rows.map((row) => [row.category, row.opens_at])) as Rollout;
      }),
  };
}
