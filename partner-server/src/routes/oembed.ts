/**
 * `GET /oembed?url=…&format=json[&maxwidth=&maxheight=&omit_iframe=1]`: oEmbed 1.0
 * (https://oembed.com) for share links. A `rich` response whose `html` is an iframe of
 * `/e/:id`, or with `omit_iframe=1` the widget script and element.
 *
 * The `url` is parsed, never fetched (no SSRF): it must be this issuer's `/c/:id` or
 * `/e/:id`; anything else, an unknown card and a revoked or expired one answer 404, as the
 * spec says for URLs the provider has no response for. `format=xml` answers 501.
 */

import type { FastifyPluginAsync } from "fastify";
import { isCardId, type Surface } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { html } from "../html.js";
import { body, cacheControl, fields, problemResponses } from "../openapi.js";
import { Problem, validationProblem } from "../problems.js";
import { shareImage } from "../services/card-page.js";
import { findCard } from "../services/find-card.js";

/** How long consumers may cache a response (seconds): short, because cards can be revoked. */
export const OEMBED_CACHE_AGE = 300;
/** The iframe's natural size per surface. */
export const OEMBED_SIZES: Record<Surface, { width: number; height: number }> = {
  dm: { width: 360, height: 180 },
  profile: { width: 420, height: 260 },
  feed: { width: 520, height: 540 },
};

function dimension(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 10_000) throw validationProblem([{ path: `query:${name}`, message: "must be a positive integer" }]);
  return number;
}

/** The card id a URL of this issuer names (`/c/:id` or `/e/:id`), or undefined. */
export function cardIdOf(raw: string, issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(issuer).origin || url.username || url.password) return undefined;
  const id = /^\/[ce]\/([^/]+)\/?$/.exec(url.pathname)?.[1];
  return id !== undefined && isCardId(id) ? id : undefined;
}

const dimensionField = (description: string) => ({ type: "integer", minimum: 1, maximum: 10_000, description });

/** `GET /oembed`, for `/openapi.json`. */
const oembedSchema = {
  summary: "oEmbed for a share link",
  description: "oEmbed 1.0 `rich`: an iframe of `/e/{id}`, or with `omit_iframe=1` the widget script and element. The `url` is parsed, never fetched.",
  querystring: fields(
    {
      url: { type: "string", description: "A share link of this server (`/c/{id}` or `/e/{id}`)." },
      format: { type: "string", enum: ["json"], description: "Only `json` (`xml` answers 501)." },
      maxwidth: dimensionField("Scale the natural size down to fit."),
      maxheight: dimensionField("Scale the natural size down to fit."),
      omit_iframe: { type: "string", enum: ["1", "true"], description: "The script and element instead of an iframe." },
    },
    ["url"],
  ),
  response: {
    200: body(
      "The oEmbed response.",
      fields(
        {
          type: { type: "string", const: "rich" },
          version: { type: "string", const: "1.0" },
          title: { type: "string" },
          author_name: { type: "string" },
          provider_name: { type: "string" },
          provider_url: { type: "string", format: "uri" },
          cache_age: { type: "integer" },
          html: { type: "string" },
          width: { type: "integer" },
          height: { type: "integer" },
          thumbnail_url: { type: "string", format: "uri" },
          thumbnail_width: { type: "integer" },
          thumbnail_height: { type: "integer" },
        },
        ["type", "version", "html", "width", "height"],
      ),
      { headers: cacheControl(`public, max-age=${OEMBED_CACHE_AGE}`) },
    ),
    ...problemResponses("validation_failed", "not_found", "not_implemented"),
  },
};

/** The oEmbed route. */
export function oembedRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get("/oembed", { schema: oembedSchema }, async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      if (query.format !== undefined && query.format !== "json") throw new Problem("not_implemented", `format ${query.format} is not supported: use json`);
      if (!query.url) throw validationProblem([{ path: "query:url", message: "is required: a share link of this server" }]);
      const maxwidth = dimension("maxwidth", query.maxwidth);
      const maxheight = dimension("maxheight", query.maxheight);
      const issuer = context.config.issuer;
      const id = cardIdOf(query.url, issuer);
      const found = id ? await findCard(context, id) : undefined;
      if (!found) throw new Problem("not_found", "no card at this URL on this server");
      if (found.state !== "active") throw new Problem("not_found", `the card is ${found.state}`);
      const { card } = found;

      // Scale the natural size down to fit maxwidth and maxheight, keeping its proportions.
      const natural = OEMBED_SIZES[card.surface];
      const scale = Math.min(1, (maxwidth ?? Infinity) / natural.width, (maxheight ?? Infinity) / natural.height);
      const width = Math.max(1, Math.floor(natural.width * scale));
      const height = Math.max(1, Math.floor(natural.height * scale));
      const page = new URL(`/e/${card.id}`, issuer).href;
      const share = new URL(`/c/${card.id}`, issuer).href;
      const markup =
        query.omit_iframe === "1" || query.omit_iframe === "true"
          ? html`<script src="${new URL("/embed.js", issuer).href}" async></script><mini-program-card src="${share}" surface="${card.surface}" partner="${card.partnerId}"></mini-program-card>`
          : html`<iframe src="${page}" width="${width}" height="${height}" title="${card.card.title}" loading="lazy" style="border:0" referrerpolicy="strict-origin-when-cross-origin"></iframe>`;
      const thumbnail = shareImage(card.card, issuer);
      const thumbScale = Math.min(1, (maxwidth ?? Infinity) / thumbnail.width, (maxheight ?? Infinity) / thumbnail.height);
      reply.header("cache-control", `public, max-age=${OEMBED_CACHE_AGE}`);
      return {
        type: "rich",
        version: "1.0",
        title: card.card.title,
        author_name: card.card.brand.name,
        provider_name: "Minicard",
        provider_url: new URL("/", issuer).href,
        cache_age: OEMBED_CACHE_AGE,
        html: markup.value,
        width,
        height,
        thumbnail_url: thumbnail.url,
        thumbnail_width: Math.max(1, Math.floor(thumbnail.width * thumbScale)),
        thumbnail_height: Math.max(1, Math.floor(thumbnail.height * thumbScale)),
      };
    });
  };
}
