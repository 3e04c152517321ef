// The demo brand shares a card from its console and finds it in the demo app; a second
// feed share by the same sharer within the hour is refused, and the console explains why.

import { mkdirSync } from "node:fs";
import { expect, test } from "../support/fixtures.js";

const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

test.use({ viewport: { width: 390, height: 844 } });

test("a dm share appears in the chat", async ({ demo, page }) => {
  await demo.openShareConsole();
  const title = `周五夜场 ${Date.now() % 100000}`;
  await demo.share({ surface: "dm", title, page: "pages/movie/detail?id=7" });
  await expect(demo.success()).toContainText("已分享到私信");
  await expect(page.locator("#result mini-program-card button.card")).toBeVisible();
  await expect(page.locator("#mine")).toContainText(title);
  await page.screenshot({ path: `${SHOTS}demo-share.png`, fullPage: true });

  await demo.openChat();
  await expect(page.locator("mini-program-card").getByText(title)).toBeVisible();
});

test("a second feed share within the hour is refused and explained", async ({ demo }) => {
  await demo.openShareConsole();
  await demo.share({ surface: "feed", sharer: "demo-leo", title: "第一条信息流分享" });
  await expect(demo.success()).toBeVisible();
  await demo.share({ surface: "feed", sharer: "demo-leo", title: "第二条信息流分享" });
  const refusal = demo.refusal();
  await expect(refusal).toHaveAttribute("data-code", "rate_limited");
  await expect(refusal).toContainText("Retry-After");
  await expect(refusal).toContainText(/后重试/);
  await demo.page.screenshot({ path: `${SHOTS}demo-share-refused.png`, fullPage: true });

  await demo.openFeed();
  await expect(demo.page.locator("mini-program-card").first().getByText("第一条信息流分享")).toBeVisible();
});

test("a share with bad fields lists them", async ({ demo }) => {
  await demo.openShareConsole();
  await demo.share({ surface: "dm", title: "坏图片", image: "http://example.com/a.png" });
  await expect(demo.refusal()).toHaveAttribute("data-code", "validation_failed");
  await expect(demo.refusal()).toContainText("/image");
});
