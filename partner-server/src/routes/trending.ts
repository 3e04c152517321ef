/**
 * `GET /v1/trending?partner=&surface=&limit=`: the hot list (see `services/trending.ts`),
 * open to any origin and cacheable for 30 seconds. The request reads the partner's current
 * list, recomputed in the background every few seconds: it costs about a static document.
 * Each entry carries the card's token, so `<mini-program-trending>` renders verified cards
 * without another request, and a placement (valid 10 minutes) that its trending impressions
 * send back to be counted as paid exposure.
 */

import type { FastifyPluginAsync } from "fastify";
import { SURFACES, type Surface } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { Problem, validationProblem } from "../problems.js";
import { HALF_LIFE_MS } from "../domain/counting.js";
import { MAX_TRENDING } from "../services/trending.js";

/** The hot-list route. */
export function trendingRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/v1/trending", async (request, reply) => {
      const query = request.query as { partner?: string; surface?: string; limit?: string };
      const errors = [];
      if (!query.partner || !/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(query.partner)) errors.push({ path: "query:partner", message: "is required: a partner id" });
      if (query.surface !== undefined && !SURFACES.includes(query.surface as Surface)) errors.push({ path: "query:surface", message: "must be dm, profile or feed" });
      const limit = query.limit === undefined ? 10 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRENDING) errors.push({ path: "query:limit", message: `must be an integer from 1 to ${MAX_TRENDING}` });
      if (errors.length > 0) throw validationProblem(errors);
      const partner = await context.store.partners.get(query.partner!);
      if (!partner) throw new Problem("not_found", `no partner ${query.partner}`);
      const now = context.now();
      const list = await context.trending.read(partner.id, query.surface as Surface | undefined);
      const entries = list.entries.slice(0, limit);
      reply.header("cache-control", "public, max-age=30");
      return {
        partner: partner.id,
        ...(query.surface ? { surface: query.surface } : {}),
        generatedAt: new Date(list.generatedAt).toISOString(),
        halfLifeSeconds: HALF_LIFE_MS / 1000,
        cards: entries.map(({ card, score }, index) => ({
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
          placement: context.traffic.placements.mint({ card: card.id, partner: partner.id, surface: card.surface }, now),
        })),
      };
    });
  };
}
