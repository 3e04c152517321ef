/** Partner platforms and the keys they sign passes with. */

import type { PartnerKey } from "../../domain/model.js";
import type { Database } from "../schema.js";
import type { PartnerRepository } from "../store.js";
import type { SqlContext } from "./context.js";
import { json, num, parse, toPartner } from "./rows.js";

/** The SQL partner repository. */
export function createPartnerRepository({ db, guard }: SqlContext): PartnerRepository {
  return {
    create: (partner) =>
      guard(async () => {
        await db
          .insertInto("partners")
          .values({
            id: partner.id,
            name: partner.name,
            origins: json(partner.origins),
            surfaces: json(partner.surfaces),
            limits: partner.limits === undefined ? null : json(partner.limits),
            require_sharer_pass: partner.requireSharerPass ? 1 : 0,
            created_at: partner.createdAt,
          })
          .execute();
      }),
    get: (id) =>
      guard(async () => {
        const row = await db.selectFrom("partners").selectAll().where("id", "=", id).executeTakeFirst();
        return row && toPartner(row);
      }),
    list: () => guard(async () => (await db.selectFrom("partners").selectAll().orderBy("id").execute()).map(toPartner)),
    update: (id, patch) =>
      guard(async () => {
        const set: Partial<Database["partners"]> = {};
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.origins !== undefined) set.origins = json(patch.origins);
        if (patch.surfaces !== undefined) set.surfaces = json(patch.surfaces);
        if ("limits" in patch) set.limits = patch.limits === undefined ? null : json(patch.limits);
        if (patch.requireSharerPass !== undefined) set.require_sharer_pass = patch.requireSharerPass ? 1 : 0;
        if (Object.keys(set).length > 0) await db.updateTable("partners").set(set).where("id", "=", id).execute();
        const row = await db.selectFrom("partners").selectAll().where("id", "=", id).executeTakeFirst();
        return row && toPartner(row);
      }),
    putKey: (key) =>
      guard(async () => {
        await db
          .insertInto("partner_keys")
          .values({ partner_id: key.partnerId, kid: key.kid, jwk: json(key.jwk), created_at: key.createdAt })
          .onConflict((conflict) => conflict.columns(["partner_id", "kid"]).doUpdateSet({ jwk: json(key.jwk) }))
          .execute();
      }),
    keys: (partnerId) =>
      guard(async () => {
        const rows = await db.selectFrom("partner_keys").selectAll().where("partner_id", "=", partnerId).orderBy("created_at").execute();
        return rows.map((row): PartnerKey => ({ partnerId: row.partner_id, kid: row.kid, jwk: parse(row.jwk), createdAt: num(row.created_at) }));
      }),
    removeKey: (partnerId, kid) =>
      guard(async () => {
        const result = await db.deleteFrom("partner_keys").where("partner_id", "=", partnerId).where("kid", "=", kid).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
  };
}
