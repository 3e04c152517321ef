// Static files and security headers as @fastify/static and helmet serve them: the
// demo's pages revalidate with a 304, odd paths are a 404 problem (never a file outside the
// folder, never a 500), a missing page carries the app's CSP rather than the page's, the
// widget's script answers HEAD and ranges, and each route group gets its own headers.

import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import helmet, { type HelmetOptions } from "helmet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appHeaders, embeddableHeaders } from "../src/security-headers.js";
import { DEMO_CSP, FEED_FIRST_SCREEN, demoCsp, firstScreenPosts, keysPreload } from "../src/routes/demo.js";
import { seedDemo } from "../src/demo/seed.js";
import type { StoredCard } from "../src/domain/model.js";
import { startServer, type LocalServer } from "./support/server.js";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer({ config: { demo: true } });
});

afterAll(async () => {
  await server.close();
});

describe("demo pages", () => {
  it("serves a page with its CSP and no-cache, and answers a revalidation with a 304", async () => {
    const page = await fetch(`${server.url}/demo/share.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(page.headers.get("content-security-policy")).toContain(DEMO_CSP.split(";")[0]);
    const etag = page.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(await page.text()).toContain("<!doctype html>");

    // As a browser revalidates (fetch() would add `Cache-Control: no-cache`, a forced reload, to a conditional request).
    const again = await fetch(`${server.url}/demo/share.html`, { headers: { "if-none-match": etag!, "cache-control": "max-age=0" } });
    expect(again.status).toBe(304);
    const script = await fetch(`${server.url}/demo/js/ui.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  it("sends the feed page with its first screenful of cards in place, tokens included, never cached", async () => {
    await seedDemo(server.server.context, [server.url]);
    const listed = (await (await fetch(`${server.url}/demo/api/cards?surface=feed&limit=${FEED_FIRST_SCREEN}`)).json()) as { cards: Array<{ id: string; token: string }> };
    expect(listed.cards).toHaveLength(FEED_FIRST_SCREEN);
    for (const path of ["/demo/", "/demo/index.html"]) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
      // The cards in it are live state: a revoked card must not come back from a cache.
      expect(page.headers.get("cache-control"), path).toBe("private, no-store");
      expect(page.headers.get("content-security-policy"), path).toBe(demoCsp(server.url));
      const body = await page.text();
      expect(body, path).not.toContain("<!--first-screen-->");
      // The issuer's keys are preloaded in the head, before embed.js.
      const head = body.slice(0, body.indexOf("</head>"));
      expect(head, path).toContain(`<link rel="preload" as="fetch" crossorigin href="${server.url}/.well-known/jwks.json">`);
      expect(head.indexOf("jwks.json"), path).toBeLessThan(head.indexOf("/embed.js"));
      const feed = /<div id="feed"[^>]*>([\s\S]*?)<\/div>\s*<\/main>/.exec(body)?.[1] ?? "";
      const sent = [...feed.matchAll(/<mini-program-card token="([^"]+)" surface="feed" partner="weibo-demo" issuer="([^"]+)" data-card-id="([^"]+)">/g)];
      // The same cards, in the same order, as the card list the page's script reads next.
      expect(sent.map((match) => match[3]), path).toEqual(listed.cards.map((card) => card.id));
      expect(sent.map((match) => match[1]), path).toEqual(listed.cards.map((card) => card.token));
      expect(new Set(sent.map((match) => match[2])), path).toEqual(new Set([server.url]));
    }
    // A revoked card leaves the page it was on.
    const store = server.server.context.store;
    const first = (await store.cards.get(listed.cards[0]!.id))!;
    expect(await store.cards.revoke(first.id, first.brandId, Date.now())).toBe(true);
    const after = await (await fetch(`${server.url}/demo/`)).text();
    expect(after).not.toContain(`data-card-id="${first.id}"`);
    expect(after.match(/<mini-program-card /g)).toHaveLength(FEED_FIRST_SCREEN);
  });

  it("builds the keys preload from the issuer, and refuses to build it from a value that is not a URL", () => {
    expect(keysPreload("https://cards.example/").value).toBe('<link rel="preload" as="fetch" crossorigin href="https://cards.example/.well-known/jwks.json">');
    expect(keysPreload('https://cards.example/"><script>').value).not.toContain("<script>");
    expect(() => keysPreload("not a url")).toThrow();
  });

  it("escapes every value it puts in the feed page", () => {
    const hostile = '"><script>alert(1)</script><x a="';
    const card = { id: `c_${hostile}`, token: `t${hostile}`, surface: "feed", partnerId: `p${hostile}`, sharer: hostile, issuedAt: Date.UTC(2026, 11, 1) } as unknown as StoredCard;
    const out = firstScreenPosts([card], `https://issuer.example/${hostile}`).value;
    expect(out).not.toContain("<script>");
    expect(out).not.toMatch(/"><x a=/);
    expect(out.match(/<article /g)).toHaveLength(1);
    expect(out.match(/<mini-program-card /g)).toHaveLength(1);
    // The sharer's id is shown as its name, escaped, in the post's label and header.
    expect(out).toContain('aria-label="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;x a=&quot; 的分享"');
    expect(out).toContain('<span class="name">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;x a=&quot;</span>');
  });

  it("dresses the first screenful's posts as the feed's script dresses the rest", () => {
    const now = Date.UTC(2026, 11, 1, 12);
    const cards = ["demo-alice", undefined].map((sharer, index) => ({ id: `01M8QQ7EXC1X0M3NEPJA5DZA0${index}`, token: "a.b.c", surface: "feed", partnerId: "weibo-demo", sharer, issuedAt: now - (index + 1) * 3 * 3600_000 }) as unknown as StoredCard);
    const out = firstScreenPosts(cards, "https://issuer.example", now).value;
    expect(out).toBe(
      '<article class="post" aria-label="爱丽丝 Alice 的分享"><header><span class="avatar c0" aria-hidden="true">爱</span><div class="who"><span class="name">爱丽丝 Alice</span><span class="meta">3 小时前 · 来自 小程序分享</span></div></header><p class="text">周末安排上了，一起吗？</p><mini-program-card token="a.b.c" surface="feed" partner="weibo-demo" issuer="https://issuer.example" data-card-id="01M8QQ7EXC1X0M3NEPJA5DZA00"></mini-program-card><footer aria-hidden="true"><span>转发 0</span><span>评论 0</span><span>赞 0</span></footer></article>' +
        '<article class="post" aria-label="访客 的分享"><header><span class="avatar c0" aria-hidden="true">访</span><div class="who"><span class="name">访客</span><span class="meta">6 小时前 · 来自 小程序分享</span></div></header><p class="text">这个真的好用，亲测推荐 👍</p><mini-program-card token="a.b.c" surface="feed" partner="weibo-demo" issuer="https://issuer.example" data-card-id="01M8QQ7EXC1X0M3NEPJA5DZA01"></mini-program-card><footer aria-hidden="true"><span>转发 7</span><span>评论 13</span><span>赞 31</span></footer></article>',
    );
  });

  it("answers a path outside the folder, a dotfile or a folder with a 404 problem", async () => {
    for (const path of ["/demo/../package.json", "/demo/..%2F..%2Fpackage.json", "/demo/%2E%2E/src/app.ts", "/demo/.env", "/demo/js/", "/demo/nope.html"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type"), path).toContain("application/problem+json");
      // The page's CSP is set only once its file is found.
      expect(response.headers.get("content-security-policy"), path).toMatch(/^default-src 'none';\s*frame-ancestors 'none'$/);
    }
  });
});

describe("widget files", () => {
  it("answers HEAD and a byte range of embed.js", async () => {
    const head = await fetch(`${server.url}/embed.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toMatch(/^"[\w-]{22}"$/);
    const range = await fetch(`${server.url}/embed.js`, { headers: { range: "bytes=0-9" } });
    expect(range.status).toBe(206);
    expect((await range.text()).length).toBe(10);
  });

  it("answers If-None-Match with a list, a weak tag or * with a 304", async () => {
    const etag = (await fetch(`${server.url}/embed.js`, { method: "HEAD" })).headers.get("etag")!;
    for (const tag of [`"other", ${etag}`, `W/${etag}`, "*"]) {
      expect((await fetch(`${server.url}/embed.js`, { headers: { "if-none-match": tag } })).status, tag).toBe(304);
    }
    expect((await fetch(`${server.url}/embed.js`, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  });
});

describe("security headers by route group", () => {
  it("lets other origins load what they embed, and only this origin the rest", async () => {
    for (const path of ["/embed.js", "/assets/card-page.css"]) {
      expect((await fetch(`${server.url}${path}`)).headers.get("cross-origin-resource-policy"), path).toBe("cross-origin");
    }
    for (const path of ["/healthz", "/nope", "/demo/index.html"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get("cross-origin-resource-policy"), path).toBe("same-origin");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      // CSP frame-ancestors decides who may frame a page; X-Frame-Options could only contradict it.
      expect(response.headers.get("x-frame-options"), path).toBeNull();
    }
  });

  it("writes, on every answer, what helmet's own middleware writes for the route's set", async () => {
    // helmet run per request on a bare node:http server: the reference the precomputed sets copy.
    const reference = async (options: HelmetOptions) => {
      const middleware = helmet(options);
      const bare = createHttpServer((request, response) => middleware(request, response, () => response.end()));
      await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
      try {
        const headers = (await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`)).headers;
        return Object.fromEntries([...headers].filter(([name]) => !["date", "connection", "keep-alive", "content-length", "transfer-encoding"].includes(name)));
      } finally {
        bare.close();
      }
    };
    const pick = (headers: Headers, names: string[]) => Object.fromEntries(names.map((name) => [name, headers.get(name)]));
    for (const [path, options] of [["/healthz", appHeaders], ["/nope", appHeaders], ["/embed.js", embeddableHeaders]] as const) {
      const expected = await reference(options);
      expect(Object.keys(expected).length, "helmet writes a dozen headers").toBeGreaterThan(8);
      const names = Object.keys(expected).filter((name) => name !== "content-security-policy" || path !== "/embed.js");
      expect(pick((await fetch(`${server.url}${path}`)).headers, names), path).toEqual(pick(new Headers(expected), names));
    }
  });

  it("keeps nosniff and the default CSP on answers the router gives before any hook runs", async () => {
    const response = await fetch(`${server.url}/c/%zz`);
    expect(response.status).toBe(400);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
