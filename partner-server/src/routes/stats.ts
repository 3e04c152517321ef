/**
 * `GET /v1/brands/me/stats?from=&to=`: the authenticated brand's impressions, clicks, CTR,
 * UV by card, surface and day over a range, and its traffic-exchange ledger
 * (see `services/brand-stats.ts` and docs/growth.md).
 */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { AUTH_PROBLEMS, body, cacheControl, fields, problemResponses, ref } from "../openapi.js";
import { brandStats, resolveRange } from "../services/brand-stats.js";

const bound = (which: string) => ({
  type: "string",
  description: `A date (\`2026-11-24\`: ${which}), an ISO 8601 time or epoch milliseconds; rounded to whole UTC hours.`,
});

/** `GET /v1/brands/me/stats`, for `/openapi.json`. */
const statsSchema = {
  summary: "The brand's statistics and traffic-exchange ledger",
  description: "Impressions, clicks, CTR and UV by card, surface and day, every event by quality, and the ledger. The default range is the last 30 UTC days; at most 366.",
  querystring: fields({ from: bound("from its start"), to: bound("to its end, inclusive") }),
  response: {
    200: body("The statistics.", ref("BrandStats"), { headers: cacheControl("private, no-store") }),
    ...problemResponses(...AUTH_PROBLEMS, "validation_failed"),
  },
};

/** The stats route. */
export function statsRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/v1/brands/me/stats", { schema: statsSchema }, async (request, reply) => {
      const brand = request.brand!;
      const query = request.query as { from?: string; to?: string };
      const range = resolveRange(query, context.now());
      reply.header("cache-control", "private, no-store");
      return brandStats(context.store, brand.id, range, context.config.exchangeRatio);
    });
  };
}
