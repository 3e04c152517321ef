// A WeChat card (app.host: "wechat") opens WeChat: on a phone a tap navigates to the
// weixin://dl/business/ URL built from the card's app (never Alipay's scheme), and on a
// desktop a tap shows the QR sheet saying "用微信扫码打开", whose code decodes to the card's
// web fallback: its landing page, WeChat having no https hop.

import jsqr from "jsqr";
import { PNG } from "pngjs";
import type { APIRequestContext } from "@playwright/test";
import { buildDeepLink } from "@minicard/sdk";
import { claims, type IssuedCard } from "../support/cards.js";
import type { DemoServer } from "../support/server.js";
import { expect, test } from "../support/fixtures.js";
import { iphone, pixel } from "../support/phones.js";

// jsqr is CommonJS: its default export is module.exports itself, or its `default` property.
const jsQR = ((jsqr as unknown as { default?: typeof jsqr.default }).default ?? jsqr) as typeof jsqr.default;


const WX = "wx0123456789abcdef";
const APP = { id: WX, page: "pages/movie/detail", query: "id=42&q=%E4%B8%8A%E6%B5%B7%20%26%20more", host: "wechat" };

let brands = 0;

/** Registers a brand with a WeChat app through the admin API and issues a DM card for it. */
async function issueWechatCard(request: APIRequestContext, server: DemoServer): Promise<IssuedCard> {
  const id = `wechat-e2e-${process.pid}-${++brands}-${Date.now().toString(36)}`;
  const created = await request.post(`${server.url}/v1/admin/brands`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
    data: { id, name: "茶馆", category: "commercial-brand", apps: [{ id: WX, host: "wechat" }], surfaces: ["dm"], invited: true },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { apiKey } = (await created.json()) as { apiKey: string };
  const issued = await request.post(`${server.url}/v1/cards`, {
    headers: { authorization: `Bearer ${apiKey}` },
    data: { partner: server.partner, surface: "dm", kind: "app", app: APP, title: "今日新茶 买一送一", cta: "去看看" },
  });
  expect(issued.status(), await issued.text()).toBe(201);
  return (await issued.json()) as IssuedCard;
}

test.describe("iPhone", () => {
  test.use(iphone);

  test("a tap on a WeChat card navigates to the weixin:// URL, every parameter once", async ({ cards, request, server, page }) => {
    const card = await issueWechatCard(request, server);
    expect(claims(card.token).card.app).toEqual(APP);
    const links = buildDeepLink(claims(card.token).card.app, { landing: card.url });
    await cards.open([{ token: card.token, surface: "dm" }]);
    await cards.expectVerified();
    const navigation = page.waitForRequest((req) => req.url().startsWith("weixin:"));
    await cards.button().tap();
    const url = (await navigation).url();
    expect(url).toBe(links.scheme);
    const parsed = new URL(url);
    expect(`${parsed.protocol}//${parsed.host}${parsed.pathname}`).toBe("weixin://dl/business/");
    expect([...parsed.searchParams.keys()]).toEqual(["appid", "path", "query"]);
    expect(parsed.searchParams.get("appid")).toBe(WX);
    expect(parsed.searchParams.get("path")).toBe("pages/movie/detail");
    expect(parsed.searchParams.get("query")).toBe(APP.query);
    expect((await cards.recorded()).opens).toEqual([{ href: links.scheme, platform: "ios" }]);

    // Still here: WeChat did not open; the sheet offers the card's landing page, the web fallback.
    const sheet = page.getByRole("dialog", { name: "Didn't open?" });
    await expect(sheet).toBeVisible({ timeout: 5000 });
    await expect(sheet.getByRole("link", { name: "Open in browser" })).toHaveAttribute("href", card.url);
  });
});

test.describe("Android", () => {
  test.use(pixel);

  test("a tap on a WeChat card navigates to the weixin:// URL itself (WeChat has no Android intent)", async ({ cards, request, server, page }) => {
    const card = await issueWechatCard(request, server);
    const links = buildDeepLink(claims(card.token).card.app, { landing: card.url });
    expect(links.intent).toBe(links.scheme);
    await cards.open([{ token: card.token, surface: "dm" }]);
    await cards.expectVerified();
    const navigation = page.waitForRequest((req) => /^(weixin|intent|alipays):/.test(req.url()));
    await cards.button().tap();
    expect((await navigation).url()).toBe(links.scheme);
    expect((await cards.recorded()).opens).toEqual([{ href: links.scheme, platform: "android" }]);
  });
});

test.describe("desktop", () => {
  test.use({ deviceScaleFactor: 2 });

  test("a tap on a WeChat card shows 用微信扫码打开 and a QR code of its landing page", async ({ cards, request, server, page }) => {
    const card = await issueWechatCard(request, server);
    await cards.open([{ token: card.token, surface: "dm" }], { lang: "zh-CN" });
    await cards.expectVerified();
    await cards.tap();
    const dialog = cards.qrDialog();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("heading")).toHaveText("用微信扫码打开");
    await expect(dialog).not.toContainText("支付宝");
    const qr = dialog.locator("svg.qr");
    await expect(qr).toBeVisible();

    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    const expected = buildDeepLink(claims(card.token).card.app, { landing: card.url }).web;
    expect(expected).toBe(`${server.url}/c/${card.id}`);
    expect(decoded?.data).toBe(expected);
    expect((await cards.recorded()).opens).toEqual([{ href: expected, platform: "desktop" }]);
    await expect(dialog.getByRole("link", { name: "在浏览器中打开" })).toHaveAttribute("href", expected);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
  });

  test("in English the sheet says Scan with WeChat to open", async ({ cards, request, server }) => {
    const card = await issueWechatCard(request, server);
    await cards.open([{ token: card.token, surface: "dm" }], { lang: "en" });
    await cards.expectVerified();
    await cards.tap();
    await expect(cards.qrDialog().getByRole("heading")).toHaveText("Scan with WeChat to open");
  });
});
