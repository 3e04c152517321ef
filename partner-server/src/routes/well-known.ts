/** `/.well-known/jwks.json` and `/.well-known/minicard-configuration`: what verifiers discover. */

import type { FastifyPluginAsync } from "fastify";
import { ALGORITHMS } from "@minicard/sdk";
import type { AppContext } from "../context.js";

/** The discovery document. */
export function discovery(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    cards_endpoint: `${issuer}/v1/cards`,
    card_status_endpoint: `${issuer}/v1/cards/status`,
    oembed_endpoint: `${issuer}/oembed`,
    events_endpoint: `${issuer}/v1/events`,
    stats_endpoint: `${issuer}/v1/brands/me/stats`,
    trending_endpoint: `${issuer}/v1/trending`,
    embed_script: `${issuer}/embed.js`,
    algorithms: [...ALGORITHMS],
    token_type: "minicard+jwt",
    client_assertion_types: ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
  };
}

/** Routes of the key set and discovery document. */
export function wellKnownRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/.well-known/jwks.json", async (_request, reply) => {
      const jwks = context.keys.jwks(context.now());
      context.metrics.gauge("minicard_signing_keys", jwks.keys.length);
      reply.header("cache-control", "public, max-age=300").type("application/jwk-set+json; charset=utf-8");
      return jwks;
    });

    app.get("/.well-known/minicard-configuration", async (_request, reply) => {
      reply.header("cache-control", "public, max-age=3600");
      return discovery(context.config.issuer);
    });
  };
}
