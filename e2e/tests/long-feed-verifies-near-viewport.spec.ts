// A feed of 1000 cards stays cheap: only cards within about two screens of the viewport are
// verified and rendered on load, the rest are placeholders of the right height, and the
// issuer's JWKS is fetched once for the whole page.

import { demoCards } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

test("only cards near the viewport are verified; the JWKS is fetched once", async ({ cards, request, server, page }) => {
  const feed = await demoCards(request, server, "feed");
  const specs = Array.from({ length: 1000 }, (_, index) => ({ token: feed[index % feed.length]!.token, surface: "feed" }));
  const jwks: string[] = [];
  page.on("request", (req) => req.url().endsWith("/.well-known/jwks.json") && jwks.push(req.url()));
  await cards.open(specs);
  await cards.expectVerified(0);
  await page.waitForTimeout(1500);

  const viewport = page.viewportSize()!;
  const slotHeight = await cards.card(0).evaluate((element) => element.getBoundingClientRect().height);
  const near = Math.ceil((viewport.height * 3) / slotHeight) + 1; // the viewport and two screens below it
  const onLoad = (await cards.recorded()).renders.length;
  expect(onLoad).toBeGreaterThan(0);
  expect(onLoad).toBeLessThanOrEqual(near);
  // Far cards are placeholders with a feed card's height, so the page has its full length.
  const placeholder = await cards.card(999).evaluate((element) => element.shadowRoot!.querySelector(".idle")?.getBoundingClientRect().height ?? 0);
  expect(Math.abs(placeholder - slotHeight)).toBeLessThan(slotHeight * 0.25);

  await cards.card(999).scrollIntoViewIfNeeded();
  await cards.expectVerified(999);
  const afterScroll = (await cards.recorded()).renders.length;
  expect(afterScroll).toBeLessThanOrEqual(onLoad + 2 * near);
  expect(jwks).toHaveLength(1);
});
