// The growth loop in a real browser: a share link unfurls into an accessible landing page
// (axe), the iframe page frames only on the partner's origins, the demo feed shows the hot
// list (<mini-program-trending>) whose impressions land in the brand's ledger as delivered
// exposure, and the brand console charts the stats and revokes a card.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { claims, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** Runs axe (WCAG 2.1 A and AA) on the page, or on an axe context; answers the violations. */
async function axe(page: Page, selector?: object) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async (selector) => {
    const result = await (window as unknown as { axe: { run(context: Document | object, options: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe.run(selector ?? document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => (node as { target: string[] }).target.join(" ")) }));
  }, selector);
}

test.describe("landing pages", () => {
  // axe is injected as a script: the landing page's CSP (default-src 'none') would refuse it.
  test.use({ bypassCSP: true });

  test("a share link unfurls into an accessible landing page with a desktop QR code", async ({ page, request, server }) => {
    const card = await issueCard(request, server, { surface: "feed", sharer: "demo-ivan", kind: "product", price: { amount: "39.00", currency: "CNY" }, title: "今晚 20:00 重映 限时 39 元" });
    const response = await page.goto(card.url);
    expect(response!.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1, name: "今晚 20:00 重映 限时 39 元" })).toBeVisible();
    await expect(page.getByText("¥39.00")).toBeVisible();
    // A Chinese card: the page speaks zh-CN. The button's own link is the web hop (its script opens the scheme on phones).
    await expect(page.getByRole("link", { name: "选座购票" })).toHaveAttribute("data-scheme", /^alipays:\/\/platformapi\/startapp\?appId=2021000000000001&page=/);
    await expect(page.getByRole("link", { name: "选座购票" })).toHaveAttribute("href", /^https:\/\/ds\.alipay\.com\/\?scheme=alipays%3A/);
    await expect(page.getByRole("link", { name: "在网页中打开" })).toHaveAttribute("href", /^https:\/\/ds\.alipay\.com\/\?scheme=alipays%3A/);
    await expect(page.getByRole("img", { name: /用支付宝扫码打开/ })).toBeVisible(); // desktop: hover + fine pointer
    await expect(page.locator('meta[property="og:title"]')).toHaveAttribute("content", "今晚 20:00 重映 限时 39 元");
    await expect(page.locator('meta[name="twitter:card"]')).toHaveAttribute("content", "summary_large_image");

    // The oEmbed discovery link leads to a valid rich response.
    const href = await page.locator('link[rel="alternate"][type="application/json+oembed"]').getAttribute("href");
    const oembed = await (await request.get(href!)).json();
    expect(oembed).toMatchObject({ type: "rich", version: "1.0", provider_name: "Minicard", width: 520, height: 540 });

    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: "e2e/screenshots/landing-product.png", fullPage: true });
  });

  test("a revoked card's link shows an accessible 410 page", async ({ page, request, server }) => {
    const card = await issueCard(request, server, { title: "马上撤回" });
    await request.delete(`${server.url}/v1/cards/${card.id}`, { headers: { authorization: `Bearer ${server.apiKey}` } });
    const response = await page.goto(card.url);
    expect(response!.status()).toBe(410);
    await expect(page.getByRole("heading", { name: "该卡片已失效" })).toBeVisible(); // the card's language: zh-CN
    await expect(page.getByText("马上撤回")).toHaveCount(0);
    expect(await axe(page)).toEqual([]);
  });
});

test("the iframe page renders inside the partner's pages and refuses any other origin", async ({ page, request, server }) => {
  const card = await issueCard(request, server, { title: "嵌入测试" });
  const framing = () => `<!doctype html><html lang="en"><title>framing</title><iframe title="card" src="${server.url}/e/${card.id}" width="360" height="200"></iframe></html>`;

  // On the partner's origin (the demo partner app is served by the server itself).
  await page.route(`${server.url}/partner-framing-test`, (route) => route.fulfill({ contentType: "text/html", body: framing() }));
  await page.goto(`${server.url}/partner-framing-test`);
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "嵌入测试" })).toBeVisible();
  expect(page.frames()[1]!.url()).toBe(`${server.url}/e/${card.id}`);

  // On a stranger's origin: the browser enforces frame-ancestors and shows nothing of the card.
  await page.route("http://stranger.example/**", (route) => route.fulfill({ contentType: "text/html", body: framing() }));
  await page.goto("http://stranger.example/");
  // Chromium replaces a frame refused by frame-ancestors with its error page.
  const framed = () => page.frames().filter((frame) => frame !== page.mainFrame()).map((frame) => frame.url());
  await expect.poll(framed).toEqual(["chrome-error://chromewebdata/"]);
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "嵌入测试" })).toHaveCount(0);
});

test("the demo feed shows the hot list, and its impressions are delivered exposure in the brand's ledger", async ({ page, request, server }) => {
  const trending = await (await request.get(`${server.url}/v1/trending?partner=${server.partner}&surface=feed&limit=3`)).json();
  expect(trending.cards.length).toBeGreaterThan(0);
  // City Services brings no visitors in the demo: no balance, no paid slot.
  expect(trending.cards.map((card: { token: string }) => claims(card.token).sub)).not.toContain("demo-city");
  const top = trending.cards[0] as { id: string; brand: string };
  const keys = JSON.parse(readFileSync(join(server.dataDir, "demo.json"), "utf8")).brands as Record<string, string>;
  const ledger = async () => (await (await request.get(`${server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${keys[top.brand]}` } })).json()).ledger;
  const before = await ledger();

  await page.goto(`${server.url}/demo/`);
  const module = page.locator("mini-program-trending");
  await expect(module.getByRole("heading", { name: "热门" })).toBeVisible();
  const listed = module.locator('mini-program-card[data-slot="trending"]');
  await expect(listed).toHaveCount(trending.cards.length);
  await expect(listed.first()).toHaveAttribute("data-card", top.id);
  await expect(listed.first().getByRole("button")).toBeVisible(); // verified and rendered
  await page.screenshot({ path: "e2e/screenshots/demo-feed-trending.png" });

  // Seen for a second, flushed on the next tick: one trending impression for the top card.
  await expect.poll(async () => (await ledger()).pvDelivered, { timeout: 15_000 }).toBeGreaterThan(before.pvDelivered);
  const after = await ledger();
  expect(after.pvBalance).toBe(after.pvGranted - after.pvDelivered);
});

test.describe("demo pages under axe", () => {
  test.use({ bypassCSP: true });

  test("the brand console and the feed's hot list module pass axe", async ({ page, server }) => {
    await page.goto(`${server.url}/demo/console.html`);
    await expect(page.locator("svg[data-chart]").first()).toBeVisible();
    expect(await axe(page)).toEqual([]);
    await page.goto(`${server.url}/demo/`);
    await expect(page.locator('mini-program-trending mini-program-card[data-slot="trending"]').first().getByRole("button")).toBeVisible();
    // The module itself: its heading, list and ranks. The cards inside are the card widget's,
    // checked by its own specs.
    const module = (await axe(page, { include: [["mini-program-trending"]] }))
      .map((violation) => ({ ...violation, nodes: violation.nodes.filter((node) => !/,mini-program-card/.test(node)) }))
      .filter((violation) => violation.nodes.length > 0);
    expect(module).toEqual([]);
  });
});

test("the brand console charts impressions and clicks, shows the balance and revokes a card", async ({ page, request, server }) => {
  const card = await issueCard(request, server, { title: "控制台撤回测试 <b>粗体</b>" });
  await page.goto(`${server.url}/demo/console.html`);
  const stats = await (await request.get(`${server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${server.apiKey}` } })).json();
  await expect(page.locator('[data-figure="pvBalance"] dd')).toHaveText(stats.ledger.pvBalance.toLocaleString("zh-CN"));
  await expect(page.locator('[data-figure="uv"] dd').first()).toHaveText(stats.ledger.uv.toLocaleString("zh-CN"));
  const chart = page.getByRole("img", { name: /近 30 天每日曝光/ });
  await expect(chart).toBeVisible();
  await expect(page.locator('svg[data-chart="impressions"] g[data-day]')).toHaveCount(30);
  expect(stats.impressions).toBeGreaterThan(0);

  // The table opens on the cards with the most impressions: newest first finds a card without any.
  await page.getByRole("button", { name: "状态" }).click();
  const row = page.locator(`tr[data-card-id="${card.id}"]`);
  while (!(await row.isVisible())) await page.getByRole("button", { name: "下一页" }).click();
  await expect(row.getByText("控制台撤回测试 <b>粗体</b>")).toBeVisible(); // text, not markup
  await expect(row.locator("b")).toHaveCount(0);
  await expect(row.getByText("有效")).toBeVisible();
  await row.getByRole("button", { name: /撤回/ }).click();
  await expect(row.getByText("已撤回")).toBeVisible();
  await expect(row.getByRole("button")).toHaveCount(0);
  expect((await (await request.get(`${server.url}/c/${card.id}`, { headers: { accept: "application/json" } })).json()).state).toBe("revoked");
});
