/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document, generated from the route schemas
 * (`openapi.ts`). Public like the JWKS (its audience, `publicDocuments`, opens CORS): any
 * developer's tool may read it. It changes only with a deploy, so it is built once per process
 * and cacheable for an hour, like the discovery document.
 */

import type { FastifyPluginAsync } from "fastify";
import { body, cacheControl, problemResponses } from "../openapi.js";

/** The document's route. */
export function openApiRoutes(): FastifyPluginAsync {
  return async (app) => {
    let document: string | undefined;
    app.get(
      "/openapi.json",
      {
        schema: {
          summary: "This document",
          description: "The API's OpenAPI 3.1 document, generated from the routes' schemas.",
          response: {
            200: body("The OpenAPI document.", { type: "object", required: ["openapi", "info", "paths"] }, { headers: cacheControl("public, max-age=3600") }),
            ...problemResponses(),
          },
        },
      },
      async (_request, reply) => {
        document ??= JSON.stringify(app.swagger());
        return reply.header("cache-control", "public, max-age=3600").type("application/json; charset=utf-8").send(document);
      },
    );
  };
}
