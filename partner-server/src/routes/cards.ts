/**
 * Cards: issue (`POST /v1/cards`), read, list and revoke (the owning brand), and the batch
 * status endpoint the widget asks at first render and then polls, so revocation reaches
 * rendered cards on any page within a minute.
 */

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { MAX_STATUS_IDS, isCardId, type CardStatus } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { cardState } from "../domain/model.js";
import { STATUS_PER_CLIENT } from "../limits/abuse.js";
import { clientOf } from "../limits/client.js";
import { AUTH_PROBLEMS, body, cacheControl, empty, fields, header, problemResponses, ref } from "../openapi.js";
import { Problem, validationProblem } from "../problems.js";
import { cardView } from "../services/card-view.js";
import { issueCard, type Issuance } from "../services/issue-card.js";

const cardIdParam = fields({ id: { type: "string", description: "The card id." } }, ["id"]);

/** `POST /v1/cards`, for `/openapi.json` (the body is validated by the SDK's `validateCardInput`). */
const issueSchema = {
  summary: "Issue a card",
  description: "Checks, in this order: credentials, the body, the whitelist and rollout, the partner, the `Idempotency-Key`, then the limits; signs the card and stores it before answering. See docs/errors.md.",
  headers: fields({
    "Idempotency-Key": header("Makes a retry safe: the same key and body within 24 h replays the first answer (`Idempotent-Replayed: true`).", { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" }),
  }),
  body: ref("CardInput"),
  response: {
    201: body("The card, signed and stored.", ref("IssuedCard"), {
      headers: {
        Location: header("`/v1/cards/<id>`."),
        "RateLimit-Policy": header("The partner's limits that applied (IETF RateLimit headers)."),
        RateLimit: header("The tightest limit's remaining quota and reset."),
        "Idempotent-Replayed": header("`true` on a replay of an earlier answer.", { type: "string", enum: ["true"] }),
      },
    }),
    ...problemResponses(
      ...AUTH_PROBLEMS,
      "validation_failed",
      "malformed_json",
      "unsupported_media_type",
      "payload_too_large",
      "brand_suspended",
      "brand_not_whitelisted",
      "category_not_open",
      "app_not_owned",
      "surface_not_allowed",
      "sharer_not_attested",
      "sharer_not_whitelisted",
      "partner_unknown",
      "idempotency_key_reused",
      "idempotency_in_progress",
      "rate_limited",
      "limits_unavailable",
      "store_unavailable",
    ),
  },
};

/** `GET /v1/cards`. */
const listSchema = {
  summary: "The brand's cards, newest first",
  querystring: fields({
    limit: { type: "integer", minimum: 1, maximum: 200, default: 50, description: "How many." },
    before: { type: "string", description: "A card id: the page after it (the previous answer's `next`)." },
  }),
  response: {
    200: body("A page of cards.", fields({ cards: { type: "array", items: ref("CardRecord") }, next: { anyOf: [ref("CardId"), { type: "null" }], description: "The `before` of the next page; null on the last." } }, ["cards", "next"])),
    ...problemResponses(...AUTH_PROBLEMS, "validation_failed"),
  },
};

/** `GET /v1/cards/:id`. */
const readSchema = {
  summary: "One of the brand's cards and its state",
  params: cardIdParam,
  response: { 200: body("The card.", ref("CardRecord")), ...problemResponses(...AUTH_PROBLEMS, "not_found") },
};

/** `DELETE /v1/cards/:id`. */
const revokeSchema = {
  summary: "Revoke a card",
  description: "Every page that shows it reads it as revoked within a minute.",
  params: cardIdParam,
  response: { 204: empty("Revoked."), ...problemResponses(...AUTH_PROBLEMS, "not_found") },
};

/** `GET /v1/brands/me`. */
const brandSchema = { summary: "The authenticated brand", response: { 200: body("The brand.", ref("Brand")), ...problemResponses(...AUTH_PROBLEMS) } };

/** `GET /v1/cards/status`: public, CORS open. */
const statusSchema = {
  summary: "The state of cards",
  description: "For the widget: open to every origin, no credentials; 300 requests a minute per client.",
  querystring: fields({ ids: { type: "string", description: "Card ids separated by commas, at most 100." } }, ["ids"]),
  response: {
    200: body("`{ <id>: state }`; `unknown` for ids never issued.", { type: "object", additionalProperties: { type: "string", enum: ["active", "revoked", "expired", "unknown"] } }, { headers: cacheControl("public, max-age=60") }),
    ...problemResponses("validation_failed", "too_many_ids", "rate_limited"),
  },
};

/** The answer to an issuance: 201 with the card, its `Location`, the limits' `RateLimit` headers, and `Idempotent-Replayed` on a replay. */
function sendIssuance(reply: FastifyReply, issuance: Issuance) {
  reply.code(201).header("location", `/v1/cards/${issuance.card.id}`);
  if (issuance.limits.policy) reply.header("ratelimit-policy", issuance.limits.policy);
  if (issuance.limits.state) reply.header("ratelimit", issuance.limits.state);
  if (issuance.kind === "replayed") reply.header("idempotent-replayed", "true");
  return reply.send(issuance.card);
}

/** The brand's card routes (the brand API authenticates and guards them: `audiences.ts`). */
export function cardRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    const ownCard = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const card = isCardId(request.params.id) ? await context.store.cards.get(request.params.id) : undefined;
      // Another brand's card is "not found" too: ids are not secrets, but ownership is not public.
      if (!card || card.brandId !== request.brand!.id) throw new Problem("not_found", `no card ${request.params.id}`);
      return card;
    };

    // Issuance latency by outcome, from the request's arrival to its answer (auth and limits included).
    const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const seconds = reply.elapsedTime / 1000;
      if (reply.statusCode >= 400) {
        context.metrics.observe("minicard_issuance_duration_seconds", seconds, { outcome: "refused", code: request.problemCode ?? String(reply.statusCode) });
      } else {
        context.metrics.observe("minicard_issuance_duration_seconds", seconds, { outcome: reply.getHeader("idempotent-replayed") === undefined ? "issued" : "replayed" });
      }
      done();
    };

    app.post("/v1/cards", { schema: issueSchema, onResponse }, async (request, reply) => {
      const key = request.headers["idempotency-key"];
      try {
        const issuance = await issueCard(
          { store: context.store, limiter: context.limiter, keys: context.keys, passes: context.traffic.passes, issuer: context.config.issuer, now: context.now },
          request.brand!,
          request.body,
          Array.isArray(key) ? key.join(",") : key,
        );
        if (issuance.kind === "issued") {
          context.metrics.count("minicard_cards_issued_total", { surface: (request.body as { surface: string }).surface });
          request.log.info({ card: issuance.card.id, brand: request.brand!.id }, "card issued");
        }
        return sendIssuance(reply, issuance);
      } catch (error) {
        if (error instanceof Problem) context.metrics.count("minicard_issuance_refused_total", { code: error.code });
        throw error;
      }
    });

    app.get("/v1/cards", { schema: listSchema }, async (request) => {
      const query = request.query as { limit?: string; before?: string };
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        throw validationProblem([{ path: "query:limit", message: "must be an integer from 1 to 200" }]);
      }
      if (query.before !== undefined && !isCardId(query.before)) {
        throw validationProblem([{ path: "query:before", message: "must be a card id" }]);
      }
      const now = context.now();
      const cards = await context.store.cards.listByBrand(request.brand!.id, { limit, ...(query.before ? { before: query.before } : {}) });
      return {
        cards: cards.map((card) => cardView(card, request.brand!, context.config.issuer, now)),
        next: cards.length === limit ? cards[cards.length - 1]!.id : null,
      };
    });

    app.get<{ Params: { id: string } }>("/v1/cards/:id", { schema: readSchema }, async (request) => {
      const card = await ownCard(request);
      return cardView(card, request.brand!, context.config.issuer, context.now());
    });

    app.delete<{ Params: { id: string } }>("/v1/cards/:id", { schema: revokeSchema }, async (request, reply) => {
      const card = await ownCard(request);
      await context.store.cards.revoke(card.id, request.brand!.id, context.now());
      request.log.info({ card: card.id, brand: request.brand!.id }, "card revoked");
      return reply.code(204).send();
    });

    app.get("/v1/brands/me", { schema: brandSchema }, async (request) => {
      const { id, name, category, apps, surfaces, status, invited, whitelisted, logo } = request.brand!;
      return { id, name, category, apps, surfaces, status, invited, whitelisted, ...(logo ? { logo } : {}) };
    });
  };
}

/**
 * The public status endpoint the widget asks when its cards first render, then polls. Open to
 * every origin without credentials (`publicDocuments` in `audiences.ts`): a card's state is
 * public, and it answers nothing else (`{ <id>: state }`, `"unknown"` for ids it does not
 * know). The route owns its guards: at most `MAX_STATUS_IDS` ids a request, and
 * `STATUS_PER_CLIENT` requests per client a minute.
 */
export function statusRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    const asks = context.counters("status", STATUS_PER_CLIENT.max, STATUS_PER_CLIENT.windowSeconds);
    app.addHook("onRequest", async (request) => {
      const wait = await asks.take(clientOf(request.ip), context.now());
      if (wait > 0) {
        context.metrics.count("minicard_abuse_refused_total", { guard: "status" });
        throw new Problem("rate_limited", `too many status requests from this client; retry in ${wait} s`, {
          headers: { "retry-after": String(wait) },
          extra: { retryAfter: wait },
        });
      }
    });

    app.get("/v1/cards/status", { schema: statusSchema }, async (request, reply) => {
      const raw = (request.query as { ids?: string | string[] }).ids;
      const ids = [...new Set((Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",").filter(Boolean))];
      if (ids.length === 0) throw validationProblem([{ path: "query:ids", message: "is required: card ids separated by commas" }]);
      if (ids.length > MAX_STATUS_IDS) throw new Problem("too_many_ids", `ask about at most ${MAX_STATUS_IDS} ids at once`);
      const now = context.now();
      const rows = await context.store.cards.statuses(ids.filter(isCardId));
      const states: Record<string, CardStatus> = Object.fromEntries(ids.map((id) => [id, "unknown"]));
      for (const row of rows) states[row.id] = cardState(row, now);
      reply.header("cache-control", "public, max-age=60");
      return states;
    });
  };
}
