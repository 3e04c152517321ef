// On a desktop, tapping a card shows a QR code of its web link (to scan with the host app);
// the code decodes to exactly the link the SDK builds from the card's app.

import jsqr from "jsqr";
import { PNG } from "pngjs";
import { buildDeepLink } from "@minicard/sdk";
import { claims, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

// jsqr is CommonJS: its default export is module.exports itself, or its `default` property.
const jsQR = ((jsqr as unknown as { default?: typeof jsqr.default }).default ?? jsqr) as typeof jsqr.default;

test.use({ deviceScaleFactor: 2 });

test("a desktop tap shows a QR code that decodes to the card's link", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server, { surface: "feed", sharer: "demo-judy" });
  const sheetRequests: string[] = [];
  page.on("request", (req) => /\/widget\/sheet\.[0-9a-f]+\.js$/.test(req.url()) && sheetRequests.push(req.url()));
  await cards.open([{ token: card.token, surface: "feed" }]);
  await cards.expectVerified();
  expect(sheetRequests).toEqual([]); // the sheet and its QR encoder load on the first desktop tap only

  await cards.tap();
  const dialog = cards.qrDialog();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("heading")).toHaveText("Scan with Alipay to open");
  const qr = dialog.locator("svg.qr");
  await expect(qr).toBeVisible();
  expect(sheetRequests).toHaveLength(1);

  const png = PNG.sync.read(await qr.screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  const expected = buildDeepLink(claims(card.token).card.app).web;
  expect(decoded?.data).toBe(expected);
  expect((await cards.recorded()).opens).toEqual([{ href: expected, platform: "desktop" }]);
  await expect(dialog.getByRole("link", { name: "Open in browser" })).toHaveAttribute("href", expected);

  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(cards.button()).toBeFocused();
});
