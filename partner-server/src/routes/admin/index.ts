/**
 * The operator's API under `/v1/admin`: partners, their sharer whitelist, brands and their
 * keys, the rollout and signing-key rotation. Its audience (`audiences.ts`) authenticates every
 * route with `Authorization: Bearer $MINICARD_ADMIN_TOKEN`; none is reachable cross-origin.
 */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../../context.js";
import { CATEGORIES, type Brand } from "../../domain/model.js";
import { ROLLOUT_PHASES } from "../../domain/rollout.js";
import { AUTH_PROBLEMS, body, empty, fields, problemResponses, ref } from "../../openapi.js";
import { Problem, type ProblemCode } from "../../problems.js";
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

/**
 * An admin route's schema, for `/openapi.json` (bodies are validated by `services/admin.ts`
 * with `domain/admin-schemas.ts`): its summary, path parameters, body, success answer and the
 * problems it may answer besides the admin token's.
 */
function route(summary: string, options: { params?: string[]; body?: string; status?: number; answer?: unknown; problems?: ProblemCode[] }) {
  const status = options.status ?? 200;
  return {
    summary,
    ...(options.params ? { params: fields(Object.fromEntries(options.params.map((name) => [name, { type: "string" }])), options.params) } : {}),
    ...(options.body ? { body: ref(options.body) } : {}),
    response: {
      [status]: options.answer === undefined ? empty("Done.") : body("Done.", options.answer),
      ...problemResponses(...AUTH_PROBLEMS, ...(options.body ? (["validation_failed", "malformed_json", "unsupported_media_type", "payload_too_large"] as const) : []), ...(options.problems ?? [])),
    },
  };
}
const list = (name: string, items: unknown) => fields({ [name]: { type: "array", items } }, [name]);
const ROLLOUT_ANSWER = {
  allOf: [
    ref("Rollout"),
    fields({ phases: { type: "array", items: fields({ phase: { type: "string" }, categories: { type: "array", items: { type: "string", enum: CATEGORIES } } }, ["phase", "categories"]) } }, ["phases"]),
  ],
};

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
    app.post("/partners", { schema: route("Create a partner", { body: "CreatePartner", status: 201, answer: ref("Partner"), problems: ["conflict"] }) }, async (request, reply) => reply.code(201).send(await createPartner(admin, request.body)));
    app.get("/partners", { schema: route("Every partner", { answer: list("partners", ref("Partner")) }) }, async () => ({ partners: await context.store.partners.list() }));
    app.get<{ Params: { id: string } }>("/partners/:id", { schema: route("One partner", { params: ["id"], answer: ref("Partner"), problems: ["not_found"] }) }, async (request) => requirePartner(context.store, request.params.id));
    app.patch<{ Params: { id: string } }>("/partners/:id", { schema: route("Update a partner (`origins`, `surfaces` and `limits` replace the whole list)", { params: ["id"], body: "UpdatePartner", answer: ref("Partner"), problems: ["not_found"] }) }, async (request) => updatePartner(admin, request.params.id, request.body));

    app.post<{ Params: { id: string } }>("/partners/:id/keys", { schema: route("Register a key the partner signs viewer and sharer passes with (ES256, EdDSA)", { params: ["id"], body: "PublicKeyBody", status: 201, answer: ref("KeyId"), problems: ["not_found"] }) }, async (request, reply) =>
      reply.code(201).send(await addPartnerKey(admin, request.params.id, request.body)),
    );
    app.get<{ Params: { id: string } }>("/partners/:id/keys", { schema: route("The partner's pass keys", { params: ["id"], answer: list("keys", ref("Jwk")), problems: ["not_found"] }) }, async (request) => {
      await requirePartner(context.store, request.params.id);
      return { keys: (await context.store.partners.keys(request.params.id)).map((key) => key.jwk) };
    });
    app.delete<{ Params: { id: string; kid: string } }>("/partners/:id/keys/:kid", { schema: route("Remove a pass key", { params: ["id", "kid"], status: 204, problems: ["not_found"] }) }, async (request, reply) => {
      await removePartnerKey(admin, request.params.id, request.params.kid);
      return reply.code(204).send();
    });

    app.get<{ Params: { id: string } }>("/partners/:id/sharers", { schema: route("The partner's sharer whitelist", { params: ["id"], answer: list("sharers", { type: "string" }), problems: ["not_found"] }) }, async (request) => {
      await requirePartner(context.store, request.params.id);
      return { sharers: await context.store.sharers.list(request.params.id) };
    });
    app.put<{ Params: { id: string; sharer: string } }>("/partners/:id/sharers/:sharer", { schema: route("Whitelist a sharer", { params: ["id", "sharer"], status: 204, problems: ["validation_failed", "not_found"] }) }, async (request, reply) => {
      await putSharer(admin, request.params.id, request.params.sharer);
      return reply.code(204).send();
    });
    app.delete<{ Params: { id: string; sharer: string } }>("/partners/:id/sharers/:sharer", { schema: route("Take a sharer off the whitelist", { params: ["id", "sharer"], status: 204, problems: ["not_found"] }) }, async (request, reply) => {
      await removeSharer(admin, request.params.id, request.params.sharer);
      return reply.code(204).send();
    });

    app.post("/brands", { schema: route("Create a brand; its API key is shown once", { body: "CreateBrand", status: 201, answer: { allOf: [ref("AdminBrand"), fields({ apiKey: { type: "string" } }, ["apiKey"])] }, problems: ["conflict"] }) }, async (request, reply) => {
      const { brand, apiKey } = await createBrand(admin, request.body);
      return reply.code(201).send({ ...brandView(brand), apiKey });
    });
    app.get("/brands", { schema: route("Every brand", { answer: list("brands", ref("AdminBrand")) }) }, async () => ({ brands: (await context.store.brands.list()).map(brandView) }));
    app.get<{ Params: { id: string } }>("/brands/:id", { schema: route("One brand", { params: ["id"], answer: ref("AdminBrand"), problems: ["not_found"] }) }, async (request) => brandView(await requireBrand(context.store, request.params.id)));
    app.patch<{ Params: { id: string } }>("/brands/:id", { schema: route("Update a brand", { params: ["id"], body: "UpdateBrand", answer: ref("AdminBrand"), problems: ["not_found"] }) }, async (request) => brandView(await updateBrand(admin, request.params.id, request.body)));
    app.post<{ Params: { id: string } }>("/brands/:id/api-key", { schema: route("Replace the brand's API key (the old one stops at once)", { params: ["id"], status: 201, answer: fields({ id: { type: "string" }, apiKey: { type: "string" } }, ["id", "apiKey"]), problems: ["not_found"] }) }, async (request, reply) =>
      reply.code(201).send({ id: request.params.id, apiKey: await rotateApiKey(admin, request.params.id) }),
    );
    app.post<{ Params: { id: string } }>("/brands/:id/keys", { schema: route("Register a public key for the brand's `private_key_jwt` assertions", { params: ["id"], body: "PublicKeyBody", status: 201, answer: ref("KeyId"), problems: ["not_found"] }) }, async (request, reply) =>
      reply.code(201).send(await addBrandKey(admin, request.params.id, request.body)),
    );
    app.get<{ Params: { id: string } }>("/brands/:id/keys", { schema: route("The brand's registered public keys", { params: ["id"], answer: list("keys", ref("Jwk")), problems: ["not_found"] }) }, async (request) => {
      await requireBrand(context.store, request.params.id);
      return { keys: (await context.store.brands.keys(request.params.id)).map((key) => key.jwk) };
    });

    app.get("/rollout", { schema: route("Opening dates by category, and the phases", { answer: ROLLOUT_ANSWER }) }, async () => ({ categories: await context.store.rollout.get(), phases: ROLLOUT_PHASES }));
    app.put("/rollout", { schema: route("Set opening dates", { body: "RolloutUpdate", answer: ref("Rollout") }) }, async (request) => ({ categories: await setRollout(admin, request.body) }));
    app.delete<{ Params: { category: string } }>("/rollout/:category", { schema: route("Close a category again", { params: ["category"], answer: ref("Rollout"), problems: ["not_found"] }) }, async (request) => {
      if (!(CATEGORIES as readonly string[]).includes(request.params.category)) {
        throw new Problem("not_found", `no category ${request.params.category}`);
      }
      return { categories: await closeCategory(admin, request.params.category) };
    });

    app.get("/signing-keys", { schema: route("The current signing key and the published ones", { answer: fields({ current: { type: "string" }, jwks: ref("JwkSet") }, ["current", "jwks"]) }) }, async () => ({ current: context.keys.current.kid, jwks: context.keys.jwks(context.now()) }));
    app.post("/signing-keys/rotate", { schema: route("Rotate the signing keys", { answer: ref("KeyId") }) }, async (request) => {
      const { kid } = await context.keys.rotate();
      request.log.info({ kid }, "signing key rotated");
      return { kid };
    });
  };
}
