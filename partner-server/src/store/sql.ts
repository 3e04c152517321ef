/**
 * The SQL store: one implementation over Kysely for SQLite and PostgreSQL. The two differ
 * only in how they are opened (`sqlite.ts`, `postgres.ts`); every query is written once and
 * runs on both.
 *
 * One module per repository under `sql/`, as `store.ts` declares them; they share the error
 * guard and chunking (`sql/context.ts`) and the row mappers (`sql/rows.ts`). This file only
 * assembles them.
 */

import { Migrator } from "kysely";
import { migrationProvider } from "./schema.js";
import type { Store } from "./store.js";
import { createAssertionRepository } from "./sql/assertions.js";
import { createBrandRepository } from "./sql/brands.js";
import { createCardRepository } from "./sql/cards.js";
import { createSqlContext, type SqlStoreOptions } from "./sql/context.js";
import { createEventRepository } from "./sql/events.js";
import { createIdempotencyRepository } from "./sql/idempotency.js";
import { createPartnerRepository } from "./sql/partners.js";
import { createRolloutRepository } from "./sql/rollout.js";
import { createSecretRepository } from "./sql/secrets.js";
import { createSharerRepository } from "./sql/sharers.js";
import { createSigningKeyRepository } from "./sql/signing-keys.js";

export type { SqlStoreOptions } from "./sql/context.js";

/** Creates the store over an opened Kysely instance. */
export function createSqlStore(options: SqlStoreOptions): Store {
  const context = createSqlContext(options);
  const { db, guard } = context;
  return {
    kind: options.kind,
    partners: createPartnerRepository(context),
    secrets: createSecretRepository(context),
    sharers: createSharerRepository(context),
    brands: createBrandRepository(context),
    rollout: createRolloutRepository(context),
    cards: createCardRepository(context),
    idempotency: createIdempotencyRepository(context),
    assertions: createAssertionRepository(context),
    signingKeys: createSigningKeyRepository(context),
    events: createEventRepository(context),

    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((result) => result.status === "Error");
        throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${(error as Error).message}`, { cause: error });
      }
    },

    ping: () =>
      guard(async () => {
        await db.selectFrom("partners").select("id").limit(1).execute();
      }),

    async close() {
      await db.destroy();
      await options.onClose?.();
    },
  };
}
