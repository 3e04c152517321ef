// The hot list is secondary content: <mini-program-trending> loads its chunk, asks for its
// list and verifies its cards only once the page's own first card has rendered (or failed),
// so it never competes with the card the reader came for. A page with no card, a page whose
// cards are all far below the viewport, and a hot list added after the first card still get
// their list, without waiting longer than they must.

import type { Page } from "@playwright/test";
import { issueCard, tamperSignature } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import type { DemoServer } from "../support/server.js";

/** The widget's cap on the wait (FIRST_CARD_WAIT_MS in embed-widget/src/trending/register.ts). */
const FIRST_CARD_WAIT_MS = 1000;

let pages = 0;

/** Serves `body` as a page on the issuer's origin (a registered partner origin) and opens it. */
async function open(page: Page, server: DemoServer, body: string): Promise<void> {
  const url = `${server.url}/e2e/hot-list-${++pages}.html`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hot list</title>
<script>
window.__events = [];
for (const name of ["minicard:render", "minicard:error", "minicard:trending"]) {
  addEventListener(name, (event) => {
    // The card the event came from, through the hot list's shadow root (it is open).
    const card = event.composedPath().find((node) => node.localName === "mini-program-card");
    window.__events.push({ name, slot: card ? card.dataset.slot ?? null : "none", at: performance.now() });
  }, true);
}
</script>
<script src="${server.url}/embed.js" async></script></head><body>${body}</body></html>`;
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }));
  await page.goto(url);
}

/** Answers the page's `GET /v1/trending` with `cards` (issued here, so the test owns the list). */
async function serveList(page: Page, cards: Array<{ id: string; token: string }>): Promise<void> {
  await page.route(
    (url) => url.pathname === "/v1/trending",
    (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ cards: cards.map(({ id, token }) => ({ id, token, surface: "dm" })) }) }),
  );
}

interface Timeline {
  events: Array<{ name: string; slot: string | null; at: number }>;
  /** When the trending chunk and the list were requested, in the page's clock (-1: never). */
  chunkAt: number;
  listAt: number;
  /** When embed.js had arrived: the stub connects no sooner. */
  scriptAt: number;
}

function timeline(page: Page): Promise<Timeline> {
  return page.evaluate(() => {
    const started = (test: (name: string) => boolean) => performance.getEntriesByType("resource").find((entry) => test(entry.name))?.startTime ?? -1;
    return {
      events: (window as unknown as { __events: Timeline["events"] }).__events,
      chunkAt: started((name) => /\/widget\/trending\.[0-9a-f]+\.js$/.test(name)),
      listAt: started((name) => name.includes("/v1/trending?")),
      scriptAt: (performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/embed.js")) as PerformanceResourceTiming).responseEnd,
    };
  });
}

const trending = (server: DemoServer) => `<mini-program-trending partner="${server.partner}" surface="dm" limit="2"></mini-program-trending>`;
const card = (server: DemoServer, token: string) => `<mini-program-card token="${token}" surface="dm" partner="${server.partner}" data-no-track></mini-program-card>`;
const listed = (page: Page) => page.locator('mini-program-trending mini-program-card[data-slot="trending"]');

test("the hot list above a card loads only after that card has rendered", async ({ page, request, server }) => {
  const own = await issueCard(request, server, { title: "The card the reader came for" });
  const hot = [await issueCard(request, server, { title: "Hot one" }), await issueCard(request, server, { title: "Hot two" })];
  await serveList(page, hot);
  // The list comes first in the page, as on the demo feed: without the wait it would start first.
  await open(page, server, `${trending(server)}${card(server, own.token)}`);

  await expect(listed(page)).toHaveCount(2);
  await expect(listed(page).nth(1).getByRole("button")).toBeVisible();
  const { events, chunkAt, listAt } = await timeline(page);
  const rendered = events.find((event) => event.name === "minicard:render" && event.slot === null);
  expect(rendered, "the page's own card rendered").toBeDefined();
  expect(chunkAt).toBeGreaterThanOrEqual(rendered!.at);
  expect(listAt).toBeGreaterThan(chunkAt);
  // The page's card was the first to render: no hot-list card got ahead of it.
  expect(events.find((event) => event.name === "minicard:render")).toBe(rendered);
});

test("a card that fails lets the hot list load at once, and a page with no card never waits", async ({ page, request, server }) => {
  const own = await issueCard(request, server, { title: "Tampered" });
  const hot = [await issueCard(request, server, { title: "Hot one" })];
  await serveList(page, hot);
  await open(page, server, `${trending(server)}${card(server, tamperSignature(own.token))}`);
  await expect(listed(page)).toHaveCount(1);
  const failed = await timeline(page);
  const error = failed.events.find((event) => event.name === "minicard:error");
  expect(error, "the tampered card failed").toBeDefined();
  expect(failed.chunkAt).toBeGreaterThanOrEqual(error!.at);
  expect(failed.chunkAt - error!.at).toBeLessThan(FIRST_CARD_WAIT_MS);

  await open(page, server, trending(server));
  await expect(listed(page)).toHaveCount(1);
  const alone = await timeline(page);
  expect(alone.chunkAt - alone.scriptAt).toBeLessThan(FIRST_CARD_WAIT_MS);
});

test("cards far below the viewport hold the hot list back no longer than the cap", async ({ page, request, server }) => {
  const far = await issueCard(request, server, { title: "Far below" });
  const hot = [await issueCard(request, server, { title: "Hot one" })];
  await serveList(page, hot);
  // Twenty screens down: the widget never verifies it on load, so it never renders or fails.
  await open(page, server, `${trending(server)}<div style="height: 20000px"></div>${card(server, far.token)}`);
  await expect(listed(page)).toHaveCount(1);
  const { events, chunkAt, scriptAt } = await timeline(page);
  expect(events.filter((event) => event.slot === null)).toEqual([]);
  expect(chunkAt - scriptAt).toBeGreaterThanOrEqual(FIRST_CARD_WAIT_MS - 50);
});

test("a hot list added after the first card has rendered loads at once", async ({ page, request, server }) => {
  const own = await issueCard(request, server, { title: "Already shown" });
  const hot = [await issueCard(request, server, { title: "Hot one" })];
  await serveList(page, hot);
  await open(page, server, card(server, own.token));
  await expect(page.locator("mini-program-card").getByRole("button")).toBeVisible();

  const added = await page.evaluate((partner) => {
    const list = document.createElement("mini-program-trending");
    list.setAttribute("partner", partner);
    list.setAttribute("surface", "dm");
    const at = performance.now();
    document.body.prepend(list);
    return at;
  }, server.partner);
  await expect(listed(page)).toHaveCount(1);
  const { chunkAt } = await timeline(page);
  expect(chunkAt).toBeGreaterThanOrEqual(added);
  expect(chunkAt - added).toBeLessThan(FIRST_CARD_WAIT_MS);
});
