/** Liveness, readiness and metrics for operators. */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { Problem } from "../problems.js";
import { bearerMatches } from "../auth/operator-auth.js";

/**
 * `/healthz` (the process answers), `/readyz` (storage answers; limits reported), `/metrics`
 * (Prometheus; only with `Authorization: Bearer <MINICARD_METRICS_TOKEN>`, and not served at all
 * without that setting: label values name partners and routes, which are not public).
 */
export function healthRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/healthz", async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return { status: "ok" };
    });

    app.get("/readyz", async (_request, reply) => {
      reply.header("cache-control", "no-store");
      const checks = await Promise.all([
        context.store.ping().then(
          () => ["store", "ok"] as const,
          () => ["store", "unavailable"] as const,
        ),
        context.limiter.ping().then(
          () => ["limits", "ok"] as const,
          () => ["limits", "unavailable"] as const,
        ),
      ]);
      // Ready means the store answers. Limits being away stops issuance only (503
      // limits_unavailable, fail closed); reads, JWKS and landing pages still work, so a
      // balancer must keep sending traffic: they are reported, not required.
      const ready = checks.every(([name, state]) => name === "limits" || state === "ok");
      reply.code(ready ? 200 : 503);
      return { status: ready ? "ready" : "unavailable", checks: Object.fromEntries(checks) };
    });

    // Its own scope: the bearer check and the failed-credential guard hold for this route only.
    await app.register(async (scope) => {
      context.credentialGuard.protect(scope);
      scope.addHook("onRequest", async (request) => {
        const token = context.config.metricsToken;
        if (token === undefined) throw new Problem("not_found", "metrics are served only when MINICARD_METRICS_TOKEN is set");
        if (!bearerMatches(request.headers.authorization, token)) {
          throw new Problem("unauthorized", "send Authorization: Bearer <MINICARD_METRICS_TOKEN>", {
            headers: { "www-authenticate": 'Bearer realm="minicard-metrics"' },
          });
        }
      });
      scope.get("/metrics", async (_request, reply) => {
        reply.header("cache-control", "no-store").type(context.metrics.contentType);
        return context.metrics.render();
      });
    });
  };
}
