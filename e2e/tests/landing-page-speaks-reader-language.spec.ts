// A share link's landing page in the reader's language, in a real Chromium: a Chinese card's
// page is zh-CN and an English card's en (whatever the browser asks for), a card whose text
// tells nothing follows Accept-Language; every word of chrome is in that language. Its
// "Open in Alipay" button opens the host as the widget does: an intent: URL on Android, the
// alipays:// scheme then the web hop on iPhone, and without JavaScript the web hop itself.
// Screenshots of both languages go to e2e/screenshots/ (a test run leaves the repository
// clean); `DOCS_SCREENSHOTS=1` writes the reviewed ones kept in docs/screenshots/ instead.

import type { Page } from "@playwright/test";
import { buildDeepLink } from "@minicard/sdk";
import { claims, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import { iphone, navigations, pixel } from "../support/phones.js";

const SHOTS = new URL(process.env.DOCS_SCREENSHOTS === "1" ? "../../docs/screenshots/" : "../screenshots/", import.meta.url).pathname;

/** A Chinese card without its own button text, so the button is chrome too. */
const CHINESE = { title: "今晚 19:30 IMAX 余票 12 张", description: "选座购票，影院取票免排队。", cta: undefined };
const ENGLISH = { title: "Tonight at 19:30 · IMAX, 12 seats left", description: "Pick your seat and skip the queue at the cinema.", cta: undefined };

/** Content-Security-Policy complaints the page logs (a refused script would be one). */
function cspErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => message.type() === "error" && /Content Security Policy/i.test(message.text()) && errors.push(message.text()));
  return errors;
}

test.describe("on a computer", () => {
  test("a Chinese card's page speaks zh-CN and an English card's en, whatever the browser asks for", async ({ page, request, server }) => {
    const refused = cspErrors(page);
    await page.setExtraHTTPHeaders({ "accept-language": "en-US,en;q=0.9" });
    const zh = await issueCard(request, server, CHINESE);
    const zhResponse = await page.goto(zh.url);
    expect(zhResponse!.status()).toBe(200);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: CHINESE.title })).toBeVisible();
    const links = buildDeepLink(claims(zh.token).card.app);
    await expect(page.getByRole("link", { name: "在支付宝中打开" })).toHaveAttribute("href", links.web);
    await expect(page.getByRole("link", { name: "在网页中打开" })).toHaveAttribute("href", links.web);
    await expect(page.getByText("在电脑上？用手机支付宝扫一扫，在手机上打开。")).toBeVisible();
    await expect(page.getByRole("img", { name: `用支付宝扫码打开「${CHINESE.title}」的二维码` })).toBeVisible();
    await expect(page.locator("footer")).toHaveText(/^通过 Minicard 分享 · /);
    await expect(page.getByText(/Open in|Open on the web|Shared with|On a computer/)).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}landing-zh-CN.png`, fullPage: true });

    await page.setExtraHTTPHeaders({ "accept-language": "zh-CN,zh;q=0.9" });
    const en = await issueCard(request, server, ENGLISH);
    await page.goto(en.url);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    await expect(page.getByRole("link", { name: "Open in Alipay" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Open on the web" })).toBeVisible();
    await expect(page.getByText("On a computer? Scan with Alipay to open it on your phone.")).toBeVisible();
    await expect(page.locator("footer")).toHaveText(/^Shared with Minicard · /);
    // No Chinese chrome (the demo brand's own name, 星光影城 Starlight Cinema, is the brand's text).
    const brand = claims(en.token).card.brand.name as string;
    expect((await page.locator("body").innerText()).replaceAll(brand, "")).not.toMatch(/[\u4e00-\u9fff]/);
    await page.screenshot({ path: `${SHOTS}landing-en.png`, fullPage: true });
    expect(refused).toEqual([]);
  });

  test("a card whose text tells nothing, and a revoked one, follow the browser's language", async ({ browser, request, server }) => {
    const mute = await issueCard(request, server, { title: "19:30 · 🎬", description: undefined, cta: undefined });
    const gone = await issueCard(request, server, { title: "2026 · 🎟️", description: undefined, cta: undefined });
    await request.delete(`${server.url}/v1/cards/${gone.id}`, { headers: { authorization: `Bearer ${server.apiKey}` } });
    for (const [locale, lang, button, heading] of [
      ["zh-CN", "zh-CN", "在支付宝中打开", "该卡片已失效"],
      ["en-GB", "en", "Open in Alipay", "This card is no longer available"],
    ] as const) {
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      await page.goto(mute.url);
      expect(await page.evaluate(() => document.documentElement.lang), locale).toBe(lang);
      await expect(page.getByRole("link", { name: button })).toBeVisible();
      const response = await page.goto(gone.url);
      expect(response!.status()).toBe(410);
      expect(await page.evaluate(() => document.documentElement.lang), locale).toBe(lang);
      await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
      await context.close();
    }
  });
});

test.describe("Android", () => {
  test.use(pixel);

  test("tapping the button opens an intent: URL whose fallback is the web hop", async ({ page, request, server }) => {
    const refused = cspErrors(page);
    const card = await issueCard(request, server, CHINESE);
    const links = buildDeepLink(claims(card.token).card.app);
    await page.goto(card.url);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    const requested = await navigations(page);
    const intent = page.waitForRequest((req) => req.url().startsWith("intent:"));
    await page.getByRole("link", { name: "在支付宝中打开" }).tap();
    expect((await intent).url()).toBe(links.intent.slice(0, links.intent.indexOf("#")));
    await expect.poll(() => requested).toContain(links.intent);
    expect(links.intent).toContain(`;package=com.eg.android.AlipayGphone;S.browser_fallback_url=${encodeURIComponent(links.web)};end`);
    expect(requested.filter((url) => url.startsWith("alipays:"))).toEqual([]);
    expect(refused).toEqual([]);
  });
});

test.describe("iPhone", () => {
  test.use(iphone);

  test("tapping the button opens the alipays:// scheme, then the web hop when the app did not open", async ({ page, request, server }) => {
    const card = await issueCard(request, server, ENGLISH);
    const links = buildDeepLink(claims(card.token).card.app);
    await page.route("https://ds.alipay.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>web hop</title>" }));
    await page.goto(card.url);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    const scheme = page.waitForRequest((req) => req.url().startsWith("alipays:"));
    const hop = page.waitForRequest((req) => req.url().startsWith("https://ds.alipay.com/"));
    await page.getByRole("link", { name: "Open in Alipay" }).tap();
    expect((await scheme).url()).toBe(links.scheme);
    expect((await hop).url()).toBe(links.web);
    await expect(page).toHaveTitle("web hop");
  });
});

test.describe("iPhone without JavaScript", () => {
  test.use({ ...iphone, javaScriptEnabled: false });

  test("the button is a plain link to the web hop", async ({ page, request, server }) => {
    const card = await issueCard(request, server, CHINESE);
    const links = buildDeepLink(claims(card.token).card.app);
    await page.route("https://ds.alipay.com/**", (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>web hop</title>" }));
    await page.goto(card.url);
    const hop = page.waitForRequest((req) => req.url().startsWith("https://ds.alipay.com/"));
    await page.getByRole("link", { name: "在支付宝中打开" }).tap();
    expect((await hop).url()).toBe(links.web);
    await expect(page).toHaveTitle("web hop");
  });
});
