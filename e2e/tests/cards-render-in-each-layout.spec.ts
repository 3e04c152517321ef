// Each surface's layout renders a verified card (app, product and membership kinds), in
// English and Chinese; a screenshot of each is kept in e2e/screenshots/.

import { mkdirSync } from "node:fs";
import { claims, demoCards, type DemoCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

function ofKind(cards: DemoCard[], kind: string): DemoCard {
  const card = cards.find((candidate) => claims(candidate.token).card.kind === kind);
  if (!card) throw new Error(`no demo ${kind} card`);
  return card;
}

for (const surface of ["dm", "profile", "feed"] as const) {
  test(`a ${surface} card renders verified, with price and offer`, async ({ cards, request, server, page }) => {
    await page.setViewportSize({ width: 420, height: 900 });
    const list = await demoCards(request, server, surface);
    const [app, product, membership] = [ofKind(list, "app"), ofKind(list, "product"), ofKind(list, "membership")];
    await cards.open([
      { token: app.token, surface, lang: "zh-CN" },
      { token: product.token, surface },
      { token: membership.token, surface },
    ]);
    for (const index of [0, 1, 2]) await cards.expectVerified(index);

    const appCard = claims(app.token).card;
    // One button whose accessible name reads brand, title and action.
    await expect(cards.button(0)).toHaveAccessibleName(new RegExp(`^${escapeRegExp(appCard.brand.name)}, ${escapeRegExp(appCard.title)}`));
    await expect(cards.card(0).getByText(appCard.title)).toBeVisible();
    if (surface !== "dm") await expect(cards.card(0).locator(".cta")).toHaveText(appCard.cta ?? "打开");
    else await expect(cards.card(0).locator(".mp")).toHaveText("小程序");

    const price = claims(product.token).card.price;
    const formatted = new Intl.NumberFormat("en", { style: "currency", currency: price.currency }).format(Number(price.amount));
    await expect(cards.card(1).locator(".pr")).toHaveText(formatted);
    const offer = claims(membership.token).card.membership;
    await expect(cards.card(2).locator(".of")).toContainText(`${offer.benefit} · Join now, pay after ${offer.trialDays} days`);

    await page.waitForLoadState("networkidle");
    for (const index of [0, 1, 2]) {
      await expect(cards.card(index).locator("img.img")).toHaveJSProperty("complete", true);
      await cards.card(index).locator("[part=root]").screenshot({ path: `${SHOTS}${surface}-${["app", "product", "membership"][index]}.png` });
    }
    expect((await cards.recorded()).errors).toEqual([]);
  });
}

test("dark theme and a broken image still look like a card", async ({ cards, request, server, context, page }) => {
  await context.route("https://picsum.photos/**", (route) => route.fulfill({ status: 404, body: "" }));
  const [card] = await demoCards(request, server, "feed", 1);
  await cards.open([{ token: card!.token, surface: "feed", theme: "dark" }]);
  await cards.expectVerified();
  // The cover falls back to the brand's initial on a gradient; no broken <img> stays.
  await expect(cards.card().locator(".img.fb")).toBeVisible();
  await expect(cards.card().locator("img")).toHaveCount(0);
  await expect(cards.button()).toHaveCSS("background-color", "rgb(31, 31, 33)");
  await cards.card().locator("[part=root]").screenshot({ path: `${SHOTS}feed-dark-broken-image.png` });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
