/**
 * Card pages:
 * - `GET /c/:id`: the share landing page (Open Graph, Twitter Card, oEmbed discovery, the
 *   card, "Open in app", a QR code on desktop); 410 for a revoked or expired card, 404 for
 *   an unknown one. With `Accept: application/json`: `{ id, token, state }` for the widget's
 *   `src` attribute.
 * - `GET /e/:id`: the card alone, for iframes; `frame-ancestors` is the partner's origins.
 * - `GET /assets/…`: the pages' stylesheet, default share image and open script.
 *
 * Pages speak the card's language, else the reader's `Accept-Language` (`page-lang.ts`); an
 * answer the header decided says `Vary: Accept-Language`, and every page `Content-Language`.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import type { StoredCard } from "../domain/model.js";
import { body, cacheControl, fields, negotiated, problemResponses } from "../openapi.js";
import { Problem } from "../problems.js";
import { ASSETS, cardPageCsp, embedPage, gonePage, landingPage, openScript, unknownPage } from "../services/card-page.js";
import { pageLang, type PageLang } from "../services/page-lang.js";
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

/**
 * The language of a page about `card` (undefined: unknown), with `Content-Language`, and
 * `Accept-Language` added to `Vary` when the request's header decided it.
 */
function negotiate(request: FastifyRequest, reply: FastifyReply, card: StoredCard | undefined): PageLang {
  const { lang, fromHeader } = pageLang(card?.card, request.headers["accept-language"]);
  if (fromHeader) {
    const vary = reply.getHeader("vary");
    reply.header("vary", vary ? `${String(vary)}, Accept-Language` : "Accept-Language");
  }
  reply.header("content-language", lang);
  return lang;
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

function page(reply: FastifyReply, status: number, body: string, frame = "'none'", script = false) {
  return reply.code(status).header("content-security-policy", cardPageCsp(frame, script)).type("text/html; charset=utf-8").send(body);
}

/** The card-page routes. */
export function shareRoutes(context: AppContext): FastifyPluginAsync {
  const assets = new Map<string, { body: Buffer; type: string }>([
    [ASSETS.css, { body: readFileSync(`${PUBLIC_ASSETS}card-page.css`), type: "text/css; charset=utf-8" }],
    [ASSETS.ogImage, { body: readFileSync(`${PUBLIC_ASSETS}og-default.png`), type: "image/png" }],
    [openScript().path, { body: openScript().body, type: "text/javascript; charset=utf-8" }],
  ]);
  return async (app) => {
    app.get<{ Params: { id: string } }>("/c/:id", { config: { securityHeaders: "embeddable" }, schema: landingSchema }, async (request, reply) => {
      const id = request.params.id;
      const found = await findCard(context, id);
      reply.header("vary", "Accept").header("cache-control", "public, max-age=60");
      if (wantsJson(request.headers.accept)) {
        if (!found) throw new Problem("not_found", `no card ${id}`);
        const { card, state } = found;
        return reply.code(state === "active" ? 200 : 410).send(state === "active" ? { id, token: card.token, state } : { id, state });
      }
      const lang = negotiate(request, reply, found?.card);
      if (!found) return page(reply, 404, unknownPage(lang));
      if (found.state !== "active") return page(reply, 410, gonePage(found.state, lang));
      return page(reply, 200, landingPage(found.card, context.config.issuer, lang), "'none'", true);
    });

    // Framed and linked, never read by scripts of other origins: no CORS, unlike the other public documents.
    app.get<{ Params: { id: string } }>("/e/:id", { config: { cors: false, securityHeaders: "embeddable" }, schema: embedSchema }, async (request, reply) => {
      const found = await findCard(context, request.params.id);
      reply.header("cache-control", "public, max-age=60");
      const lang = negotiate(request, reply, found?.card);
      if (!found) return page(reply, 404, unknownPage(lang));
      const frame = await frameAncestors(context, found.card.partnerId);
      if (found.state !== "active") return page(reply, 410, gonePage(found.state, lang), frame);
      return page(reply, 200, embedPage(found.card, context.config.issuer, lang), frame);
    });

    app.get<{ Params: { file: string } }>("/assets/:file", { config: { cors: false, securityHeaders: "embeddable" }, schema: assetSchema }, async (request, reply) => {
      const path = `/assets/${request.params.file}`;
      const asset = assets.get(path);
      if (!asset) throw new Problem("not_found", `no asset ${request.params.file}`);
      // The open script's name carries its hash: a new script is a new name.
      const cache = path === openScript().path ? "public, max-age=31536000, immutable" : "public, max-age=86400";
      return reply.header("cache-control", cache).type(asset.type).send(asset.body);
    });
  };
}
