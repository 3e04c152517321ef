// A partner's native app takes over a tap: a minicard:open listener that calls
// preventDefault() stops the widget from navigating or showing anything.

import { devices } from "@playwright/test";
import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const { defaultBrowserType: _iphone, ...iphone } = devices["iPhone 14"];

test.describe("on a phone", () => {
  test.use(iphone);

  test("preventDefault() on minicard:open stops the navigation", async ({ cards, request, server, page }) => {
    const card = await issueCard(request, server);
    await cards.open([{ token: card.token, surface: "dm" }]);
    await cards.expectVerified();
    await cards.card().evaluate((element) =>
      element.addEventListener("minicard:open", (event) => {
        event.preventDefault();
        (window as unknown as { __taken: string }).__taken = (event as CustomEvent).detail.href;
      }),
    );
    const schemes: string[] = [];
    page.on("request", (req) => !req.url().startsWith("http") && schemes.push(req.url()));
    await cards.button().tap();
    await page.waitForTimeout(2000);
    expect(schemes).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __taken?: string }).__taken)).toMatch(/^alipays:\/\/platformapi\/startapp\?appId=/);
    await expect(page.getByRole("dialog")).toHaveCount(0);
  });
});

test("on a desktop, preventDefault() keeps the QR code closed", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server);
  await cards.open([{ token: card.token, surface: "dm" }]);
  await cards.expectVerified();
  await cards.card().evaluate((element) => element.addEventListener("minicard:open", (event) => event.preventDefault()));
  await cards.tap();
  await page.waitForTimeout(500);
  await expect(page.getByRole("dialog")).toHaveCount(0);
});
