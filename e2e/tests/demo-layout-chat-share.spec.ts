// The demo app on a desktop and a phone (the feed beside the hot list at ≥ 1024 px, one
// column on a phone), the group chat opening at its newest message once its cards have
// rendered, and the share page: defaults clear of the README's quick start, and a refused
// revocation explained.

import { mkdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

async function boxes(page: Page) {
  const feed = page.locator("#feed");
  const hot = page.locator("mini-program-trending");
  await expect(feed.locator("mini-program-card button.card").first()).toBeVisible();
  await expect(hot.locator("mini-program-card button").first()).toBeVisible();
  return { feed: (await feed.boundingBox())!, hot: (await hot.boundingBox())! };
}

test.describe("at 1280 px", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("the feed and the hot list sit side by side", async ({ demo, page }) => {
    await demo.openFeed();
    const { feed, hot } = await boxes(page);
    expect(hot.x).toBeGreaterThanOrEqual(feed.x + feed.width);
    expect(hot.y).toBeLessThan(feed.y + 200); // same band, not stacked below
    expect(feed.width).toBeGreaterThan(500);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `${SHOTS}demo-desktop.png` });
  });
});

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the hot list sits above the feed, one column", async ({ demo, page }) => {
    await demo.openFeed();
    const { feed, hot } = await boxes(page);
    expect(hot.y + hot.height).toBeLessThanOrEqual(feed.y + 1);
    expect(Math.abs(hot.x - feed.x)).toBeLessThan(2);
    expect(feed.width).toBeGreaterThan(370);
  });

  test("the chat opens at its newest message, after its cards have rendered", async ({ demo, page }) => {
    await demo.openChat();
    await expect.poll(() => demo.cards().count()).toBe(24);
    await expect(page.locator(".msg mini-program-card button.card").last()).toBeVisible();
    await page.waitForLoadState("networkidle");
    const gap = () => page.evaluate(() => {
      const scroller = document.scrollingElement!;
      return scroller.scrollHeight - (scroller.scrollTop + scroller.clientHeight);
    });
    await expect.poll(gap).toBeLessThanOrEqual(2);
    // The newest message is on screen, above the input bar.
    const last = (await page.locator("#chat > .msg").last().boundingBox())!;
    const input = (await page.locator(".inputbar").boundingBox())!;
    expect(last.y + last.height).toBeLessThanOrEqual(input.y + 1);
    expect(last.y).toBeGreaterThan(0);
  });

  test("the share page starts clear of the README's quick start (not demo-alice's feed hour)", async ({ demo, page }) => {
    await demo.openShareConsole();
    await expect(page.getByLabel("分享到")).toHaveValue("dm");
    await expect(page.getByLabel("分享人")).toHaveValue("demo-bob");
    await expect(page.getByLabel("分享人").locator("option:checked")).toHaveText("鲍勃 Bob");
    // README step 1: demo-alice shares to the feed; the page's defaults still share.
    await issueCardAsReadme(page, demo.server);
    await page.getByRole("button", { name: "分享", exact: true }).click();
    await expect(demo.success()).toContainText("已分享到私信");
    await expect(page.locator("#mine .state").first()).toHaveText("有效");
  });

  test("a refused revocation shows the problem's detail and code", async ({ demo, page, request, server }) => {
    const card = await issueCard(request, server, { title: "分享页撤回失败" });
    await page.route(`**/demo/api/brand/cards/${card.id}`, (route) =>
      route.fulfill({ status: 404, contentType: "application/problem+json", body: JSON.stringify({ title: "Not Found", status: 404, code: "not_found", detail: `no card ${card.id} of the demo brand` }) }),
    );
    await demo.openShareConsole();
    await page.getByRole("button", { name: "撤回「分享页撤回失败」" }).click();
    const alert = page.locator("#mine-message [role=alert]");
    await expect(alert).toContainText(`撤回「分享页撤回失败」失败：no card ${card.id} of the demo brand（not_found · HTTP 404）`);
    await expect(page.getByRole("button", { name: "撤回「分享页撤回失败」" })).toBeEnabled();
  });
});

/** README step 1's card: a feed share by demo-alice (what someone following the README did first). */
async function issueCardAsReadme(page: Page, server: { url: string; apiKey: string; partner: string }) {
  const answer = await page.request.post(`${server.url}/v1/cards`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
    data: { partner: server.partner, surface: "feed", sharer: "demo-alice", kind: "app", app: { id: "2021000000000001", page: "pages/movie/detail?id=42" }, title: "今晚 19:30 IMAX 余票 12 张" },
  });
  // 201, or 429 when another test of this worker already used demo-alice's feed hour.
  expect([201, 429]).toContain(answer.status());
}
