/**
 * The operator's bearer tokens: `MINICARD_ADMIN_TOKEN` for the admin API and
 * `MINICARD_METRICS_TOKEN` for `/metrics`. Compared in constant time.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.js";
import { Problem } from "../problems.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** True when `authorization` is `Bearer <expected>` (the scheme in any case); hashing first makes the compared lengths equal. */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const match = /^Bearer (.+)$/i.exec(authorization ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), digest(expected));
}

/**
 * The admin API's authentication hook: the credential guard first, then the admin token; a
 * request without it gets 401 before its body is read.
 */
export function authenticateAdmin(app: FastifyInstance, context: Pick<AppContext, "credentialGuard" | "adminToken">): void {
  context.credentialGuard.protect(app, async (request) => {
    if (!bearerMatches(request.headers.authorization, context.adminToken)) {
      throw new Problem("unauthorized", "send Authorization: Bearer <admin token>", {
        headers: { "www-authenticate": 'Bearer realm="minicard-admin"' },
      });
    }
  });
}
