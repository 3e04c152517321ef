// The growth loop's money in a real browser: in the demo partner app a reader is signed in,
// so the partner's backend (the demo API) hands the page a viewer pass. A tap on a card then
// credits the brand one unique visitor, once however often the reader taps that day. A reader
// whose pass never arrived is counted too, as unverified, and the brand console shows it in
// its invalid-traffic report.

import type { APIRequestContext, Page } from "@playwright/test";
import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import type { DemoServer } from "../support/server.js";

async function stats(request: APIRequestContext, server: DemoServer) {
  const response = await request.get(`${server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${server.apiKey}` } });
  return (await response.json()) as { uv: number; clicks: number; ledger: { uv: number }; byQuality: Record<string, { clicks: number }> };
}

/** Taps the card in the demo chat (desktop: the QR sheet opens; close it). */
async function tap(page: Page, cardId: string) {
  const card = page.locator(`mini-program-card[data-card-id="${cardId}"]`);
  await card.scrollIntoViewIfNeeded();
  await card.getByRole("button").first().click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.keyboard.press("Escape");
}

test("a signed-in reader's tap credits the brand exactly once; without a pass it is counted as unverified", async ({ page, browser, request, server }) => {
  const card = await issueCard(request, server, { title: "凭证测试：今晚 21:00 场" });
  const before = await stats(request, server);

  // Signed in: the demo API mints the reader's pass and the page puts it in its meta tag.
  await page.goto(`${server.url}/demo/chat.html`);
  await expect(page.locator('meta[name="minicard-viewer"]')).toHaveAttribute("content", /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  await tap(page, card.id);
  await expect.poll(async () => (await stats(request, server)).ledger.uv, { timeout: 15_000 }).toBe(before.ledger.uv + 1);
  // Tapping again the same day is another click, not another unique visitor.
  await tap(page, card.id);
  await expect.poll(async () => (await stats(request, server)).byQuality.credited!.clicks, { timeout: 15_000 }).toBe(before.byQuality.credited!.clicks + 2);
  const signedIn = await stats(request, server);
  expect(signedIn.ledger.uv).toBe(before.ledger.uv + 1);
  expect(signedIn.uv).toBe(before.uv + 1);

  // Another reader whose sign-in fails: the page has no pass, the tap is counted as unverified.
  const context = await browser.newContext({ userAgent: await page.evaluate(() => navigator.userAgent) });
  const signedOut = await context.newPage();
  await signedOut.route("**/demo/api/session", (route) => route.abort());
  await signedOut.route("https://picsum.photos/**", (route) => route.fulfill({ status: 404 }));
  await signedOut.goto(`${server.url}/demo/chat.html`);
  await tap(signedOut, card.id);
  await expect.poll(async () => (await stats(request, server)).byQuality.unverified!.clicks, { timeout: 15_000 }).toBe(before.byQuality.unverified!.clicks + 1);
  const after = await stats(request, server);
  expect(after.ledger.uv).toBe(before.ledger.uv + 1);
  expect(await signedOut.locator('meta[name="minicard-viewer"]').count()).toBe(0);
  await context.close();

  // The brand console reports it the way ad platforms report invalid clicks.
  await page.goto(`${server.url}/demo/console.html`);
  const row = (quality: string) => page.locator(`tr[data-quality="${quality}"]`);
  await expect(row("unverified").locator("td[data-clicks]")).toHaveText(after.byQuality.unverified!.clicks.toLocaleString("zh-CN"));
  await expect(row("credited").locator("td[data-clicks]")).toHaveText(after.byQuality.credited!.clicks.toLocaleString("zh-CN"));
  await expect(page.locator('[data-figure="invalidClicks"] dd')).toHaveText((after.clicks - after.byQuality.credited!.clicks).toLocaleString("zh-CN"));
  await expect(page.getByRole("heading", { name: "无效流量", exact: true })).toBeVisible();
  await page.locator("#quality-title").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/screenshots/brand-console-invalid-traffic.png", fullPage: true });
});
