/**
 * `GET /v1/brands/me/stats?from=&to=`: the authenticated brand's impressions, clicks, CTR,
 * UV by card, surface and day over a range, and its traffic-exchange ledger
 * (see `services/brand-stats.ts` and docs/growth.md).
 */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { brandStats, resolveRange } from "../services/brand-stats.js";

/** The stats route. */
export function statsRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/v1/brands/me/stats", async (request, reply) => {
      const brand = request.brand!;
      const query = request.query as { from?: string; to?: string };
      const range = resolveRange(query, context.now());
      reply.header("cache-control", "private, no-store");
      return brandStats(context.store, brand.id, range, context.config.exchangeRatio);
    });
  };
}
