// On phones a tap opens the host app: the alipays:// scheme on iPhone, an intent: URL with
// the web hop as browser fallback on Android, with the page and query parameters intact.
// When the page is still visible a moment later, a sheet offers the web hop.

import { buildDeepLink } from "@minicard/sdk";
import { claims, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import { iphone, navigations, pixel } from "../support/phones.js";


function schemeParams(url: string): URLSearchParams {
  return new URLSearchParams(url.slice(url.indexOf("?") + 1).split("#")[0]);
}

test.describe("Android", () => {
  test.use(pixel);

  test("a tap opens an intent: URL with a browser fallback", async ({ cards, request, server, page }) => {
    const card = await issueCard(request, server);
    const app = claims(card.token).card.app;
    const links = buildDeepLink(app);
    await cards.open([{ token: card.token, surface: "dm" }]);
    await cards.expectVerified();
    const requested = await navigations(page);
    const request_ = page.waitForRequest((req) => req.url().startsWith("intent:"));
    await cards.button().tap();
    expect((await request_).url()).toBe(links.intent.slice(0, links.intent.indexOf("#")));
    await expect.poll(() => requested).toContain(links.intent);

    const params = schemeParams(requested.find((url) => url.startsWith("intent:"))!);
    expect(params.get("appId")).toBe(app.id);
    expect(params.get("page")).toBe("pages/movie/detail?id=42&seat=A%2F3");
    expect(params.get("query")).toBe("from=weibo&q=%E4%B8%8A%E6%B5%B7%20%26%20more");
    expect(links.intent).toContain(`;package=com.eg.android.AlipayGphone;S.browser_fallback_url=${encodeURIComponent(links.web)};end`);

    // Still here after ~1.5 s: the app did not open; offer the web hop.
    const sheet = page.getByRole("dialog", { name: "Didn't open?" });
    await expect(sheet).toBeVisible({ timeout: 5000 });
    await expect(sheet.getByRole("link", { name: "Open in browser" })).toHaveAttribute("href", links.web);
  });
});

test.describe("iPhone", () => {
  test.use(iphone);

  test("a tap opens the alipays:// scheme", async ({ cards, request, server, page }) => {
    const card = await issueCard(request, server);
    const app = claims(card.token).card.app;
    const links = buildDeepLink(app);
    await cards.open([{ token: card.token, surface: "dm" }]);
    await cards.expectVerified();
    const navigation = page.waitForRequest((req) => req.url().startsWith("alipays:"));
    await cards.button().tap();
    const url = (await navigation).url();
    expect(url).toBe(links.scheme);
    const params = schemeParams(url);
    expect(params.get("appId")).toBe(app.id);
    expect(params.get("page")).toBe("pages/movie/detail?id=42&seat=A%2F3");
    expect(params.get("query")).toBe("from=weibo&q=%E4%B8%8A%E6%B5%B7%20%26%20more");
    expect((await cards.recorded()).opens).toEqual([{ href: links.scheme, platform: "ios" }]);
    await expect(page.getByRole("dialog", { name: "Didn't open?" })).toBeVisible({ timeout: 5000 });
  });
});
