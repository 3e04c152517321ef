/**
 * Who may call a route from a browser on another origin. `@fastify/cors` is registered once
 * (`app.ts`) and grants nothing by itself: it owns the catch-all `OPTIONS` route, so it cannot
 * be registered by two scopes. Each audience's plugin sets its own policy on the routes it
 * holds with {@link allowCors}; the policy then holds for every spelling of their URLs that
 * reaches them (`/v1/events/`, `/v1/%65vents`), and a route added to the plugin inherits it.
 */

import type { FastifyCorsOptions } from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import type { OriginIndex } from "./context.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route's CORS policy (read by `@fastify/cors`); `false` or absent: none. */
    cors?: FastifyCorsOptions | false;
  }
}

/** Public documents: any origin may read them, without credentials. */
export const OPEN_CORS: FastifyCorsOptions = { origin: "*", methods: ["GET", "HEAD", "OPTIONS"], maxAge: 86_400 };

/** The widget's calls: a partner's web origins only, with credentials. */
export function partnerCors(origins: OriginIndex): FastifyCorsOptions {
  return {
    origin: async (origin: string | undefined) => {
      if (!origin) return false;
      const partners = await origins.partnersOf(origin).catch(() => []);
      return partners.length > 0 ? origin : false;
    },
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type"],
    credentials: true,
    maxAge: 600,
  };
}

/**
 * Server to server, or same-origin pages: no other origin may call the routes. Said outright
 * rather than left unset, so `@fastify/cors` leaves their requests at once instead of first
 * building the default policy and finding that it grants nothing.
 */
export const NO_CORS = false;

/**
 * Gives every route `scope` registers from now on the CORS `policy` (a route's own
 * `config.cors` wins: `false` keeps one route same-origin), and, unless the policy is
 * {@link NO_CORS}, an `OPTIONS` route of the same URL so its preflights are answered with that
 * policy. Call it before registering the routes. Preflights the policy refuses, and those of
 * routes without CORS, end in the 404 handler.
 */
export function allowCors(scope: FastifyInstance, policy: FastifyCorsOptions | typeof NO_CORS): void {
  const preflighted = new Set<string>();
  scope.addHook("onRoute", (route) => {
    const cors = route.config?.cors ?? policy;
    route.config = { ...route.config, cors };
    const methods = [route.method].flat();
    if (cors === false || methods.includes("OPTIONS") || preflighted.has(route.url)) return;
    preflighted.add(route.url);
    // The root's `@fastify/cors` hook answers a granted preflight before this handler runs.
    scope.options(route.url.slice(scope.prefix.length), { config: { cors } }, (_request, reply) => reply.callNotFound());
  });
}
