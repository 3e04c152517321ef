/** Whitelisted brands, their API key hashes and `private_key_jwt` keys. */

import type { BrandKey } from "../../domain/model.js";
import type { Database } from "../schema.js";
import type { BrandRepository } from "../store.js";
import type { SqlContext } from "./context.js";
import { json, num, parse, toBrand } from "./rows.js";

/** The SQL brand repository. */
export function createBrandRepository({ db, guard }: SqlContext): BrandRepository {
  return {
    create: (brand, apiKeyHash) =>
      guard(async () => {
        await db
          .insertInto("brands")
          .values({
            id: brand.id,
            name: brand.name,
            category: brand.category,
            apps: json(brand.apps),
            surfaces: json(brand.surfaces),
            status: brand.status,
            invited: brand.invited ? 1 : 0,
            whitelisted: brand.whitelisted ? 1 : 0,
            logo: brand.logo ?? null,
            api_key_hash: apiKeyHash,
            created_at: brand.createdAt,
            updated_at: brand.updatedAt,
          })
          .execute();
      }),
    get: (id) =>
      guard(async () => {
        const row = await db.selectFrom("brands").selectAll().where("id", "=", id).executeTakeFirst();
        return row && toBrand(row);
      }),
    getByApiKeyHash: (hash) =>
      guard(async () => {
        const row = await db.selectFrom("brands").selectAll().where("api_key_hash", "=", hash).executeTakeFirst();
        return row && toBrand(row);
      }),
    list: () => guard(async () => (await db.selectFrom("brands").selectAll().orderBy("id").execute()).map(toBrand)),
    update: (id, patch, now) =>
      guard(async () => {
        const set: Partial<Database["brands"]> = { updated_at: now };
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.category !== undefined) set.category = patch.category;
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.apps !== undefined) set.apps = json(patch.apps);
        if (patch.surfaces !== undefined) set.surfaces = json(patch.surfaces);
        if (patch.invited !== undefined) set.invited = patch.invited ? 1 : 0;
        if (patch.whitelisted !== undefined) set.whitelisted = patch.whitelisted ? 1 : 0;
        if ("logo" in patch) set.logo = patch.logo ?? null;
        await db.updateTable("brands").set(set).where("id", "=", id).execute();
        const row = await db.selectFrom("brands").selectAll().where("id", "=", id).executeTakeFirst();
        return row && toBrand(row);
      }),
    setApiKeyHash: (id, hash) =>
      guard(async () => {
        const result = await db.updateTable("brands").set({ api_key_hash: hash }).where("id", "=", id).executeTakeFirst();
        return Number(result.numUpdatedRows) > 0;
      }),
    putKey: (key) =>
      guard(async () => {
        await db
          .insertInto("brand_keys")
          .values({ brand_id: key.brandId, kid: key.kid, jwk: json(key.jwk), created_at: key.createdAt })
          .onConflict((conflict) => conflict.columns(["brand_id", "kid"]).doUpdateSet({ jwk: json(key.jwk) }))
          .execute();
      }),
    keys: (brandId) =>
      guard(async () => {
        const rows = await db.selectFrom("brand_keys").selectAll().where("brand_id", "=", brandId).orderBy("created_at").execute();
        return rows.map((row): BrandKey => ({ brandId: row.brand_id, kid: row.kid, jwk: parse(row.jwk), createdAt: num(row.created_at) }));
      }),
  };
}
