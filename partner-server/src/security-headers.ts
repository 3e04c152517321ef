/**
 * The security headers every answer carries: one set for the whole app (the API, problems,
 * health) and one for what other sites embed or load, which a route opts into with its route
 * config `securityHeaders: "embeddable"`. `helmet` writes them.
 *
 * The headers are written when a request arrives; a route that sets its own
 * `Content-Security-Policy` (card pages, the demo's pages) replaces the default one, which
 * is how embeddable pages keep their own `frame-ancestors`.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
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
 * The headers helmet writes with `options`, read once: its middleware is run against a
 * response that only records them (helmet's options here have no per-request values, such as
 * CSP nonces, so every answer gets the same ones).
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let outcome: { error?: unknown } | undefined;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => void (outcome = { error }));
  if (outcome === undefined) throw new Error("helmet did not write its headers at once");
  if (outcome.error !== undefined) throw outcome.error;
  return Object.freeze(headers);
}

/**
 * Writes the security headers on every answer of `app` (call it before registering routes),
 * and the request's id as `X-Request-Id`.
 *
 * Each set is computed by helmet once, here; a request only copies it onto its response.
 * (Running helmet's middleware per request builds the same CSP string again and goes through
 * its chain of middlewares: more than half of its cost. The Fastify plugin `@fastify/helmet`
 * also builds a new middleware for every request.)
 */
export function securityHeaders(app: FastifyInstance): void {
  const sets = { app: Object.entries(helmetHeaders(appHeaders)), embeddable: Object.entries(helmetHeaders(embeddableHeaders)) };
  app.addHook("onRequest", (request, reply, done) => {
    // On the raw response, as helmet writes them: a route's own header (Fastify's `reply.header`,
    // or a static file's `setHeaders`) still replaces one of them.
    const { raw } = reply;
    for (const [name, value] of request.routeOptions.config.securityHeaders === "embeddable" ? sets.embeddable : sets.app) {
      raw.setHeader(name, value);
    }
    raw.setHeader("x-request-id", request.id);
    done();
  });
}
