/**
 * `GET /v1/trending?partner=&surface=&limit=`: the hot list (see `services/trending.ts`),
 * open to any origin and cacheable for 30 seconds. The request reads the partner's current
 * list, recomputed in the background every few seconds: it costs about a static document.
 * Each entry carries the card's token, so `<mini-program-trending>` renders verified cards
 * without another request, and a placement (valid 10 minutes) that its trending impressions
 * send back to be counted as paid exposure.
 *
 * The answer is public and cacheable for 30 seconds, so viewers behind one shared cache get the
 * same placements anyway: the route serializes each list once per limit and serves that text
 * for up to {@link SERVED_FOR_MS}, or until the board has a newer list. A placement still pays
 * once per viewer (the store's debit key), whoever else was shown it.
 */

import type { FastifyPluginAsync } from "fastify";
import { SURFACES, type Surface } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { Problem, validationProblem } from "../problems.js";
import { HALF_LIFE_MS } from "../domain/counting.js";
import { MAX_TRENDING, type TrendingList } from "../services/trending.js";
import { body, cacheControl, fields, problemResponses, ref } from "../openapi.js";

/** `GET /v1/trending`, for `/openapi.json`. */
const trendingSchema = {
  summary: "A partner's hot list",
  description:
    "Live cards ranked by decayed credited engagement (Σ weight · 2^(−age/6 h)), of brands with an exposure balance. Recomputed every few seconds; each entry's `placement` (valid 10 minutes) is sent back with its `trending` impressions.",
  querystring: fields(
    {
      partner: { type: "string", description: "The partner's id." },
      surface: { type: "string", enum: SURFACES, description: "Only this surface's cards." },
      limit: { type: "integer", minimum: 1, maximum: MAX_TRENDING, default: 10 },
    },
    ["partner"],
  ),
  response: {
    200: body(
      "The hot list.",
      fields(
        {
          partner: { type: "string" },
          surface: { type: "string", enum: SURFACES },
          generatedAt: { type: "string", format: "date-time" },
          halfLifeSeconds: { type: "integer" },
          cards: {
            type: "array",
            items: fields(
              {
                rank: { type: "integer", minimum: 1 },
                id: ref("CardId"),
                token: { type: "string", description: "The signed card." },
                surface: { type: "string", enum: SURFACES },
                kind: { type: "string" },
                brand: { type: "string" },
                title: { type: "string" },
                url: { type: "string", format: "uri" },
                score: { type: "number" },
                placement: { type: "string", description: "The proof of this paid slot, for the entry's `trending` impressions." },
              },
              ["rank", "id", "token", "surface", "kind", "brand", "title", "url", "score", "placement"],
            ),
          },
        },
        ["partner", "generatedAt", "halfLifeSeconds", "cards"],
      ),
      { headers: cacheControl("public, max-age=30") },
    ),
    ...problemResponses("validation_failed", "not_found"),
  },
};

/** How long one serialized answer (with its placements, valid 10 minutes) is served again. */
export const SERVED_FOR_MS = 5_000;

/** The hot-list route. */
export function trendingRoutes(context: AppContext): FastifyPluginAsync {
  /** Serialized answers per list and limit; a list the board has replaced is collected with its answers. */
  const answers = new WeakMap<TrendingList, Map<number, { body: string; until: number }>>();

  /** The answer's document: the first `limit` entries of `list`, each with a fresh placement. */
  const hotList = (partner: string, surface: string | undefined, list: TrendingList, limit: number, now: number) => ({
    partner,
    ...(surface ? { surface } : {}),
    generatedAt: new Date(list.generatedAt).toISOString(),
    halfLifeSeconds: HALF_LIFE_MS / 1000,
    cards: list.entries.slice(0, limit).map(({ card, score }, index) => ({
      rank: index + 1,
      id: card.id,
      token: card.token,
      surface: card.surface,
      kind: card.kind,
      brand: card.brandId,
      title: card.card.title,
      url: `${context.config.issuer}/c/${card.id}`,
      score: Math.round(score * 1e6) / 1e6,
      // The proof that this card was shown in a paid slot, for its impressions' beacons.
      placement: context.traffic.placements.mint({ card: card.id, partner, surface: card.surface }, now),
    })),
  });

  return async (app) => {
    app.get("/v1/trending", { schema: trendingSchema }, async (request, reply) => {
      const query = request.query as { partner?: string; surface?: string; limit?: string };
      const errors = [];
      if (!query.partner || !/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(query.partner)) errors.push({ path: "query:partner", message: "is required: a partner id" });
      if (query.surface !== undefined && !SURFACES.includes(query.surface as Surface)) errors.push({ path: "query:surface", message: "must be dm, profile or feed" });
      const limit = query.limit === undefined ? 10 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRENDING) errors.push({ path: "query:limit", message: `must be an integer from 1 to ${MAX_TRENDING}` });
      if (errors.length > 0) throw validationProblem(errors);
      const partner = await context.store.partners.get(query.partner!);
      if (!partner) throw new Problem("not_found", `no partner ${query.partner}`);
      const list = await context.trending.read(partner.id, query.surface as Surface | undefined);
      const now = context.now();
      const byLimit = answers.get(list) ?? new Map<number, { body: string; until: number }>();
      answers.set(list, byLimit);
      let answer = byLimit.get(limit);
      if (!answer || answer.until <= now) {
        answer = { body: JSON.stringify(hotList(partner.id, query.surface, list, limit, now)), until: now + SERVED_FOR_MS };
        byLimit.set(limit, answer);
      }
      return reply.header("cache-control", "public, max-age=30").type("application/json; charset=utf-8").send(answer.body);
    });
  };
}
