/** The server's signing keys; a rotation is saved in one transaction. */

import type { SigningKeyRepository } from "../store.js";
import type { SqlContext } from "./context.js";
import { json, toSigningKey } from "./rows.js";

/** The SQL signingkey repository. */
export function createSigningKeyRepository({ db, guard }: SqlContext): SigningKeyRepository {
  return {
    list: () => guard(async () => (await db.selectFrom("signing_keys").selectAll().orderBy("created_at").execute()).map(toSigningKey)),
    save: (added, updated) =>
      guard(async () => {
        await db.transaction().execute(async (trx) => {
          for (const key of added) {
            await trx
              .insertInto("signing_keys")
              .values({
                kid: key.kid,
                alg: key.alg,
                public_jwk: json(key.publicJwk),
                private_key: key.privateKey,
                state: key.state,
                created_at: key.createdAt,
                published_until: key.publishedUntil ?? null,
              })
              .execute();
          }
          for (const change of updated) {
            await trx
              .updateTable("signing_keys")
              .set({ state: change.state, published_until: change.publishedUntil ?? null, private_key: change.privateKey })
              .where("kid", "=", change.kid)
              .execute();
          }
        });
      }),
    purge: (now) =>
      guard(async () => {
        const result = await db
          .deleteFrom("signing_keys")
          .where("state", "=", "retired")
          .where("published_until", "<=", now)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
