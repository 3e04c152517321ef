/** Liveness, readiness and metrics for operators. */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { body, cacheControl, problemResponses, SECURITY } from "../openapi.js";
import { Problem } from "../problems.js";
import { bearerMatches } from "../auth/operator-auth.js";

const checkState = { type: "string", enum: ["ok", "unavailable"] };
const readiness = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ready", "unavailable"] },
    checks: { type: "object", properties: { store: checkState, limits: checkState }, required: ["store", "limits"] },
  },
  required: ["status", "checks"],
};

/** The operator routes' schemas, for `/openapi.json`. */
const healthSchema = {
  summary: "Liveness",
  response: { 200: body("The process answers.", { type: "object", properties: { status: { type: "string", const: "ok" } }, required: ["status"] }, { headers: cacheControl("no-store") }), ...problemResponses() },
};
const readySchema = {
  summary: "Readiness",
  description: "Ready when the store answers; limits being away is reported, not required (issuance fails closed on its own).",
  response: { 200: body("Ready.", readiness), 503: body("The store does not answer.", readiness), ...problemResponses() },
};
const metricsSchema = {
  summary: "Prometheus metrics",
  description: "Served only when `MINICARD_METRICS_TOKEN` is set (404 otherwise): its label values name partners and routes.",
  security: SECURITY.metrics,
  response: { 200: body("Prometheus text format.", { type: "string" }, { types: ["text/plain"] }), ...problemResponses("unauthorized", "too_many_auth_failures", "not_found") },
};

/**
 * `/healthz` (the process answers), `/readyz` (storage answers; limits reported), `/metrics`
 * (Prometheus; only with `Authorization: Bearer <MINICARD_METRICS_TOKEN>`, and not served at all
 * without that setting: label values name partners and routes, which are not public).
 */
export function healthRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/healthz", { schema: healthSchema }, async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return { status: "ok" };
    });

    app.get("/readyz", { schema: readySchema }, async (_request, reply) => {
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
      context.credentialGuard.protect(scope, async (request) => {
        const token = context.config.metricsToken;
        if (token === undefined) throw new Problem("not_found", "metrics are served only when MINICARD_METRICS_TOKEN is set");
        if (!bearerMatches(request.headers.authorization, token)) {
          throw new Problem("unauthorized", "send Authorization: Bearer <MINICARD_METRICS_TOKEN>", {
            headers: { "www-authenticate": 'Bearer realm="minicard-metrics"' },
          });
        }
      });
      scope.get("/metrics", { schema: metricsSchema }, async (_request, reply) => {
        reply.header("cache-control", "no-store").type(context.metrics.contentType);
        return context.metrics.render();
      });
    });
  };
}
