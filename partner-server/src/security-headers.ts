/**
 * The security headers every answer carries: one set for the whole app (the API, problems,
 * health) and one for what other sites embed or load, which a route opts into with its route
 * config `securityHeaders: "embeddable"`. `helmet` writes them.
 *
 * The headers are written when a request arrives; a route that sets its own
 * `Content-Security-Policy` (card pages, the demo's pages) replaces the default one, which
 * is how embeddable pages keep their own `frame-ancestors`.
 */

import helmet, { type HelmetOptions } from "helmet";
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** `"embeddable"`: other sites load or frame this route's answers ({@link embeddableHeaders}). */
    securityHeaders?: "embeddable";
  }
}

/** The Content-Security-Policy of every answer that does not set its own: nothing may load, nothing may frame it. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** `Strict-Transport-Security`, sent only when the client used HTTPS (see `app.ts`). */
export const HSTS = "max-age=31536000; includeSubDomains";

/** Helmet's options for the whole app. */
export const appHeaders: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: "strict-origin-when-cross-origin" },
  // Helmet would send HSTS on plain HTTP too; app.ts sends it only to clients on HTTPS.
  strictTransportSecurity: false,
  // Every answer carries a CSP `frame-ancestors`, which browsers obey instead. X-Frame-Options
  // cannot name a partner's origins, so on `/e/:id` it could only contradict the CSP.
  xFrameOptions: false,
};

/**
 * Helmet's options for what other sites embed or load: the widget's files, the card pages
 * (`/c/:id`, `/e/:id`) and their assets. Their resources may be loaded from any origin
 * (`Cross-Origin-Resource-Policy: cross-origin`: a partner page's `<script>` and `<img>` are
 * no-cors loads); the pages set their own CSP with their own `frame-ancestors`.
 */
export const embeddableHeaders: HelmetOptions = { ...appHeaders, crossOriginResourcePolicy: { policy: "cross-origin" } };

/**
 * Writes the security headers on every answer of `app` (call it before registering routes).
 *
 * Each set's helmet middleware is built once, here, and only run per request. (The Fastify
 * plugin `@fastify/helmet` builds a new one for every request, parsing the CSP directives
 * again: on the issuance path that cost as much CPU as the route's own code.)
 */
export function securityHeaders(app: FastifyInstance): void {
  const sets = { app: helmet(appHeaders), embeddable: helmet(embeddableHeaders) };
  app.addHook("onRequest", (request, reply, done) => {
    const set = request.routeOptions.config.securityHeaders === "embeddable" ? sets.embeddable : sets.app;
    // Helmet calls `next()` with nothing once its headers are set (it throws on a bad option).
    set(request.raw, reply.raw, done as (error?: unknown) => void);
  });
}
