// Card text full of HTML, script, event handlers, javascript: URLs, SVG and entity tricks is
// issued through the real API (it is valid plain text) and shown as text: nothing runs.

import { claims, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const CORPUS = [
  { title: `<img src=x onerror="window.__xss=1">`, description: `<script>window.__xss=2</script><b>bold</b>`, cta: `<svg onload=x()>` },
  { title: `"><svg/onload=alert(document.domain)>`, description: `<a href="javascript:window.__xss=3">click</a> &lt;script&gt;alert(4)&lt;/script&gt;`, cta: `javascript:x()` },
  { title: `&#60;img src=x onerror=alert(6)&#62; &amp;lt;`, description: `<iframe srcdoc="<script>parent.__xss=7</script>"></iframe>`, cta: `{{constructor}}` },
  { title: `<style>*{display:none}</style>隐藏一切`, description: `<math><mi xlink:href="javascript:alert(8)">x</mi></math> \${alert(9)}`, cta: `<!--` },
];

test("hostile card text is shown as text and never runs", async ({ cards, request, server, page }) => {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const issued = [];
  for (const [index, fields] of CORPUS.entries()) {
    issued.push(await issueCard(request, server, { ...fields, surface: "dm", kind: index % 2 ? "product" : "app", ...(index % 2 ? { price: { amount: "9.90", currency: "CNY" } } : {}) }));
  }
  // Each layout once more, with the first entry.
  const feed = await issueCard(request, server, { ...CORPUS[0], surface: "feed", sharer: "demo-kim" });
  const profile = await issueCard(request, server, { ...CORPUS[1], surface: "profile", sharer: "demo-kim" });
  await cards.open([...issued.map((card) => ({ token: card.token, surface: "dm" })), { token: feed.token, surface: "feed" }, { token: profile.token, surface: "profile" }]);

  const all = [...issued, feed, profile];
  for (const [index, card] of all.entries()) {
    await cards.expectVerified(index);
    const { title, description, cta } = claims(card.token).card;
    await expect(cards.card(index).locator(".t")).toHaveText(title);
    if (description && index >= issued.length) await expect(cards.card(index).locator(".d")).toHaveText(description);
    if (cta && index >= issued.length) await expect(cards.card(index).locator(".cta")).toHaveText(cta);
    // Only the widget's own elements: no element was made from card text.
    const tags = await cards.card(index).evaluate((element) => [...element.shadowRoot!.querySelectorAll("*")].map((node) => node.localName));
    expect(tags.filter((tag) => ["script", "iframe", "style", "a", "b", "math", "mi"].includes(tag))).toEqual([]);
    expect(tags.filter((tag) => tag === "img").length).toBeLessThanOrEqual(2);
  }
  await cards.tap(0);
  await expect(cards.qrDialog()).toBeVisible();
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});
