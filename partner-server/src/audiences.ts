/**
 * Every route, in one plugin per audience. Each plugin sets its audience's policy — CORS,
 * credentials, abuse guards — on the routes it registers, so the policy holds for every
 * spelling of their URLs that reaches them, and a route added to a plugin (or to a route file
 * it registers) inherits it. Route files hold routes only.
 */

import type { FastifyPluginAsync } from "fastify";
import { authenticateBrands } from "./auth/brand-auth.js";
import { authenticateAdmin } from "./auth/operator-auth.js";
import type { AppContext } from "./context.js";
import { allowCors, OPEN_CORS, partnerCors } from "./cors.js";
import { adminRoutes } from "./routes/admin/index.js";
import { cardRoutes, statusRoutes } from "./routes/cards.js";
import { demoRoutes } from "./routes/demo.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { oembedRoutes } from "./routes/oembed.js";
import { shareRoutes } from "./routes/share.js";
import { statsRoutes } from "./routes/stats.js";
import { trendingRoutes } from "./routes/trending.js";
import { wellKnownRoutes } from "./routes/well-known.js";
import { widgetRoutes } from "./routes/widget.js";

/**
 * What verifiers, unfurlers and any page read: any origin may read it (GET, HEAD), no
 * credentials. Card status is here too: a card's state is public, and revocation must reach
 * every page that shows the card, registered or not (the route guards itself: `routes/cards.ts`).
 */
export function publicDocuments(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, OPEN_CORS);
    await app.register(wellKnownRoutes(context));
    await app.register(statusRoutes(context));
    await app.register(shareRoutes(context));
    await app.register(oembedRoutes(context));
    await app.register(trendingRoutes(context));
    await app.register(widgetRoutes());
  };
}

/** What the widget sends from partner pages: beacons, with CORS for partner origins only, with credentials. The events route adds its own beacon guard. */
export function widgetApi(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, partnerCors(context.origins));
    await app.register(eventRoutes(context));
  };
}

/** The brand API: server to server (no CORS), every route behind the failed-credential guard and brand authentication. */
export function brandApi(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    authenticateBrands(app, context);
    await app.register(cardRoutes(context));
    await app.register(statsRoutes(context));
  };
}

/** The operator's admin API (mount under `/v1/admin`): no CORS, every route behind the failed-credential guard and the admin token. */
export function adminApi(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    authenticateAdmin(app, context);
    await app.register(adminRoutes(context));
  };
}

/** Every audience's plugin: public documents, the widget API, the brand API, admin, operators (health and metrics) and, with `--demo`, the demo. */
export function audiences(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    await app.register(publicDocuments(context));
    await app.register(widgetApi(context));
    await app.register(brandApi(context));
    await app.register(adminApi(context), { prefix: "/v1/admin" });
    // Operators: probes open to whoever reaches the port; /metrics takes its own token (health.ts).
    await app.register(healthRoutes(context));
    // Same-origin pages and their JSON API; no CORS.
    if (context.config.demo) await app.register(demoRoutes(context));
  };
}
