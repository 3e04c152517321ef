// Keyboard only: Tab reaches the card (with a visible focus ring), Enter and Space open it,
// Escape closes the QR code and gives focus back.

import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

test("Tab, Enter and Space open a card", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server, { title: "Keyboard friendly" });
  await cards.open([{ token: card.token, surface: "dm" }]);
  await cards.expectVerified();

  await page.keyboard.press("Tab");
  await expect(cards.button()).toBeFocused();
  await expect(cards.button()).toHaveCSS("outline-style", "solid");
  await page.keyboard.press("Enter");
  await expect(cards.qrDialog()).toBeVisible();
  await expect(cards.qrDialog().getByRole("button", { name: "Close" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(cards.qrDialog()).toBeHidden();
  await expect(cards.button()).toBeFocused();

  await page.keyboard.press("Space");
  await expect(cards.qrDialog()).toBeVisible();
  await page.keyboard.press("Enter"); // on the focused Close button
  await expect(cards.qrDialog()).toBeHidden();
  expect((await cards.recorded()).opens).toHaveLength(2);
});
