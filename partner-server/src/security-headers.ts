/**
 * The security headers every answer carries, as `@fastify/helmet` options: one set for the
 * whole app (the API, problems, health) and one a route group opts into with its route
 * option `helmet` (pages and files other sites embed or load).
 *
 * Helmet writes its headers when a request arrives; a route that sets its own
 * `Content-Security-Policy` (card pages, the demo's pages) replaces the default one, which
 * is how embeddable pages keep their own `frame-ancestors`.
 */

import type { FastifyHelmetOptions } from "@fastify/helmet";

/** The Content-Security-Policy of every answer that does not set its own: nothing may load, nothing may frame it. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** `Strict-Transport-Security`, sent only when the client used HTTPS (see `app.ts`). */
export const HSTS = "max-age=31536000; includeSubDomains";

/** Helmet's options for the whole app. */
export const appHeaders: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: "strict-origin-when-cross-origin" },
  // Helmet would send HSTS on plain HTTP too; app.ts sends it only to clients on HTTPS.
  strictTransportSecurity: false,
  // Every answer carries a CSP `frame-ancestors`, which browsers obey instead. X-Frame-Options
  // cannot name a partner's origins, so on `/e/:id` it could only contradict the CSP.
  xFrameOptions: false,
};

/**
 * Route option `helmet` for what other sites embed or load: the widget's files, the card
 * pages (`/c/:id`, `/e/:id`) and their assets. Their resources may be loaded from any
 * origin (`Cross-Origin-Resource-Policy: cross-origin`: a partner page's `<script>` and
 * `<img>` are no-cors loads); the pages set their own CSP with their own `frame-ancestors`.
 */
export const embeddableHeaders = {
  crossOriginResourcePolicy: { policy: "cross-origin" },
} as const satisfies FastifyHelmetOptions;
