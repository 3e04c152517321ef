// A partner page with a strict Content-Security-Policy (no unsafe-inline, no unsafe-eval,
// no style-src at all) renders every layout, opens the QR code (the lazily loaded encoder)
// and reports no violation and no console error.

import { demoCards } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

test("cards render under a strict CSP without violations", async ({ cards, request, server, page }) => {
  const consoleErrors: string[] = [];
  page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  const csp = `default-src 'none'; script-src ${server.url}; connect-src ${server.url}; img-src https:; style-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'`;
  const specs = [];
  for (const surface of ["dm", "profile", "feed"]) {
    const [card] = await demoCards(request, server, surface, 1);
    specs.push({ token: card!.token, surface });
  }
  await cards.open(specs, { csp });
  for (const index of [0, 1, 2]) await cards.expectVerified(index);
  // Styled by the adopted stylesheet even though style-src is 'none'.
  await expect(cards.button(2)).toHaveCSS("border-top-left-radius", "12px");
  await cards.tap(2);
  await expect(cards.qrDialog().locator("svg.qr")).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect((await cards.recorded()).violations).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
