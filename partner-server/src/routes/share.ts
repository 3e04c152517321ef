/**
 * Card pages:
 * - `GET /c/:id`: the share landing page (Open Graph, Twitter Card, oEmbed discovery, the
 *   card, "Open in app", a QR code on desktop); 410 for a revoked or expired card, 404 for
 *   an unknown one. With `Accept: application/json`: `{ id, token, state }` for the widget's
 *   `src` attribute.
 * - `GET /e/:id`: the card alone, for iframes; `frame-ancestors` is the partner's origins.
 * - `GET /assets/…`: the pages' stylesheet and default share image.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { AppContext } from "../context.js";
import { body, cacheControl, fields, negotiated, problemResponses } from "../openapi.js";
import { Problem } from "../problems.js";
import { embeddableHeaders } from "../security-headers.js";
import { ASSETS, cardPageCsp, embedPage, gonePage, landingPage, unknownPage } from "../services/card-page.js";
import { findCard } from "../services/find-card.js";

const PUBLIC_ASSETS = fileURLToPath(new URL("../../public/assets/", import.meta.url));

function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = accept.indexOf("application/json");
  const page = accept.indexOf("text/html");
  return json >= 0 && (page < 0 || json < page);
}

/** The `frame-ancestors` source list of a partner's iframe pages: its web origins, or `'none'`. */
export async function frameAncestors(context: AppContext, partnerId: string): Promise<string> {
  const partner = await context.store.partners.get(partnerId);
  const origins = (partner?.origins ?? []).flatMap((origin) => {
    try {
      const parsed = new URL(origin);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? [parsed.origin] : [];
    } catch {
      return [];
    }
  });
  return origins.length > 0 ? origins.join(" ") : "'none'";
}

const html = { type: "string", description: "An HTML page." };
const idParam = fields({ id: { type: "string", description: "The card id." } }, ["id"]);

const json = (properties: Record<string, unknown>) => fields(properties, Object.keys(properties));

/** `GET /c/:id`, for `/openapi.json`: a page for browsers and unfurlers, JSON for the widget. */
const landingSchema = {
  summary: "A card's share link",
  description:
    "The landing page (Open Graph, Twitter Card, oEmbed discovery, the card, Open in app, a QR code on desktop), or with `Accept: application/json` the card's token for the widget's `src` attribute.",
  params: idParam,
  response: {
    200: negotiated(
      "The card: a page, or `{ id, token, state }`.",
      { "text/html": html, "application/json": json({ id: { type: "string" }, token: { type: "string" }, state: { type: "string", const: "active" } }) },
      cacheControl("public, max-age=60"),
    ),
    410: negotiated("The card is revoked or expired: a page, or `{ id, state }` (no token).", {
      "text/html": html,
      "application/json": json({ id: { type: "string" }, state: { type: "string", enum: ["revoked", "expired"] } }),
    }),
    404: negotiated("No such card: a page, or a problem.", { "text/html": html, "application/problem+json": { $ref: "Problem#" } }),
    ...problemResponses(),
  },
};

/** `GET /e/:id`, for `/openapi.json`. */
const embedSchema = {
  summary: "A card alone, for iframes",
  description: "`frame-ancestors` is the card's partner's origins. No CORS.",
  params: idParam,
  response: {
    200: body("The card.", html, { types: ["text/html"], headers: cacheControl("public, max-age=60") }),
    404: body("No such card.", html, { types: ["text/html"] }),
    410: body("The card is revoked or expired.", html, { types: ["text/html"] }),
    ...problemResponses(),
  },
};

/** `GET /assets/:file`, for `/openapi.json`. */
const assetSchema = {
  summary: "The landing pages' assets",
  params: fields({ file: { type: "string" } }, ["file"]),
  response: {
    200: body("The file.", { type: "string" }, { types: ["text/css", "image/png", "text/javascript"] }),
    ...problemResponses("not_found"),
  },
};

function page(reply: FastifyReply, status: number, body: string, frame = "'none'") {
  return reply.code(status).header("content-security-policy", cardPageCsp(frame)).type("text/html; charset=utf-8").send(body);
}

/** The card-page routes. */
export function shareRoutes(context: AppContext): FastifyPluginAsync {
  const assets = new Map<string, { body: Buffer; type: string }>([
    [ASSETS.css, { body: readFileSync(`${PUBLIC_ASSETS}card-page.css`), type: "text/css; charset=utf-8" }],
    [ASSETS.ogImage, { body: readFileSync(`${PUBLIC_ASSETS}og-default.png`), type: "image/png" }],
  ]);
  return async (app) => {
    app.get<{ Params: { id: string } }>("/c/:id", { helmet: embeddableHeaders, schema: landingSchema }, async (request, reply) => {
      const id = request.params.id;
      const found = await findCard(context, id);
      reply.header("vary", "Accept").header("cache-control", "public, max-age=60");
      if (wantsJson(request.headers.accept)) {
        if (!found) throw new Problem("not_found", `no card ${id}`);
        const { card, state } = found;
        return reply.code(state === "active" ? 200 : 410).send(state === "active" ? { id, token: card.token, state } : { id, state });
      }
      if (!found) return page(reply, 404, unknownPage());
      if (found.state !== "active") return page(reply, 410, gonePage(found.state));
      return page(reply, 200, landingPage(found.card, context.config.issuer));
    });

    // Framed and linked, never read by scripts of other origins: no CORS, unlike the other public documents.
    app.get<{ Params: { id: string } }>("/e/:id", { helmet: embeddableHeaders, config: { cors: false }, schema: embedSchema }, async (request, reply) => {
      const found = await findCard(context, request.params.id);
      reply.header("cache-control", "public, max-age=60");
      if (!found) return page(reply, 404, unknownPage());
      const frame = await frameAncestors(context, found.card.partnerId);
      if (found.state !== "active") return page(reply, 410, gonePage(found.state), frame);
      return page(reply, 200, embedPage(found.card, context.config.issuer), frame);
    });

    app.get<{ Params: { file: string } }>("/assets/:file", { helmet: embeddableHeaders, config: { cors: false }, schema: assetSchema }, async (request, reply) => {
      const asset = assets.get(`/assets/${request.params.file}`);
      if (!asset) throw new Problem("not_found", `no asset ${request.params.file}`);
      return reply.header("cache-control", "public, max-age=86400").type(asset.type).send(asset.body);
    });
  };
}
