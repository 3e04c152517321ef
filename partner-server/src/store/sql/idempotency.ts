/** Idempotency keys of `POST /v1/cards`, with leases and take-over of stale entries. */

import { IDEMPOTENCY_TTL_MS, type IdempotencyRepository } from "../store.js";
import type { SqlContext } from "./context.js";
import { num, parse } from "./rows.js";

/** The SQL idempotency repository. */
export function createIdempotencyRepository({ db, guard }: SqlContext): IdempotencyRepository {
  return {
    begin: (brandId, key, fingerprint, now, leaseMs) =>
      guard(async () => {
        const inserted = await db
          .insertInto("idempotency_keys")
          .values({ brand_id: brandId, key, fingerprint, state: "in_progress", response: null, lease_until: now + leaseMs, created_at: now })
          .onConflict((conflict) => conflict.columns(["brand_id", "key"]).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: "new" as const };
        const row = await db
          .selectFrom("idempotency_keys")
          .selectAll()
          .where("brand_id", "=", brandId)
          .where("key", "=", key)
          .executeTakeFirst();
        if (!row) return { state: "in_progress" as const }; // released between our insert and select: let the client retry
        const live =
          row.state === "done" ? num(row.created_at) + IDEMPOTENCY_TTL_MS > now : num(row.lease_until) > now;
        if (live) {
          if (row.fingerprint !== fingerprint) return { state: "mismatch" as const };
          if (row.state === "done" && row.response !== null) return { state: "done" as const, response: parse(row.response) };
          return { state: "in_progress" as const };
        }
        // A stale entry (expired, or a crashed request's lease ran out): take it over, once.
        const taken = await db
          .updateTable("idempotency_keys")
          .set({ fingerprint, state: "in_progress", response: null, lease_until: now + leaseMs, created_at: now })
          .where("brand_id", "=", brandId)
          .where("key", "=", key)
          .where("state", "=", row.state)
          .where("lease_until", "=", row.lease_until)
          .where("created_at", "=", row.created_at)
          .executeTakeFirst();
        return Number(taken.numUpdatedRows) > 0 ? { state: "new" as const } : { state: "in_progress" as const };
      }),
    release: (brandId, key) =>
      guard(async () => {
        await db
          .deleteFrom("idempotency_keys")
          .where("brand_id", "=", brandId)
          .where("key", "=", key)
          .where("state", "=", "in_progress")
          .execute();
      }),
  };
}
