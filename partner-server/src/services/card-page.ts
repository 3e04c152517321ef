/**
 * The server-rendered card pages: the share landing page (`/c/:id`), the iframe page
 * (`/e/:id`) and the pages of a revoked or expired card (410) and an unknown one (404), each
 * in the language `page-lang.ts` picks (zh-CN or en), with its chrome from that file's table.
 * Unfurlers read the meta tags; people get the card, an "Open in <host>" button (its links
 * built from the card's `app` by the SDK's `buildDeepLink`, never a URL taken from the card),
 * the web hop, and on desktop a QR code of the web hop. The landing page's only script is the
 * static `/assets/card-open.<hash>.js` (Android `intent:`, iOS scheme then web hop); without
 * it the button is a plain link to the web hop. Every value goes through `html`, so card text
 * never becomes markup.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { appHost, buildDeepLink, type Card, type DeepLink, type HostProfile } from "@minicard/sdk";
import { encode } from "uqr";
import type { StoredCard } from "../domain/model.js";
import { html, type SafeHtml } from "../html.js";
import { PAGE_MESSAGES, hostName, type PageLang, type PageMessages } from "./page-lang.js";

/** Where the pages' stylesheet and default share image are served. */
export const ASSETS = { css: "/assets/card-page.css", ogImage: "/assets/og-default.png" } as const;
/** The default share image's size (`public/assets/og-default.png`). */
export const OG_DEFAULT_SIZE = { width: 1200, height: 630 } as const;
/** The size cover images are shown at (16:9), declared to unfurlers as the thumbnail size. */
export const COVER_SIZE = { width: 640, height: 360 } as const;

/**
 * The Content-Security-Policy of the card pages: styles from this server's files only, images
 * over https, no script at all; with `script` (the landing page, for its open script) scripts
 * from this server's files only: never inline, never eval.
 */
export function cardPageCsp(frameAncestors: string, script = false): string {
  return `default-src 'none';${script ? " script-src 'self';" : ""} img-src https: 'self' data:; style-src 'self'; frame-ancestors ${frameAncestors}; base-uri 'none'; form-action 'none'`;
}

/** The landing page's open script: its content-hashed path, SRI `integrity` and bytes. */
export interface PageScript {
  path: string;
  integrity: string;
  body: Buffer;
}

let openScriptFile: PageScript | undefined;

/**
 * The landing page's open script (`public/assets/card-open.js`), served as
 * `/assets/card-open.<hash>.js` (immutable) with an `integrity` the page names. Read once.
 */
export function openScript(): PageScript {
  if (openScriptFile) return openScriptFile;
  const body = readFileSync(new URL("../../public/assets/card-open.js", import.meta.url));
  const hash = createHash("sha256").update(body);
  const digest = hash.copy().digest("base64");
  return (openScriptFile = { path: `/assets/card-open.${hash.digest("hex").slice(0, 12)}.js`, integrity: `sha256-${digest}`, body });
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
function offer(card: Card, t: PageMessages): SafeHtml | string {
  if (card.kind === "product" && card.price) return html`<p class="price" data-price>${formatPrice(card.price)}</p>`;
  if (card.kind === "membership" && card.membership) {
    const { benefit, trialDays } = card.membership;
    return html`<p class="offer" data-membership><strong>${benefit}</strong> · ${t.membershipTerms(trialDays)}</p>`;
  }
  return "";
}

/**
 * The card's links, built by its host's profile; undefined when none can be built (a host
 * this build does not know, say from a newer instance): the page then shows the card without
 * actions rather than failing.
 */
function deepLink(card: Card, profile: HostProfile | undefined, landing: string): DeepLink | undefined {
  if (!profile) return undefined;
  try {
    return buildDeepLink(card.app, { host: profile, landing });
  } catch {
    return undefined;
  }
}

/**
 * The open button. On the landing page (`script`) its `href` is the no-JS fallback, the web
 * hop (the scheme for a host whose web fallback is this very page), and the open script takes
 * the `intent:` URL on Android and the scheme then the web hop on iOS from its `data-*`
 * attributes; elsewhere (the iframe page) it is the scheme.
 */
function openButton(link: DeepLink, options: { script: boolean; landing: string; label: string; target: SafeHtml | string }): SafeHtml {
  if (!options.script) return html`<a class="open" href="${link.scheme}"${options.target}>${options.label}</a>`;
  const selfHop = link.web === options.landing;
  return html`<a class="open" href="${selfHop ? link.scheme : link.web}" data-scheme="${link.scheme}" data-intent="${link.intent}"${selfHop ? "" : html` data-web="${link.web}"`}${options.target}>${options.label}</a>`;
}

/**
 * The card itself, with its open actions, built for the host the card names (`app.host`).
 * `target` is where links open (the iframe page opens the top window); `landing` is the
 * card's landing page, the web fallback of a host without an https hop (WeChat), where the
 * landing page itself (`qr`) shows no "Open on the web" link to itself.
 */
export function cardArticle(stored: StoredCard, options: { qr: boolean; target?: "_top" | "_blank"; landing: string; lang: PageLang }): SafeHtml {
  const card = stored.card;
  const t = PAGE_MESSAGES[options.lang];
  const profile = appHost(card.app);
  const link = deepLink(card, profile, options.landing);
  const host = profile ? hostName(profile, options.lang) : "";
  const target = options.target ? html` target="${options.target}" rel="noopener"` : "";
  const label = card.cta ?? (card.kind === "product" ? t.buyIn(host) : card.kind === "membership" ? t.joinNow : t.openIn(host));
  return html`<article class="card card-${stored.surface} kind-${card.kind}" aria-labelledby="card-title">
${card.image ? html`<img class="cover" src="${card.image}" alt="" width="${COVER_SIZE.width}" height="${COVER_SIZE.height}">` : ""}
<div class="body">
<p class="brand">${card.brand.logo ? html`<img class="logo" src="${card.brand.logo}" alt="" width="24" height="24">` : ""}<span>${card.brand.name}</span></p>
<h1 id="card-title">${card.title}</h1>
${card.description ? html`<p class="description">${card.description}</p>` : ""}
${offer(card, t)}
${link ? html`<p class="actions">${openButton(link, { script: options.qr, landing: options.landing, label, target })}${options.qr && link.web === options.landing ? "" : html` <a class="web" href="${link.web}"${target}>${t.openOnWeb}</a>`}</p>` : ""}
${options.qr && link ? html`<figure class="desktop-qr">${qrSvg(link.web, t.qrLabel(card.title, host))}<figcaption>${t.qrCaption(host)}</figcaption></figure>` : ""}
</div>
</article>`;
}

/** The document's opening, `<!doctype html>` and `<html lang>`. */
function opening(lang: PageLang): SafeHtml {
  return html`<!doctype html>
<html lang="${lang}">`;
}

function head(title: string, extra: SafeHtml | string): SafeHtml {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${ASSETS.css}">
${extra}`;
}

/**
 * `/c/:id` for a live card, in `lang`: Open Graph and Twitter Card meta, oEmbed discovery,
 * the card, and the open script.
 */
export function landingPage(stored: StoredCard, issuer: string, lang: PageLang): string {
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
<meta property="og:locale" content="${PAGE_MESSAGES[lang].ogLocale}">
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
<link rel="alternate" type="application/json+oembed" href="${oembed.href}" title="${card.title}">
<script src="${openScript().path}" integrity="${openScript().integrity}" defer></script>`;
  return html`${opening(lang)}
<head>
${head(`${card.title} · ${card.brand.name}`, meta)}
</head>
<body class="landing">
<main>
${cardArticle(stored, { qr: true, landing: url, lang })}
</main>
<footer><p>${PAGE_MESSAGES[lang].sharedWith(card.brand.name)}</p></footer>
</body>
</html>
`.value;
}

/** `/e/:id`: the card alone, for iframes, in `lang` (`issuer`: the server's public base URL, for the card's landing page). */
export function embedPage(stored: StoredCard, issuer: string, lang: PageLang): string {
  return html`${opening(lang)}
<head>
${head(stored.card.title, html`<meta name="robots" content="noindex">`)}
</head>
<body class="embed">
<main>
${cardArticle(stored, { qr: false, target: "_top", landing: `${issuer}/c/${stored.id}`, lang })}
</main>
</body>
</html>
`.value;
}

/** The page of a revoked or expired card (410), in `lang`. */
export function gonePage(state: "revoked" | "expired", lang: PageLang): string {
  const t = PAGE_MESSAGES[lang];
  return html`${opening(lang)}
<head>
${head(t.goneTitle, html`<meta name="robots" content="noindex">`)}
</head>
<body class="landing gone">
<main>
<h1>${t.goneHeading}</h1>
<p>${t.goneBody(state)}</p>
</main>
</body>
</html>
`.value;
}

/** The page of an unknown card (404), in `lang`. */
export function unknownPage(lang: PageLang): string {
  const t = PAGE_MESSAGES[lang];
  return html`${opening(lang)}
<head>
${head(t.unknownTitle, html`<meta name="robots" content="noindex">`)}
</head>
<body class="landing gone">
<main>
<h1>${t.unknownHeading}</h1>
<p>${t.unknownBody}</p>
</main>
</body>
</html>
`.value;
}
