/**
 * The demo partner app (`/demo/`, only with `--demo`): static pages of a Weibo-like partner
 * (a DM thread, a profile, a feed, the brand's share page and console) and the small JSON
 * API they call. That API stands in for two backends a real deployment has: the partner's
 * (which stores the tokens of cards its users posted) and the demo brand's (which holds the
 * brand's API key and calls `POST /v1/cards`). Browsers never see an API key.
 */

import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { extname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { randomBytes } from "node:crypto";
import { SURFACES, createPassMinter, type PassMinter, type Surface } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { DEMO_BRAND, DEMO_PARTNER, readDemoCredentials } from "../demo/seed.js";
import { appRegistration, type StoredCard } from "../domain/model.js";
import { Problem, validationProblem } from "../problems.js";
import { issueCard } from "../services/issue-card.js";
import { brandStats, resolveRange } from "../services/brand-stats.js";
import { cardView } from "../services/card-view.js";
import { html, type SafeHtml } from "../html.js";

/**
 * `GET /` with the demo: where `npm start`'s banner points first, a page of links to the demo
 * app's pages and to what a partner or brand reads (the JWKS, discovery, the widget script,
 * the hot list, health). Plain HTML under the app's default CSP: no script, no style.
 */
export function demoIndexPage(): SafeHtml {
  const link = (href: string, text: string, note: string) => html`<li><a href="${href}">${text}</a> — ${note}</li>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Minicard partner server (demo)</title>
</head>
<body>
<h1>Minicard partner server</h1>
<p>Running with the demo: the partner <code>${DEMO_PARTNER}</code> and the brand <code>${DEMO_BRAND}</code>, whose API key the terminal printed.</p>
<h2>The demo partner app</h2>
<ul>
${link("/demo/", "Feed", "200+ live cards and the hot list")}
${link("/demo/chat.html", "Chat", "cards in a group DM")}
${link("/demo/profile.html", "Profile", "a sharer's cards")}
${link("/demo/share.html", "Share a card", "the demo brand shares a card, or sees why it was refused")}
${link("/demo/console.html", "Brand console", "impressions, clicks, UV and the traffic-exchange ledger")}
</ul>
<h2>For partners and brands</h2>
<ul>
${link("/.well-known/jwks.json", "JWKS", "the keys cards are signed with")}
${link("/.well-known/minicard-configuration", "Discovery document", "the issuer and its endpoints")}
${link("/embed.js", "embed.js", "the widget script partner pages load")}
${link(`/v1/trending?partner=${DEMO_PARTNER}`, "Hot list", "the demo partner's trending cards")}
${link("/healthz", "Health", "liveness")}
</ul>
<p>The API, the CLI and a five-minute walk-through: the repository's README.md.</p>
</body>
</html>
`;
}

/** Where the demo's static pages live. */
export const DEMO_PUBLIC_DIR = fileURLToPath(new URL("../../public/demo/", import.meta.url));

/** What a feed post shows around its card (`feedPost` of the pages' `js/posts.js`). */
interface FeedPost {
  label: string;
  name: string;
  avatar: { initial: string; tone: string };
  meta: string;
  text: string;
  counts: string[];
}

/**
 * The pages' own post helpers, so the posts the server sends and those the feed's script
 * adds look the same: one module, plain data, no DOM.
 */
const { feedPost } = (await import(pathToFileURL(join(DEMO_PUBLIC_DIR, "js/posts.js")).href)) as {
  feedPost: (sharer: string | null | undefined, issuedAt: string, index: number, now?: number) => FeedPost;
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".json": "application/json; charset=utf-8",
  ".ico": "image/x-icon",
};

/** The demo pages' Content-Security-Policy: strict, as a partner would set it. */
export const DEMO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'";

/**
 * The CSP the demo pages are served with: {@link DEMO_CSP}, plus the issuer's origin for
 * scripts and fetches when the page is opened on another name of this server (127.0.0.1
 * rather than localhost): the widget talks to the issuer, as it does on a real partner's site.
 */
export function demoCsp(issuer: string): string {
  const origin = new URL(issuer).origin;
  return DEMO_CSP.replace("script-src 'self'", `script-src 'self' ${origin}`).replace("connect-src 'self'", `connect-src 'self' ${origin}`);
}

/**
 * A page's path below `/demo/`: names of letters, digits, `_` and `-`, ending in a file
 * extension. `@fastify/static` keeps every read inside the folder whatever the path; this
 * turns what it would refuse (`..`, dotfiles, escapes) into the same 404 as a missing page.
 */
const DEMO_FILE = /^(?:[\w-]+\/)*[\w-]+\.\w+$/;

/** How many posts the feed page carries as it is sent: a first screenful at every width. */
export const FEED_FIRST_SCREEN = 4;

/** Where, in the feed page's `index.html`, the server puts the first screenful of posts. */
const FIRST_SCREEN_MARK = "<!--first-screen-->";
/** Where, in its head, the server puts the preload of the issuer's keys. */
const KEYS_PRELOAD_MARK = "<!--keys-preload-->";

/**
 * Fetches the issuer's JWKS alongside embed.js rather than after it has run: the widget's own
 * request for the keys (credentials "same-origin") takes this preload's answer.
 */
export function keysPreload(issuer: string): SafeHtml {
  return html`<link rel="preload" as="fetch" crossorigin href="${new URL("/.well-known/jwks.json", issuer).href}">`;
}

/**
 * The first screenful of the feed, as the partner's server sends it: each card in its post,
 * dressed as the feed's script dresses the rest (who shared it and when, their words, the
 * counts), its `<mini-program-card>` with its token. The widget verifies and paints the first
 * cards as soon as embed.js runs, and the page's script has nothing to change on the first
 * screen: it appends the rest of the feed after the first card has painted. Every value is
 * escaped by `html`.
 */
export function firstScreenPosts(cards: readonly StoredCard[], issuer: string, now = Date.now()): SafeHtml {
  return html`${cards.map((card, index) => {
    const post = feedPost(card.sharer, new Date(card.issuedAt).toISOString(), index, now);
    return html`<article class="post" aria-label="${post.label}"><header><span class="avatar ${post.avatar.tone}" aria-hidden="true">${post.avatar.initial}</span><div class="who"><span class="name">${post.name}</span><span class="meta">${post.meta}</span></div></header><p class="text">${post.text}</p><mini-program-card token="${card.token}" surface="${card.surface}" partner="${card.partnerId}" issuer="${issuer}" data-card-id="${card.id}"></mini-program-card><footer aria-hidden="true">${post.counts.map((count) => html`<span>${count}</span>`)}</footer></article>`;
  })}`;
}

/** The cookie that keeps a demo reader "signed in" (a random id: the demo has no accounts). */
const READER_COOKIE = "minicard_demo_reader";
const READER_IN_COOKIE = new RegExp(`(?:^|;\\s*)${READER_COOKIE}=(r_[A-Za-z0-9_-]{16})(?:;|$)`);

/** The demo routes. */
export function demoRoutes(context: AppContext, publicDir = DEMO_PUBLIC_DIR): FastifyPluginAsync {
  let passes: PassMinter | undefined;
  return async (app) => {
    // `reply.sendFile` only: the routes below choose what is served. A page's headers are set
    // once the file is found, so a 404 carries the app's defaults, not a page's CSP.
    await app.register(fastifyStatic, {
      serve: false,
      setHeaders: (response, path) => {
        response.setHeader("cache-control", "no-cache");
        if (path.endsWith(".html")) response.setHeader("content-security-policy", demoCsp(context.config.issuer));
      },
    });

    // The partner's backend: each signed-in reader gets a viewer pass for its pages, so the
    // visits it brings a brand are credited. The reader id never leaves this backend: the
    // pass carries its pseudonym.
    app.get("/demo/api/session", async (request, reply) => {
      if (!passes) {
        // The pass key is read once, on the first sign-in.
        const passKey = readDemoCredentials(context.config.dataDir)?.passKey;
        if (!passKey) throw new Problem("not_found", "the demo is not seeded: start with --demo");
        passes = createPassMinter({
          partner: DEMO_PARTNER,
          issuer: context.config.issuer,
          kid: passKey.kid,
          privateKey: passKey.privateJwk,
          pseudonymSecret: passKey.pseudonymSecret,
        });
      }
      const reader = READER_IN_COOKIE.exec(request.headers.cookie ?? "")?.[1] ?? `r_${randomBytes(12).toString("base64url")}`;
      reply.header("set-cookie", `${READER_COOKIE}=${reader}; Path=/demo; HttpOnly; SameSite=Lax; Max-Age=31536000`).header("cache-control", "private, no-store");
      return { viewer: await passes.mint(reader, { ttlSeconds: 3600, now: new Date(context.now()) }), expiresIn: 3600 };
    });

    app.get("/demo/api/cards", async (request) => {
      const query = request.query as { surface?: string; limit?: string };
      const surface = query.surface as Surface | undefined;
      if (surface !== undefined && !SURFACES.includes(surface)) {
        throw validationProblem([{ path: "query:surface", message: "must be dm, profile or feed" }]);
      }
      const limit = Math.min(1000, Math.max(1, Number(query.limit ?? 200) || 200));
      const cards = await context.store.cards.listActive(DEMO_PARTNER, surface, context.now(), limit);
      return {
        issuer: context.config.issuer,
        partner: DEMO_PARTNER,
        cards: cards.map((card) => ({ id: card.id, token: card.token, surface: card.surface, sharer: card.sharer ?? null, url: `${context.config.issuer}/c/${card.id}`, issuedAt: new Date(card.issuedAt).toISOString() })),
      };
    });

    // The demo brand's backend: it holds the brand's credentials and shares on the user's behalf.
    app.post("/demo/api/share", async (request, reply) => {
      const credentials = readDemoCredentials(context.config.dataDir);
      const brand = await context.store.brands.get(DEMO_BRAND);
      if (!credentials || !brand) throw new Problem("not_found", "the demo is not seeded: start with --demo");
      const body = (request.body ?? {}) as Record<string, unknown>;
      const { id, host } = appRegistration(brand.apps[0]!);
      const issued = await issueCard(
        { store: context.store, limiter: context.limiter, keys: context.keys, passes: context.traffic.passes, issuer: context.config.issuer, now: context.now },
        brand,
        { kind: "app", ...body, partner: DEMO_PARTNER, app: { ...(body.app as object | undefined), id, host } },
        undefined,
      );
      // What the brand's backend tells its user: the card (its RateLimit headers are the brand's business).
      return reply.code(201).send(issued.card);
    });

    app.get("/demo/api/brand/cards", async () => {
      const brand = await context.store.brands.get(DEMO_BRAND);
      if (!brand) throw new Problem("not_found", "the demo is not seeded: start with --demo");
      const now = context.now();
      const cards = await context.store.cards.listByBrand(DEMO_BRAND, { limit: 100 });
      return { brand: { id: brand.id, name: brand.name }, cards: cards.map((card) => cardView(card, brand, context.config.issuer, now)) };
    });

    // The brand console's figures: what the demo brand's backend reads with brand.stats().
    app.get("/demo/api/brand/stats", async (request) => {
      if (!(await context.store.brands.get(DEMO_BRAND))) throw new Problem("not_found", "the demo is not seeded: start with --demo");
      const range = resolveRange(request.query as { from?: string; to?: string }, context.now());
      return brandStats(context.store, DEMO_BRAND, range, context.config.exchangeRatio);
    });

    app.delete<{ Params: { id: string } }>("/demo/api/brand/cards/:id", async (request, reply) => {
      if (!(await context.store.cards.revoke(request.params.id, DEMO_BRAND, context.now()))) {
        throw new Problem("not_found", `no card ${request.params.id} of the demo brand`);
      }
      return reply.code(204).send();
    });

    // Streamed from disk by @fastify/static, which answers If-None-Match and If-Modified-Since
    // with a 304 (its ETag is the file's size and time); a missing file ends in the 404 handler.
    const serve = async (wanted: string, reply: FastifyReply) => {
      const path = wanted.endsWith("/") ? `${wanted}index.html` : wanted;
      if (!DEMO_FILE.test(path)) throw new Problem("not_found", `no demo page ${wanted}`);
      if (path === "index.html") return feedPage(reply);
      return reply.type(TYPES[extname(path)] ?? "application/octet-stream").sendFile(path, publicDir, { cacheControl: false, contentType: false });
    };

    // The feed page: its file with the first screenful of posts in place of the mark. Read on
    // each request, as the other pages are, so an edited page shows on reload.
    const feedPage = async (reply: FastifyReply) => {
      const [page, cards] = await Promise.all([
        readFile(join(publicDir, "index.html"), "utf8"),
        context.store.cards.listActive(DEMO_PARTNER, "feed", context.now(), FEED_FIRST_SCREEN),
      ]);
      return reply
        .type(TYPES[".html"]!)
        .header("cache-control", "private, no-store")
        .header("content-security-policy", demoCsp(context.config.issuer))
        .send(
          page
            .replace(KEYS_PRELOAD_MARK, () => keysPreload(context.config.issuer).value)
            .replace(FIRST_SCREEN_MARK, () => firstScreenPosts(cards, context.config.issuer, context.now()).value),
        );
    };

    app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(demoIndexPage().value));

    // The router ignores trailing slashes, so `/demo/` lands here too: only `/demo` redirects.
    app.get("/demo", async (request, reply) =>
      request.url.split("?")[0]!.endsWith("/") ? serve("index.html", reply) : reply.redirect("/demo/", 302),
    );

    app.get("/demo/*", async (request, reply) => serve((request.params as { "*": string })["*"] || "index.html", reply));
  };
}
