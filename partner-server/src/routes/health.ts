/** Liveness, readiness and metrics for operators. */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";

/** `/healthz` (the process answers), `/readyz` (storage answers; limits reported), `/metrics`. */
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

    app.get("/metrics", async (_request, reply) => {
      reply.header("cache-control", "no-store").type("text/plain; version=0.0.4; charset=utf-8");
      return context.metrics.render();
    });
  };
}
