/**
 * The card pages in the reader's language, over real HTTP on loopback: the card's own text
 * wins over `Accept-Language`, which is parsed with its q-values (a malformed header reads as
 * the default, zh-CN, never a 500); `Vary: Accept-Language` exactly when the header decided;
 * the 404 and 410 pages in both languages; and the landing page's open button, whose URLs
 * are built by the SDK from the card's app (a hostile page cannot inject), run by a static
 * script the strict CSP allows.
 */

import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { buildDeepLink, hosts, isHostUrl, type AppTarget } from "@minicard/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/domain/ids.js";
import { acceptLanguage, cardLang } from "../../src/services/page-lang.js";
import { growthWorld, type GrowthWorld } from "./support.js";

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The attributes of the first tag matching `open` (e.g. `<a class="open"`), decoded. */
function tagAttributes(page: string, open: string): Record<string, string> | undefined {
  const start = page.indexOf(open);
  if (start < 0) return undefined;
  const tag = page.slice(start, page.indexOf(">", start) + 1);
  return Object.fromEntries([...tag.matchAll(/\s([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
}

/** The `lang` of the page's `<html>`. */
const htmlLang = (page: string) => /<html lang="([^"]+)">/.exec(page)?.[1];

/** A GET through `node:http`, headers sent exactly as given (no `Accept-Language` unless set; latin1 bytes allowed). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const varyOf = (value: string | null | undefined) => (value ?? "").split(",").map((part) => part.trim().toLowerCase()).filter(Boolean);

describe("card pages in the reader's language", () => {
  let world: GrowthWorld;
  let zh: { id: string; url: string };
  let en: { id: string; url: string };
  /** A card of digits and emoji only: its text names no language. */
  let mute: { id: string; url: string };

  beforeAll(async () => {
    world = await growthWorld();
    zh = await world.issue({ title: "今晚 19:30 IMAX 余票 12 张", description: "选座购票，免排队。" });
    en = await world.issue({ title: "Tonight at 19:30", description: "Book your seat." });
    mute = await world.issue({ title: "19:30 · 🎬 · 12/25" });
  });
  afterAll(() => world.server.close());

  it("takes the language from the card's text over Accept-Language, and then does not Vary on it", async () => {
    const zhPage = await fetch(zh.url, { headers: { accept: "text/html", "accept-language": "en-US,en;q=0.9" } });
    expect(zhPage.status).toBe(200);
    expect(zhPage.headers.get("content-language")).toBe("zh-CN");
    expect(varyOf(zhPage.headers.get("vary"))).toEqual(["accept"]);
    expect(zhPage.headers.get("cache-control")).toBe("public, max-age=60");
    const zhText = await zhPage.text();
    expect(htmlLang(zhText)).toBe("zh-CN");
    expect(zhText).toContain(">在支付宝中打开</a>");
    expect(zhText).toContain(">在网页中打开</a>");
    expect(zhText).toContain("<footer><p>通过 Minicard 分享 · ");
    expect(zhText).toContain('<meta property="og:locale" content="zh_CN">');
    expect(zhText).toContain("用手机支付宝扫一扫");
    for (const english of ["Open in", "Open on the web", "Shared with", "On a computer", "QR code to open"]) expect(zhText).not.toContain(english);

    const enPage = await fetch(en.url, { headers: { accept: "text/html", "accept-language": "zh-CN,zh;q=0.9" } });
    expect(enPage.headers.get("content-language")).toBe("en");
    expect(varyOf(enPage.headers.get("vary"))).toEqual(["accept"]);
    const enText = await enPage.text();
    expect(htmlLang(enText)).toBe("en");
    expect(enText).toContain(">Open in Alipay</a>");
    expect(enText).toContain(">Open on the web</a>");
    expect(enText).toContain("<footer><p>Shared with Minicard · ");
    expect(enText).toContain('aria-label="QR code to open Tonight at 19:30 in Alipay"');
    expect(enText).not.toMatch(/[\u4e00-\u9fff]/); // no Chinese chrome around an English card
  });

  it("takes it from Accept-Language, q-values and all, when the card's text does not tell", async () => {
    const cases: Array<[string, "zh-CN" | "en"]> = [
      ["fr-CH, fr;q=0.9, en;q=0.8, zh;q=0.7", "en"],
      ["en;q=0.5, zh-TW", "zh-CN"],
      ["zh-Hans-CN;q=0.3, en-GB;q=0.6", "en"],
      ["EN-us", "en"],
      ["zh;q=0, *", "en"],
      ["en;q=0.8, zh;q=0.8", "en"], // equal weights: the one named first
      ["zh-HK;q=0.8, en;q=0.8", "zh-CN"],
      ["de, *;q=0.1", "zh-CN"], // neither named: the default
      ["*", "zh-CN"],
    ];
    for (const [header, lang] of cases) {
      const response = await fetch(mute.url, { headers: { accept: "text/html", "accept-language": header } });
      expect(response.status, header).toBe(200);
      expect(response.headers.get("content-language"), header).toBe(lang);
      expect(varyOf(response.headers.get("vary")), header).toEqual(["accept", "accept-language"]);
      const page = await response.text();
      expect(htmlLang(page), header).toBe(lang);
      expect(page, header).toContain(lang === "en" ? ">Open in Alipay</a>" : ">在支付宝中打开</a>");
    }
    const none = await rawGet(mute.url, { accept: "text/html" });
    expect(none.status).toBe(200);
    expect(htmlLang(none.body)).toBe("zh-CN");
    expect(varyOf(none.headers.vary as string)).toEqual(["accept", "accept-language"]);
  });

  it("reads a malformed Accept-Language as the default, never a 500", async () => {
    const junk = ["en;q=abc", ";;;,,,=", "en-;q=1", "zh-CN;q=2", "*;q=-1", "x".repeat(8000), "en;q=0.5;q", "\u00e9\u00e8;q=\u00ff, ,", "-, -en, en--us"];
    for (const header of junk) {
      const response = await rawGet(mute.url, { accept: "text/html", "accept-language": header });
      expect(response.status, header.slice(0, 40)).toBe(200);
      expect(htmlLang(response.body), header.slice(0, 40)).toBe("zh-CN");
      expect(response.headers["content-language"]).toBe("zh-CN");
    }
    // A bad entry is skipped, the good ones still count.
    const mixed = await rawGet(mute.url, { accept: "text/html", "accept-language": "zh-CN;q=2, en;q=0.5" });
    expect(htmlLang(mixed.body)).toBe("en");
    // Two header lines read as one list.
    expect(acceptLanguage(["de", "en;q=0.4"])).toBe("en");
  });

  it("answers an unknown card's 404 page, on /c and /e, in the Accept-Language, with Vary and caching", async () => {
    for (const path of ["/c/01JAAAAAAAAAAAAAAAAAAAAAAA", "/e/01JAAAAAAAAAAAAAAAAAAAAAAA", "/c/not-a-card"]) {
      const english = await fetch(`${world.server.url}${path}`, { headers: { accept: "text/html", "accept-language": "en-GB,en;q=0.9" } });
      expect(english.status, path).toBe(404);
      expect(english.headers.get("cache-control")).toBe("public, max-age=60");
      expect(varyOf(english.headers.get("vary"))).toContain("accept-language");
      const enPage = await english.text();
      expect(htmlLang(enPage)).toBe("en");
      expect(enPage).toContain("<h1>Card not found</h1>");
      const chinese = await fetch(`${world.server.url}${path}`, { headers: { accept: "text/html", "accept-language": "zh-TW,zh;q=0.9,en;q=0.1" } });
      expect(chinese.status).toBe(404);
      expect(chinese.headers.get("content-language")).toBe("zh-CN");
      const zhPage = await chinese.text();
      expect(htmlLang(zhPage)).toBe("zh-CN");
      expect(zhPage).toContain("<title>未找到卡片</title>");
      expect(zhPage).toContain("此地址没有卡片");
    }
  });

  it("shows the 410 page in the card's language, or the reader's for a card whose text does not tell", async () => {
    const revoke = (id: string) => fetch(`${world.server.url}/v1/cards/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${world.apiKey}` } });
    const zhGone = await world.issue({ title: "马上撤回" });
    const enGone = await world.issue({ title: "Soon withdrawn" });
    const muteGone = await world.issue({ title: "2026 · 🎟️" });
    for (const card of [zhGone, enGone, muteGone]) expect((await revoke(card.id)).status).toBe(204);

    const zhPage = await fetch(zhGone.url, { headers: { "accept-language": "en" } });
    expect(zhPage.status).toBe(410);
    expect(varyOf(zhPage.headers.get("vary"))).toEqual(["accept"]);
    const zhText = await zhPage.text();
    expect(htmlLang(zhText)).toBe("zh-CN");
    expect(zhText).toContain("<h1>该卡片已失效</h1>");
    expect(zhText).toContain("<p>品牌方已撤回该卡片。请向分享者索取新的链接。</p>");
    expect(zhText).not.toContain("马上撤回");

    const enPage = await fetch(enGone.url, { headers: { "accept-language": "zh-CN" } });
    expect(enPage.status).toBe(410);
    const enText = await enPage.text();
    expect(htmlLang(enText)).toBe("en");
    expect(enText).toContain("<h1>This card is no longer available</h1>");
    expect(enText).toContain("Its brand has withdrawn it. Ask the person who shared it for a new link.");

    for (const [header, lang, heading] of [["en-US", "en", "This card is no longer available"], ["zh", "zh-CN", "该卡片已失效"]] as const) {
      for (const path of [`/c/${muteGone.id}`, `/e/${muteGone.id}`]) {
        const response = await fetch(`${world.server.url}${path}`, { headers: { "accept-language": header } });
        expect(response.status, path).toBe(410);
        expect(response.headers.get("content-language")).toBe(lang);
        expect(varyOf(response.headers.get("vary"))).toContain("accept-language");
        const page = await response.text();
        expect(htmlLang(page)).toBe(lang);
        expect(page).toContain(`<h1>${heading}</h1>`);
      }
    }
  });

  it("serves /e/:id in the card's language too, without the landing page's script", async () => {
    const response = await fetch(`${world.server.url}/e/${zh.id}`, { headers: { "accept-language": "en" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("vary")).toBeNull();
    const page = await response.text();
    expect(htmlLang(page)).toBe("zh-CN");
    expect(page).toContain("在支付宝中打开");
    expect(page).toContain("在网页中打开");
    expect(page).not.toContain("<script");
    expect(response.headers.get("content-security-policy")).not.toContain("script-src"); // default-src 'none': no script at all
    const mutePage = await fetch(`${world.server.url}/e/${mute.id}`, { headers: { "accept-language": "en" } });
    expect(varyOf(mutePage.headers.get("vary"))).toEqual(["accept-language"]);
    expect(htmlLang(await mutePage.text())).toBe("en");
  });

  it("builds the landing button's URLs with the SDK: web hop without script, intent: and scheme for the script", async () => {
    const response = await fetch(zh.url);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|strict-dynamic/);
    const page = await response.text();
    const app: AppTarget = { id: "2021000000000001", page: "pages/index/index" };
    const links = buildDeepLink(app, { host: hosts.alipay });
    const button = tagAttributes(page, '<a class="open"')!;
    expect(button.href).toBe(links.web); // the no-JS fallback: a plain link to the web hop
    expect(button["data-scheme"]).toBe(links.scheme);
    expect(button["data-intent"]).toBe(links.intent);
    expect(button["data-web"]).toBe(links.web);
    for (const url of [button.href!, button["data-scheme"]!, button["data-intent"]!]) expect(isHostUrl(url), url).toBe(true);

    // No inline script and no event-handler attributes: the one script is a file the CSP allows.
    const scripts = [...page.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
    expect(scripts).toHaveLength(1);
    expect(page).toMatch(/<script [^>]*><\/script>/);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    const script = tagAttributes(page, "<script")!;
    expect(script.src).toMatch(/^\/assets\/card-open\.[0-9a-f]{12}\.js$/);
    const file = await fetch(`${world.server.url}${script.src}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(file.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = Buffer.from(await file.arrayBuffer());
    expect(script.integrity).toBe(`sha256-${createHash("sha256").update(body).digest("base64")}`);
    expect((await fetch(`${world.server.url}/assets/card-open.js`)).status).toBe(404); // only by its hashed name
  });

  it("builds a WeChat card's button with WeChat's profile: its scheme, no web hop, the host's name in the chrome", async () => {
    const wx = "wx0123456789abcdef";
    const patched = await fetch(`${world.server.url}/v1/admin/brands/cinema`, {
      method: "PATCH",
      headers: { authorization: "Bearer test-admin-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ apps: ["2021000000000001", { id: wx, host: "wechat" }] }),
    });
    expect(patched.status).toBe(200);
    const app = { id: wx, page: "pages/movie/detail", query: "id=42", host: "wechat" as const };
    const zhCard = await world.issue({ title: "今晚 19:30 IMAX", app });
    const enCard = await world.issue({ title: "Tonight at 19:30", app });
    for (const [card, label] of [[zhCard, "在微信中打开"], [enCard, "Open in WeChat"]] as const) {
      const page = await (await fetch(card.url)).text();
      const links = buildDeepLink(app, { landing: card.url });
      expect(links.web).toBe(card.url); // WeChat has no https hop: the fallback is this very page
      const button = tagAttributes(page, '<a class="open"')!;
      expect(button.href).toBe(links.scheme); // not a link to itself
      expect(button["data-scheme"]).toMatch(/^weixin:\/\/dl\/business\/\?appid=wx0123456789abcdef&/);
      expect(button["data-intent"]).toBe(links.intent);
      expect(button["data-web"]).toBeUndefined();
      expect(page).toContain(`>${label}</a>`);
      expect(page).not.toContain('class="web"');
      expect(page).not.toContain("alipays:");
    }
  });

  it("keeps a hostile app.page inside its parameter: issued through the API, or stored behind its back", async () => {
    const hostilePage = "pages/a?next=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&x=javascript%3Aalert(1)%23Intent%3Bscheme%3Dhttps%3Bpackage%3Devil%3Bend";
    const hostileQuery = "u=%23Intent%3BS.browser_fallback_url%3Djavascript%253Aalert(1)%3Bend&q='()!*";
    const issued = await world.issue({ title: "Hostile page", app: { id: "2021000000000001", page: hostilePage, query: hostileQuery } });
    // A card the API would refuse, written to the store directly (a bug, a bad migration).
    const stored = (await world.server.server.context.store.cards.get(issued.id))!;
    const forged = { ...stored, id: newId(), card: { ...stored.card, app: { ...stored.card.app, page: `javascript:alert(1)"><script>alert(2)</script><a href="` } } };
    await world.server.server.context.store.cards.insert(forged);

    for (const [id, app] of [[issued.id, stored.card.app], [forged.id, forged.card.app]] as const) {
      const response = await fetch(`${world.server.url}/c/${id}`);
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).not.toContain("<script>alert");
      expect(page).not.toMatch(/href="javascript:/i);
      const links = buildDeepLink(app, { host: hosts.alipay });
      const button = tagAttributes(page, '<a class="open"')!;
      expect(button.href).toBe(links.web);
      expect(button["data-scheme"]).toBe(links.scheme);
      expect(button["data-intent"]).toBe(links.intent);
      // The page and query come back exactly as given, as one parameter each.
      const scheme = new URL(button["data-scheme"]!);
      expect(scheme.protocol).toBe("alipays:");
      expect(scheme.searchParams.get("page")).toBe(app.page);
      expect(scheme.searchParams.get("query")).toBe(app.query ?? null);
      expect([...scheme.searchParams.keys()].sort()).toEqual(["appId", "page", ...(app.query ? ["query"] : [])].sort());
      // One fragment, Alipay's package, and the fallback is the web hop.
      const intent = button["data-intent"]!;
      expect(intent.split("#")).toHaveLength(2);
      expect(intent.startsWith("intent://platformapi/startapp?")).toBe(true);
      expect(intent).toMatch(/#Intent;scheme=alipays;package=com\.eg\.android\.AlipayGphone;S\.browser_fallback_url=[^;]+;end$/);
      expect(decodeURIComponent(/S\.browser_fallback_url=([^;]+)/.exec(intent)![1]!)).toBe(links.web);
      expect(new URL(button.href!).origin).toBe("https://ds.alipay.com");
      for (const url of [button.href!, button["data-scheme"]!, intent]) expect(isHostUrl(url), url).toBe(true);
    }
  });
});

describe("cardLang and acceptLanguage", () => {
  const card = (fields: Record<string, unknown>) => ({ kind: "app", brand: { name: "Starlight" }, app: { id: "2021000000000001", page: "p" }, title: "", ...fields }) as never;

  it("reads the card's text: Chinese anywhere wins, then Latin letters, else nothing", () => {
    expect(cardLang(card({ title: "IMAX Tonight", description: "今晚" }))).toBe("zh-CN");
    expect(cardLang(card({ title: "19:30", cta: "选座" }))).toBe("zh-CN");
    expect(cardLang(card({ title: "19:30", kind: "membership", membership: { benefit: "Free popcorn", trialDays: 7 } }))).toBe("en");
    expect(cardLang(card({ title: "19:30 🎬" }))).toBeUndefined();
    // An explicit language, should the contract gain one, wins over the text.
    expect(cardLang(card({ title: "今晚", lang: "en-GB" }))).toBe("en");
    expect(cardLang(card({ title: "今晚", lang: "fr" }))).toBe("zh-CN");
  });

  it("parses q-values and ignores what it cannot parse", () => {
    expect(acceptLanguage(undefined)).toBeUndefined();
    expect(acceptLanguage("")).toBeUndefined();
    expect(acceptLanguage("zh-TW;q=0.9, en;q=0.91")).toBe("en");
    expect(acceptLanguage("zh-TW;q=0.9, en;q=0.91;foo=bar")).toBe("en");
    expect(acceptLanguage("en;q=0, zh;q=0")).toBeUndefined();
    expect(acceptLanguage("en;q=1.000, zh;q=1.0001")).toBe("en"); // 1.0001 is not a qvalue
    expect(acceptLanguage("ja, ko")).toBeUndefined();
  });
});
