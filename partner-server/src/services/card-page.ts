/**
 * The server-rendered card pages: the share landing page (`/c/:id`), the iframe page
 * (`/e/:id`) and the page shown for a revoked or expired card. No script at all: unfurlers
 * read the meta tags, people get the card, an "Open in app" link (the host scheme built from
 * the card's `app`, never a URL taken from the card), the web hop, and on desktop a QR code
 * of the web hop. Every value goes through `html`, so card text never becomes markup.
 */

import { buildDeepLink, type Card } from "@minicard/sdk";
import { encode } from "uqr";
import type { StoredCard } from "../domain/model.js";
import { html, type SafeHtml } from "../html.js";

/** Where the pages' stylesheet and default share image are served. */
export const ASSETS = { css: "/assets/card-page.css", ogImage: "/assets/og-default.png" } as const;
/** The default share image's size (`public/assets/og-default.png`). */
export const OG_DEFAULT_SIZE = { width: 1200, height: 630 } as const;
/** The size cover images are shown at (16:9), declared to unfurlers as the thumbnail size. */
export const COVER_SIZE = { width: 640, height: 360 } as const;

/** The Content-Security-Policy of the card pages: no script, styles from this server only. */
export function cardPageCsp(frameAncestors: string): string {
  return `default-src 'none'; img-src https: 'self' data:; style-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'none'`;
}

/** A price as people read it: `¥29.90`, or `29.90 USD`. */
export function formatPrice(price: NonNullable<Card["price"]>): string {
  return price.currency === "CNY" ? `¥${price.amount}` : `${price.amount} ${price.currency}`;
}

/** The share image of a card: its cover, else the server's default image. */
export function shareImage(card: Card, issuer: string): { url: string; width: number; height: number } {
  if (card.image) return { url: card.image, ...COVER_SIZE };
  return { url: `${issuer}${ASSETS.ogImage}`, ...OG_DEFAULT_SIZE };
}

/** The QR code of `text` as SVG paths (no styles, no script). */
function qrSvg(text: string, label: string): SafeHtml {
  const { data } = encode(text, { ecc: "M", border: 2 });
  let d = "";
  data.forEach((row, y) => row.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)));
  const size = data.length;
  return html`<svg class="qr" role="img" aria-label="${label}" viewBox="0 0 ${size} ${size}" width="176" height="176" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}

/** The offer line of a product or membership card. */
function offer(card: Card): SafeHtml | string {
  if (card.kind === "product" && card.price) return html`<p class="price" data-price>${formatPrice(card.price)}</p>`;
  if (card.kind === "membership" && card.membership) {
    const { benefit, trialDays } = card.membership;
    return html`<p class="offer" data-membership><strong>${benefit}</strong> · Join now, enjoy it first, pay when the ${trialDays}-day period ends</p>`;
  }
  return "";
}

/**
 * The card itself, with its open actions, built for the host the card names (`app.host`).
 * `target` is where links open (the iframe page opens the top window); `landing` is the
 * card's landing page, the web fallback of a host without an https hop (WeChat), where the
 * landing page itself (`qr`) shows no "Open on the web" link to itself.
 */
export function cardArticle(stored: StoredCard, options: { qr: boolean; target?: "_top" | "_blank"; landing: string }): SafeHtml {
  const card = stored.card;
  const link = buildDeepLink(card.app, { landing: options.landing });
  const target = options.target ? html` target="${options.target}" rel="noopener"` : "";
  const label = card.cta ?? (card.kind === "product" ? "Buy in app" : card.kind === "membership" ? "Join now" : "Open in app");
  return html`<article class="card card-${stored.surface} kind-${card.kind}" aria-labelledby="card-title">
${card.image ? html`<img class="cover" src="${card.image}" alt="" width="${COVER_SIZE.width}" height="${COVER_SIZE.height}">` : ""}
<div class="body">
<p class="brand">${card.brand.logo ? html`<img class="logo" src="${card.brand.logo}" alt="" width="24" height="24">` : ""}<span>${card.brand.name}</span></p>
<h1 id="card-title">${card.title}</h1>
${card.description ? html`<p class="description">${card.description}</p>` : ""}
${offer(card)}
<p class="actions"><a class="open" href="${link.scheme}"${target}>${label}</a>${options.qr && link.web === options.landing ? "" : html` <a class="web" href="${link.web}"${target}>Open on the web</a>`}</p>
${options.qr ? html`<figure class="desktop-qr">${qrSvg(link.web, `QR code to open ${card.title} in the app`)}<figcaption>On a computer? Scan with the app to open it on your phone.</figcaption></figure>` : ""}
</div>
</article>`;
}

function head(title: string, extra: SafeHtml | string): SafeHtml {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${ASSETS.css}">
${extra}`;
}

/** `/c/:id` for a live card: Open Graph and Twitter Card meta, oEmbed discovery, the card. */
export function landingPage(stored: StoredCard, issuer: string): string {
  const card = stored.card;
  const url = `${issuer}/c/${stored.id}`;
  const image = shareImage(card, issuer);
  const oembed = new URL("/oembed", issuer);
  oembed.searchParams.set("url", url);
  oembed.searchParams.set("format", "json");
  const description = card.description ?? (card.price ? formatPrice(card.price) : card.membership?.benefit ?? card.brand.name);
  const meta = html`<meta name="description" content="${description}">
<link rel="canonical" href="${url}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="Minicard">
<meta property="og:title" content="${card.title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${url}">
<meta property="og:image" content="${image.url}">
<meta property="og:image:width" content="${image.width}">
<meta property="og:image:height" content="${image.height}">
<meta property="og:image:alt" content="${card.title}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="${card.title}">
<meta name="twitter:description" content="${description}">
<meta name="twitter:image" content="${image.url}">
<link rel="alternate" type="application/json+oembed" href="${oembed.href}" title="${card.title}">`;
  return html`<!doctype html>
<html lang="en">
<head>
${head(`${card.title} · ${card.brand.name}`, meta)}
</head>
<body class="landing">
<main>
${cardArticle(stored, { qr: true, landing: url })}
</main>
<footer><p>Shared with Minicard · ${card.brand.name}</p></footer>
</body>
</html>
`.value;
}

/** `/e/:id`: the card alone, for iframes (`issuer`: the server's public base URL, for the card's landing page). */
export function embedPage(stored: StoredCard, issuer: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
${head(stored.card.title, html`<meta name="robots" content="noindex">`)}
</head>
<body class="embed">
<main>
${cardArticle(stored, { qr: false, target: "_top", landing: `${issuer}/c/${stored.id}` })}
</main>
</body>
</html>
`.value;
}

/** The page of a revoked or expired card (410). */
export function gonePage(state: "revoked" | "expired"): string {
  return html`<!doctype html>
<html lang="en">
<head>
${head("Card unavailable", html`<meta name="robots" content="noindex">`)}
</head>
<body class="landing gone">
<main>
<h1>This card is no longer available</h1>
<p>${state === "expired" ? "It was shared too long ago and has expired." : "Its brand has withdrawn it."} Ask the person who shared it for a new link.</p>
</main>
</body>
</html>
`.value;
}

/** The page of an unknown card (404). */
export function unknownPage(): string {
  return html`<!doctype html>
<html lang="en">
<head>
${head("Card not found", html`<meta name="robots" content="noindex">`)}
</head>
<body class="landing gone">
<main>
<h1>Card not found</h1>
<p>There is no card at this address. Check the link you followed.</p>
</main>
</body>
</html>
`.value;
}
