/**
 * Every route, in one plugin per audience. Each plugin sets its audience's policy — CORS,
 * credentials, abuse guards, and how `/openapi.json` shows them (`describeRoutes`: tag,
 * security scheme, or left out) — on the routes it registers, so the policy holds for every
 * spelling of their URLs that reaches them, and a route added to a plugin (or to a route file
 * it registers) inherits it. Route files hold routes only.
 */

import type { FastifyPluginAsync } from "fastify";
import { authenticateBrands } from "./auth/brand-auth.js";
import { authenticateAdmin } from "./auth/operator-auth.js";
import type { AppContext } from "./context.js";
import { allowCors, NO_CORS, OPEN_CORS, partnerCors } from "./cors.js";
import { describeRoutes, SECURITY, TAGS } from "./openapi.js";
import { adminRoutes } from "./routes/admin/index.js";
import { cardRoutes, statusRoutes } from "./routes/cards.js";
import { demoRoutes } from "./routes/demo.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { openApiRoutes } from "./routes/openapi.js";
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
    describeRoutes(app, { tag: TAGS.public });
    await app.register(wellKnownRoutes(context));
    await app.register(openApiRoutes());
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
    describeRoutes(app, { tag: TAGS.widget });
    await app.register(eventRoutes(context));
  };
}

/** The brand API: server to server (no CORS), every route behind the failed-credential guard and brand authentication. */
export function brandApi(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, NO_CORS);
    authenticateBrands(app, context);
    describeRoutes(app, { tag: TAGS.brand, security: SECURITY.brand });
    await app.register(cardRoutes(context));
    await app.register(statsRoutes(context));
  };
}

/** The operator's admin API (mount under `/v1/admin`): no CORS, every route behind the failed-credential guard and the admin token. */
export function adminApi(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, NO_CORS);
    authenticateAdmin(app, context);
    describeRoutes(app, { tag: TAGS.admin, security: SECURITY.admin });
    await app.register(adminRoutes(context));
  };
}

/** Operators: probes open to whoever reaches the port; `/metrics` takes its own token (`health.ts`). */
export function operations(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, NO_CORS);
    describeRoutes(app, { tag: TAGS.operations });
    await app.register(healthRoutes(context));
  };
}

/** The demo (`--demo`): same-origin pages and their JSON API, no CORS. Not part of the contract, so left out of `/openapi.json`. */
export function demo(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    allowCors(app, NO_CORS);
    describeRoutes(app, { hide: true });
    await app.register(demoRoutes(context));
  };
}

/** Every audience's plugin: public documents, the widget API, the brand API, admin, operators (health and metrics) and, with `--demo`, the demo. */
export function audiences(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    await app.register(publicDocuments(context));
    await app.register(widgetApi(context));
    await app.register(brandApi(context));
    await app.register(adminApi(context), { prefix: "/v1/admin" });
    await app.register(operations(context));
    if (context.config.demo) await app.register(demo(context));
  };
}
