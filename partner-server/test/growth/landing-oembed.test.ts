/**
 * Share landing pages, oEmbed and the iframe page: meta tags parsed and checked, 410 and 404,
 * oEmbed's required fields (oEmbed 1.0, section 2.3.4) and sizes, discovery from the landing
 * page, `frame-ancestors` of `/e/:id`, commerce and membership cards on their pages.
 */

import jsqr from "jsqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, growthWorld, type GrowthWorld } from "./support.js";

/** Meta tags and links of a page, parsed attribute by attribute. */
function parseHead(page: string) {
  const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([a-z:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const meta: Record<string, string> = {};
  for (const [tag] of page.matchAll(/<meta\s[^>]*>/g)) {
    const a = attrs(tag);
    const key = a.property ?? a.name;
    if (key && a.content !== undefined) meta[key] = decode(a.content);
  }
  const links = [...page.matchAll(/<link\s[^>]*>/g)].map(([tag]) => Object.fromEntries(Object.entries(attrs(tag)).map(([k, v]) => [k, decode(v)])));
  return { meta, links };
}

// jsqr is CommonJS: its default export is module.exports itself, or its `default` property.
const jsQR = ((jsqr as unknown as { default?: typeof jsqr.default }).default ?? jsqr) as typeof jsqr.default;

/** Decodes the landing page's QR code: its SVG path of 1×1 modules, rasterised 4 px a module. */
function decodeQrSvg(page: string): string | undefined {
  const svg = /<svg class="qr"[^>]*viewBox="0 0 (\d+) \d+"[\s\S]*?<path d="([^"]+)"/.exec(page);
  if (!svg) return undefined;
  const modules = Number(svg[1]);
  const scale = 4;
  const size = modules * scale;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  for (const [, x, y] of svg[2]!.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = ((Number(y) * scale + dy) * size + Number(x) * scale + dx) * 4;
        pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
      }
    }
  }
  return jsQR(pixels, size, size)?.data;
}

/** oEmbed 1.0 §2.3.4: what every `rich` response must carry. */
function expectValidRichOembed(body: Record<string, unknown>) {
  expect(body.type).toBe("rich");
  expect(body.version).toBe("1.0");
  expect(typeof body.html).toBe("string");
  expect(Number.isInteger(body.width) && (body.width as number) > 0).toBe(true);
  expect(Number.isInteger(body.height) && (body.height as number) > 0).toBe(true);
  expect(typeof body.provider_name).toBe("string");
  expect(() => new URL(body.provider_url as string)).not.toThrow();
  expect(Number.isInteger(body.cache_age)).toBe(true);
  // The thumbnail trio: all three or none.
  const trio = ["thumbnail_url", "thumbnail_width", "thumbnail_height"].filter((k) => body[k] !== undefined);
  expect([0, 3]).toContain(trio.length);
}

describe("landing pages, oEmbed and the iframe page", () => {
  let world: GrowthWorld;
  let app: { id: string; url: string };
  let product: { id: string; url: string };
  let membership: { id: string; url: string };
  const hostile = `Films <script>alert("x")</script> & "quotes"`;

  beforeAll(async () => {
    world = await growthWorld();
    app = await world.issue({ surface: "feed", title: hostile, description: "Tonight's premiere, 19:30", image: "https://images.example/cover.jpg", cta: "Book now" });
    product = await world.issue({ kind: "product", title: "Popcorn combo", price: { amount: "29.90", currency: "CNY" } });
    membership = await world.issue({ surface: "profile", kind: "membership", title: "Starlight Club", membership: { benefit: "Free popcorn every visit", trialDays: 30 } });
  });
  afterAll(() => world.server.close());

  it("serves Open Graph and Twitter Card meta, with card text escaped", async () => {
    const response = await fetch(app.url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    const page = await response.text();
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("Films &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;");
    const { meta } = parseHead(page);
    expect(meta["og:title"]).toBe(hostile);
    expect(meta["og:type"]).toBe("website");
    expect(meta["og:url"]).toBe(app.url);
    expect(meta["og:description"]).toBe("Tonight's premiere, 19:30");
    expect(meta["og:image"]).toBe("https://images.example/cover.jpg");
    expect(meta["twitter:card"]).toBe("summary_large_image");
    expect(meta["twitter:image"]).toBe("https://images.example/cover.jpg");
    // The card and its open actions: the scheme built from app (for the open script), and the web hop.
    expect(page).toMatch(/data-scheme="alipays:\/\/platformapi\/startapp\?appId=2021000000000001&amp;page=pages%2Findex%2Findex"/);
    expect(page).toMatch(/href="https:\/\/ds\.alipay\.com\/\?scheme=alipays%3A%2F%2F/);
    expect(page).toContain(">Book now</a>");
    expect(page).toMatch(/<svg class="qr" role="img" aria-label="QR code to open/);
    // The desktop QR code scans to the web hop, the same link as "Open on the web".
    const web = /<a class="web" href="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, "&");
    expect(decodeQrSvg(page)).toBe(web);
  });

  it("falls back to the server's share image when a card has none", async () => {
    const { meta } = parseHead(await (await fetch(product.url)).text());
    expect(meta["og:image"]).toBe(`${world.server.url}/assets/og-default.png`);
    expect(meta["twitter:card"]).toBe("summary_large_image");
    const image = await fetch(meta["og:image"]!);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
  });

  it("shows the price of a product card and the offer of a membership card", async () => {
    const productPage = await (await fetch(product.url)).text();
    expect(productPage).toContain('<p class="price" data-price>¥29.90</p>');
    expect(productPage).toContain(">Buy in Alipay</a>");
    expect(parseHead(productPage).meta["og:description"]).toBe("¥29.90");
    const memberPage = await (await fetch(membership.url)).text();
    expect(memberPage).toContain("<strong>Free popcorn every visit</strong> · Join now, enjoy it first, pay when the 30-day period ends");
    expect(memberPage).toContain(">Join now</a>");
  });

  it("finds oEmbed from the landing page's discovery link, and the response has every required field", async () => {
    const { links } = parseHead(await (await fetch(app.url)).text());
    const discovery = links.find((link) => link.rel === "alternate" && link.type === "application/json+oembed");
    expect(discovery).toBeDefined();
    const endpoint = new URL(discovery!.href!);
    expect(endpoint.origin + endpoint.pathname).toBe(`${world.server.url}/oembed`);
    expect(endpoint.searchParams.get("url")).toBe(app.url);
    const response = await fetch(endpoint);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("access-control-allow-origin")).toBe("*"); // consumers call it from anywhere
    const body = await response.json();
    expectValidRichOembed(body);
    expect(body).toMatchObject({ title: hostile, provider_name: "Minicard", provider_url: `${world.server.url}/`, width: 520, height: 540, thumbnail_url: "https://images.example/cover.jpg", cache_age: 300 });
    expect(body.html).toBe(`<iframe src="${world.server.url}/e/${app.id}" width="520" height="540" title="Films &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" loading="lazy" style="border:0" referrerpolicy="strict-origin-when-cross-origin"></iframe>`);
  });

  it("honours maxwidth and maxheight, and embeds the script and element with omit_iframe=1", async () => {
    const oembed = async (query: string) => fetch(`${world.server.url}/oembed?url=${encodeURIComponent(app.url)}&${query}`);
    const narrow = await (await oembed("maxwidth=260")).json();
    expectValidRichOembed(narrow);
    expect(narrow.width).toBe(260);
    expect(narrow.height).toBe(270);
    expect(narrow.thumbnail_width).toBeLessThanOrEqual(260);
    const short = await (await oembed("maxwidth=1000&maxheight=108")).json();
    expect(short.height).toBeLessThanOrEqual(108);
    expect(short.width).toBe(104);
    const script = await (await oembed("format=json&omit_iframe=1")).json();
    expectValidRichOembed(script);
    expect(script.html).toBe(
      `<script src="${world.server.url}/embed.js" async></script><mini-program-card src="${app.url}" surface="feed" partner="weibo"></mini-program-card>`,
    );
    const bad = await oembed("maxwidth=wide");
    expect(bad.status).toBe(400);
  });

  it("answers 501 for format=xml and 404 for unknown cards and URLs that are not ours", async () => {
    const xml = await fetch(`${world.server.url}/oembed?url=${encodeURIComponent(app.url)}&format=xml`);
    expect(xml.status).toBe(501);
    expect((await xml.json()).code).toBe("not_implemented");
    for (const url of [`${world.server.url}/c/01JAAAAAAAAAAAAAAAAAAAAAAA`, `https://evil.example/c/${app.id}`, `${world.server.url}/v1/cards/${app.id}`]) {
      const response = await fetch(`${world.server.url}/oembed?url=${encodeURIComponent(url)}`);
      expect(response.status, url).toBe(404);
      expect((await response.json()).code).toBe("not_found");
    }
    const missing = await fetch(`${world.server.url}/oembed`);
    expect(missing.status).toBe(400);
  });

  it("serves /e/:id framable only by the partner's origins", async () => {
    const response = await fetch(`${world.server.url}/e/${app.id}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain(`frame-ancestors ${ORIGIN};`);
    expect(csp).not.toContain("frame-ancestors *");
    expect(response.headers.get("x-frame-options")).toBeNull(); // it would override frame-ancestors in old browsers
    const page = await response.text();
    expect(page).toContain('target="_top"');
    const unknown = await fetch(`${world.server.url}/e/01JAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("answers 404 with a page for an unknown card, and 410 with a clear page once revoked or expired", async () => {
    const unknown = await fetch(`${world.server.url}/c/01JAAAAAAAAAAAAAAAAAAAAAAA`, { headers: { accept: "text/html", "accept-language": "en" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("<h1>Card not found</h1>");
    const notAnId = await fetch(`${world.server.url}/c/not-a-card`);
    expect(notAnId.status).toBe(404);

    const revoked = await world.issue({ title: "Soon withdrawn" });
    await fetch(`${world.server.url}/v1/cards/${revoked.id}`, { method: "DELETE", headers: { authorization: `Bearer ${world.apiKey}` } });
    const gone = await fetch(revoked.url);
    expect(gone.status).toBe(410);
    const page = await gone.text();
    expect(page).toContain("<h1>This card is no longer available</h1>");
    expect(page).toContain("Its brand has withdrawn it.");
    expect(page).not.toContain("Soon withdrawn");
    expect(parseHead(page).meta["og:title"]).toBeUndefined();
    expect((await fetch(`${world.server.url}/oembed?url=${encodeURIComponent(revoked.url)}`)).status).toBe(404);
    expect((await fetch(`${world.server.url}/e/${revoked.id}`)).status).toBe(410);

    const short = await world.issue({ title: "Short-lived", ttlSeconds: 3600 });
    world.clock.now += 2 * 3600_000;
    try {
      const expired = await fetch(short.url);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain("It was shared too long ago and has expired.");
    } finally {
      world.clock.now -= 2 * 3600_000;
    }
  });
});
