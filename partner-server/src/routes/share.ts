/**
 * Share links, `GET /c/:id`: the landing page people open from anywhere, and, with
 * `Accept: application/json`, `{ id, token, state }` for the widget's `src` attribute.
 */

import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { buildDeepLink } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { cardState, type CardState, type StoredCard } from "../domain/model.js";
import { html } from "../html.js";
import { Problem } from "../problems.js";

const CARD_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = accept.indexOf("application/json");
  const page = accept.indexOf("text/html");
  return json >= 0 && (page < 0 || json < page);
}

function landingPage(card: StoredCard, state: CardState, issuer: string) {
  const url = `${issuer}/c/${card.id}`;
  const { title, description, image, brand } = card.card;
  const link = state === "active" ? buildDeepLink(card.card.app) : undefined;
  return html`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${state === "active" ? `${title} · ${brand.name}` : "Card unavailable"}</title>
${state === "active"
  ? html`<meta property="og:title" content="${title}">
<meta property="og:type" content="website">
<meta property="og:url" content="${url}">
${description ? html`<meta property="og:description" content="${description}">` : ""}
${image ? html`<meta property="og:image" content="${image}">` : ""}
<meta name="twitter:card" content="${image ? "summary_large_image" : "summary"}">
<link rel="alternate" type="application/json+oembed" href="${issuer}/oembed?url=${encodeURIComponent(url)}&format=json" title="${title}">`
  : ""}
</head>
<body>
<main>
${state === "active"
  ? html`<h1>${title}</h1>
<p>${brand.name}</p>
${description ? html`<p>${description}</p>` : ""}
<p><a href="${link!.scheme}">Open in app</a> · <a href="${link!.web}">Open on the web</a></p>`
  : html`<h1>This card is no longer available</h1><p>It was ${state === "expired" ? "shared too long ago and has expired" : "withdrawn by its brand"}.</p>`}
</main>
</body>
</html>
`;
}

/** The share-link routes. */
export function shareRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string } }>("/c/:id", async (request, reply: FastifyReply) => {
      const id = request.params.id;
      const card = CARD_ID.test(id) ? await context.store.cards.get(id) : undefined;
      if (!card) throw new Problem("not_found", `no card ${id}`);
      const brand = await context.store.brands.get(card.brandId);
      const state = cardState({ expiresAt: card.expiresAt, revokedAt: card.revokedAt, brandStatus: brand?.status ?? "suspended" }, context.now());
      reply.header("vary", "Accept").header("cache-control", "public, max-age=60");
      if (wantsJson(request.headers.accept)) {
        return reply.code(state === "active" ? 200 : 410).send(state === "active" ? { id, token: card.token, state } : { id, state });
      }
      reply
        .code(state === "active" ? 200 : 410)
        .header("content-security-policy", "default-src 'none'; img-src https:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        .type("text/html; charset=utf-8");
      return landingPage(card, state, context.config.issuer).value;
    });
  };
}
