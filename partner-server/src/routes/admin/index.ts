/**
 * The operator's API under `/v1/admin`: partners, their sharer whitelist, brands and their
 * keys, the rollout and signing-key rotation. Its audience (`audiences.ts`) authenticates every
 * route with `Authorization: Bearer $MINICARD_ADMIN_TOKEN`; none is reachable cross-origin.
 */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.js";
import { CATEGORIES, type Brand } from "../../domain/model.js";
import { ROLLOUT_PHASES } from "../../domain/rollout.js";
import { Problem } from "../../problems.js";
import {
  addBrandKey,
  addPartnerKey,
  closeCategory,
  createBrand,
  createPartner,
  putSharer,
  removePartnerKey,
  removeSharer,
  requireBrand,
  requirePartner,
  rotateApiKey,
  setRollout,
  updateBrand,
  updatePartner,
  type AdminContext,
} from "../../services/admin.js";

function brandView(brand: Brand) {
  const { createdAt, updatedAt, logo, ...rest } = brand;
  return {
    ...rest,
    ...(logo ? { logo } : {}),
    createdAt: new Date(createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
  };
}

/** The admin routes. */
export function adminRoutes(context: AppContext): FastifyPluginAsync {
  const admin: AdminContext = { store: context.store, now: context.now, onPartnersChanged: () => context.origins.invalidate() };
  return async (app) => {
    app.post("/partners", async (request, reply) => reply.code(201).send(await createPartner(admin, request.body)));
    app.get("/partners", async () => ({ partners: await context.store.partners.list() }));
    app.get<{ Params: { id: string } }>("/partners/:id", async (request) => requirePartner(context.store, request.params.id));
    app.patch<{ Params: { id: string } }>("/partners/:id", async (request) => updatePartner(admin, request.params.id, request.body));

    app.post<{ Params: { id: string } }>("/partners/:id/keys", async (request, reply) =>
      reply.code(201).send(await addPartnerKey(admin, request.params.id, request.body)),
    );
    app.get<{ Params: { id: string } }>("/partners/:id/keys", async (request) => {
      await requirePartner(context.store, request.params.id);
      return { keys: (await context.store.partners.keys(request.params.id)).map((key) => key.jwk) };
    });
    app.delete<{ Params: { id: string; kid: string } }>("/partners/:id/keys/:kid", async (request, reply) => {
      await removePartnerKey(admin, request.params.id, request.params.kid);
      return reply.code(204).send();
    });

    app.get<{ Params: { id: string } }>("/partners/:id/sharers", async (request) => {
      await requirePartner(context.store, request.params.id);
      return { sharers: await context.store.sharers.list(request.params.id) };
    });
    app.put<{ Params: { id: string; sharer: string } }>("/partners/:id/sharers/:sharer", async (request, reply) => {
      await putSharer(admin, request.params.id, request.params.sharer);
      return reply.code(204).send();
    });
    app.delete<{ Params: { id: string; sharer: string } }>("/partners/:id/sharers/:sharer", async (request, reply) => {
      await removeSharer(admin, request.params.id, request.params.sharer);
      return reply.code(204).send();
    });

    app.post("/brands", async (request, reply) => {
      const { brand, apiKey } = await createBrand(admin, request.body);
      return reply.code(201).send({ ...brandView(brand), apiKey });
    });
    app.get("/brands", async () => ({ brands: (await context.store.brands.list()).map(brandView) }));
    app.get<{ Params: { id: string } }>("/brands/:id", async (request) => brandView(await requireBrand(context.store, request.params.id)));
    app.patch<{ Params: { id: string } }>("/brands/:id", async (request) => brandView(await updateBrand(admin, request.params.id, request.body)));
    app.post<{ Params: { id: string } }>("/brands/:id/api-key", async (request, reply) =>
      reply.code(201).send({ id: request.params.id, apiKey: await rotateApiKey(admin, request.params.id) }),
    );
    app.post<{ Params: { id: string } }>("/brands/:id/keys", async (request, reply) =>
      reply.code(201).send(await addBrandKey(admin, request.params.id, request.body)),
    );
    app.get<{ Params: { id: string } }>("/brands/:id/keys", async (request) => {
      await requireBrand(context.store, request.params.id);
      return { keys: (await context.store.brands.keys(request.params.id)).map((key) => key.jwk) };
    });

    app.get("/rollout", async () => ({ categories: await context.store.rollout.get(), phases: ROLLOUT_PHASES }));
    app.put("/rollout", async (request) => ({ categories: await setRollout(admin, request.body) }));
    app.delete<{ Params: { category: string } }>("/rollout/:category", async (request) => {
      if (!(CATEGORIES as readonly string[]).includes(request.params.category)) {
        throw new Problem("not_found", `no category ${request.params.category}`);
      }
      return { categories: await closeCategory(admin, request.params.category) };
    });

    app.get("/signing-keys", async () => ({ current: context.keys.current.kid, jwks: context.keys.jwks(context.now()) }));
    app.post("/signing-keys/rotate", async (request) => {
      const { kid } = await context.keys.rotate();
      request.log.info({ kid }, "signing key rotated");
      return { kid };
    });
  };
}
