/** `/.well-known/jwks.json` and `/.well-known/minicard-configuration`: what verifiers discover. */

import type { FastifyPluginAsync } from "fastify";
import { ALGORITHMS } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { body, cacheControl, problemResponses, ref } from "../openapi.js";

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

/** `GET /.well-known/minicard-configuration`'s answer, for `/openapi.json`. */
const discoverySchema = {
  type: "object",
  properties: {
    ...Object.fromEntries(
      ["issuer", "jwks_uri", "cards_endpoint", "card_status_endpoint", "oembed_endpoint", "events_endpoint", "stats_endpoint", "trending_endpoint", "embed_script"].map((name) => [name, { type: "string", format: "uri" }]),
    ),
    algorithms: { type: "array", items: { type: "string", enum: ALGORITHMS } },
    token_type: { type: "string", const: "minicard+jwt" },
    client_assertion_types: { type: "array", items: { type: "string" } },
  },
  required: ["issuer", "jwks_uri", "algorithms"],
};

/** `GET /.well-known/jwks.json`, for `/openapi.json`. */
const jwksSchema = {
  summary: "The keys cards are signed with",
  description: "Current, next, and retired keys until their last card expires.",
  response: { 200: body("The key set.", ref("JwkSet"), { types: ["application/jwk-set+json"], headers: cacheControl("public, max-age=300") }), ...problemResponses() },
};

/** `GET /.well-known/minicard-configuration`, for `/openapi.json`. */
const configurationSchema = {
  summary: "Discovery",
  description: "The issuer, its endpoints and algorithms.",
  response: { 200: body("The discovery document.", discoverySchema, { headers: cacheControl("public, max-age=3600") }), ...problemResponses() },
};

/** Routes of the key set and discovery document. */
export function wellKnownRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/.well-known/jwks.json", { schema: jwksSchema }, async (_request, reply) => {
      const jwks = context.keys.jwks(context.now());
      context.metrics.gauge("minicard_signing_keys", jwks.keys.length);
      reply.header("cache-control", "public, max-age=300").type("application/jwk-set+json; charset=utf-8");
      return jwks;
    });

    app.get("/.well-known/minicard-configuration", { schema: configurationSchema }, async (_request, reply) => {
      reply.header("cache-control", "public, max-age=3600");
      return discovery(context.config.issuer);
    });
  };
}
