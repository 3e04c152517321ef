// Beacons carry the viewer pass the partner minted for its signed-in user: a card's own
// `viewer` attribute, else the page's <meta name="minicard-viewer">, read when the batch is
// sent. Events with different passes never share a batch, a malformed pass is never sent, and
// hot-list cards send their entry's placement. Asserted on the beacons' bodies as they leave
// the page, not on what the server credits.

import type { Page, Request } from "@playwright/test";
import type { EventBatch } from "@minicard/sdk";
import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import type { DemoServer } from "../support/server.js";

// Passes shaped as the server takes them (compact JWS); their signatures are not checked here.
const PASS_A = "eyJhbGciOiJFUzI1NiIsInR5cCI6Im1pbmljYXJkLXZpZXdlcitqd3QifQ.eyJzdWIiOiJ2aWV3ZXItYSJ9.c2lnbmF0dXJlLWE";
const PASS_B = "eyJhbGciOiJFUzI1NiIsInR5cCI6Im1pbmljYXJkLXZpZXdlcitqd3QifQ.eyJzdWIiOiJ2aWV3ZXItYiJ9.c2lnbmF0dXJlLWI";
const PAGE_PASS = "eyJhbGciOiJFZERTQSIsInR5cCI6Im1pbmljYXJkLXZpZXdlcitqd3QifQ.eyJzdWIiOiJwYWdlLTEifQ.c2lnbmF0dXJlLXAx";
const PAGE_PASS_2 = "eyJhbGciOiJFZERTQSIsInR5cCI6Im1pbmljYXJkLXZpZXdlcitqd3QifQ.eyJzdWIiOiJwYWdlLTIifQ.c2lnbmF0dXJlLXAy";

/** Records every beacon body the page sends to `POST /v1/events`. */
function captureBeacons(page: Page): EventBatch[] {
  const batches: EventBatch[] = [];
  page.on("request", (request: Request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/v1/events") batches.push(JSON.parse(request.postData() ?? "{}") as EventBatch);
  });
  return batches;
}

/** The batches that carry an event of `type` for `card`. */
const batchesWith = (batches: EventBatch[], card: string, type = "impression") => batches.filter((batch) => batch.events.some((event) => event.card === card && event.type === type));

let pages = 0;

/**
 * Serves the card page's HTML (`cards.html`, the same page the other tests use) on the
 * issuer's origin, a partner origin, with `head` added to its <head>, and opens it.
 */
async function openHtml(page: Page, server: DemoServer, html: string, head = ""): Promise<void> {
  const url = `${server.url}/e2e/viewer-pass-${++pages}.html`;
  const body = html.replace("</head>", `${head}</head>`);
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body }));
  await page.goto(url);
}

/** `html` with a `viewer` attribute on the nth card for each pass given (undefined: none). */
function withViewers(html: string, viewers: Array<string | undefined>): string {
  let index = 0;
  return html.replace(/<mini-program-card /g, (tag) => {
    const viewer = viewers[index++];
    return viewer === undefined ? tag : `${tag}viewer="${viewer}" `;
  });
}

const meta = (content: string) => `<meta name="minicard-viewer" content="${content}">`;

test("a card's viewer attribute goes with its impression and its click", async ({ cards, page, request, server }) => {
  const card = await issueCard(request, server, { title: "Viewer attribute" });
  const batches = captureBeacons(page);
  await openHtml(page, server, withViewers(cards.html([{ token: card.token, surface: "dm" }]), [PASS_A]));
  await cards.expectVerified(0);
  await expect.poll(() => batchesWith(batches, card.id).length, { timeout: 15_000 }).toBe(1);
  expect(batchesWith(batches, card.id)[0]).toMatchObject({ viewer: PASS_A, events: [{ type: "impression", card: card.id }] });

  await cards.tap(0);
  await page.keyboard.press("Escape");
  await expect.poll(() => batchesWith(batches, card.id, "click").length).toBe(1);
  expect(batchesWith(batches, card.id, "click")[0]!.viewer).toBe(PASS_A);
});

test("the page's meta pass is read when a batch leaves: a new value reaches later beacons; the attribute wins", async ({ cards, page, request, server }) => {
  const paged = await issueCard(request, server, { title: "Page pass" });
  const own = await issueCard(request, server, { title: "Own pass" });
  const batches = captureBeacons(page);
  const html = withViewers(cards.html([{ token: paged.token, surface: "dm" }, { token: own.token, surface: "dm" }]), [undefined, PASS_B]);
  await openHtml(page, server, html, meta(PAGE_PASS));
  await cards.expectVerified(0);
  await cards.expectVerified(1);
  await expect.poll(() => batchesWith(batches, paged.id).length + batchesWith(batches, own.id).length, { timeout: 15_000 }).toBe(2);
  expect(batchesWith(batches, paged.id)[0]!.viewer).toBe(PAGE_PASS);
  expect(batchesWith(batches, own.id)[0]!.viewer).toBe(PASS_B); // its own attribute, not the page's

  // A single-page app refreshes the pass: the next beacon carries the new one.
  await page.evaluate((pass) => document.querySelector('meta[name="minicard-viewer"]')!.setAttribute("content", pass), PAGE_PASS_2);
  await cards.tap(0);
  await page.keyboard.press("Escape");
  await expect.poll(() => batchesWith(batches, paged.id, "click").length).toBe(1);
  expect(batchesWith(batches, paged.id, "click")[0]!.viewer).toBe(PAGE_PASS_2);

  // Signed out: the tag is gone, and so is the pass (the batch has no viewer member at all).
  await page.evaluate(() => document.querySelector('meta[name="minicard-viewer"]')!.remove());
  await cards.tap(0);
  await page.keyboard.press("Escape");
  await expect.poll(() => batchesWith(batches, paged.id, "click").length).toBe(2);
  expect(batchesWith(batches, paged.id, "click")[1]).not.toHaveProperty("viewer");
});

test("the meta pass is read when the batch leaves, not when the event is queued", async ({ cards, page, request, server }) => {
  const card = await issueCard(request, server, { title: "Late pass" });
  const batches = captureBeacons(page);
  // The page's timers under the test's control: the impression's second of visibility, then the flush delay.
  await page.clock.install();
  await openHtml(page, server, cards.html([{ token: card.token, surface: "dm" }]));
  // Paused half a second ahead of the page's own clock, read from the page: its fake clock has
  // been running since install, and on a loaded machine the test process's Date.now() + 500
  // was already behind it once (pauseAt then refuses: "Cannot fast-forward to the past").
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 500);
  await cards.expectVerified(0);
  // Once an observer of the test sees the card, the widget's has too (same rendering step).
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        new IntersectionObserver((entries, observer) => entries.some((entry) => entry.isIntersecting) && (observer.disconnect(), resolve()), { threshold: 0.5 }).observe(
          document.querySelector("mini-program-card")!,
        ),
      ),
  );
  await page.clock.runFor(1000); // seen for a second: the impression is queued, its flush is a second away
  await page.waitForTimeout(300);
  expect(batchesWith(batches, card.id)).toEqual([]);

  // Now the single-page app signs the viewer in: the queued impression leaves with the pass.
  await page.evaluate((pass) => document.head.insertAdjacentHTML("beforeend", `<meta name="minicard-viewer" content="${pass}">`), PAGE_PASS);
  await page.clock.runFor(1000);
  await expect.poll(() => batchesWith(batches, card.id).length).toBe(1);
  expect(batchesWith(batches, card.id)[0]).toMatchObject({ viewer: PAGE_PASS, events: [{ type: "impression", card: card.id }] });
});

test("cards with different passes never share a batch", async ({ cards, page, request, server }) => {
  const issued = [
    await issueCard(request, server, { title: "Pass A" }),
    await issueCard(request, server, { title: "Pass B" }),
    await issueCard(request, server, { title: "Page pass" }),
  ];
  const passOf: Record<string, string> = { [issued[0]!.id]: PASS_A, [issued[1]!.id]: PASS_B, [issued[2]!.id]: PAGE_PASS };
  const batches = captureBeacons(page);
  await page.setViewportSize({ width: 1280, height: 900 }); // all three in view at once: their impressions queue together
  const html = withViewers(cards.html(issued.map((card) => ({ token: card.token, surface: "dm" }))), [PASS_A, PASS_B]);
  await openHtml(page, server, html, meta(PAGE_PASS));
  for (const index of [0, 1, 2]) await cards.expectVerified(index);
  await expect.poll(() => issued.filter((card) => batchesWith(batches, card.id).length > 0).length, { timeout: 15_000 }).toBe(3);

  for (const batch of batches) {
    expect(batch.events.length).toBeGreaterThan(0);
    expect(new Set(batch.events.map((event) => passOf[event.card]))).toEqual(new Set([batch.viewer]));
  }
  for (const card of issued) expect(batchesWith(batches, card.id).map((batch) => batch.viewer)).toEqual([passOf[card.id]]);
});

test("a malformed meta pass is not sent, and is reported once", async ({ cards, page, request, server }) => {
  const card = await issueCard(request, server, { title: "Malformed pass" });
  const batches = captureBeacons(page);
  const warnings: string[] = [];
  page.on("console", (message) => message.type() === "warning" && message.text().includes("[minicard]") && warnings.push(message.text()));
  await openHtml(page, server, cards.html([{ token: card.token, surface: "dm" }]), meta("not a pass <script>"));
  await cards.expectVerified(0);
  await expect.poll(() => batchesWith(batches, card.id).length, { timeout: 15_000 }).toBe(1);
  expect(batchesWith(batches, card.id)[0]).not.toHaveProperty("viewer");

  // Too long is malformed too (passes are at most 4096 characters).
  await page.evaluate((pass) => document.querySelector('meta[name="minicard-viewer"]')!.setAttribute("content", pass), `${PAGE_PASS}${"A".repeat(4097 - PAGE_PASS.length)}`);
  await cards.tap(0);
  await page.keyboard.press("Escape");
  await expect.poll(() => batchesWith(batches, card.id, "click").length).toBe(1);
  expect(batchesWith(batches, card.id, "click")[0]).not.toHaveProperty("viewer");
  expect(warnings.filter((text) => text.includes("viewer pass"))).toHaveLength(1);
});

test("hot-list cards send slot trending with their entry's placement, and the list's viewer pass", async ({ page, request, server }) => {
  const placed = await issueCard(request, server, { title: "Placed" });
  const unplaced = await issueCard(request, server, { title: "Bad placement" });
  const placement = "p1.abc123.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB";
  const batches = captureBeacons(page);
  // The list as the server answers it, with placements: one usable, one the widget must drop.
  await page.route(
    (url) => url.pathname === "/v1/trending",
    (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({
          cards: [
            { id: placed.id, token: placed.token, surface: "dm", placement },
            { id: unplaced.id, token: unplaced.token, surface: "dm", placement: "not a placement" },
          ],
        }),
      }),
  );
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hot list</title><script src="${server.url}/embed.js" async></script></head><body><mini-program-trending partner="${server.partner}" surface="dm" limit="2" viewer="${PASS_A}"></mini-program-trending></body></html>`;
  await page.setViewportSize({ width: 1280, height: 900 });
  await openHtml(page, server, html);

  const listed = page.locator('mini-program-trending mini-program-card[data-slot="trending"]');
  await expect(listed).toHaveCount(2);
  await expect(listed.nth(0)).toHaveAttribute("data-placement", placement);
  await expect(listed.nth(0)).toHaveAttribute("viewer", PASS_A);
  await expect(listed.nth(1).getByRole("button")).toBeVisible();
  expect(await listed.nth(1).getAttribute("data-placement")).toBeNull();

  await expect.poll(() => batchesWith(batches, placed.id).length + batchesWith(batches, unplaced.id).length, { timeout: 15_000 }).toBe(2);
  const events = batches.flatMap((batch) => batch.events.map((event) => ({ ...event, viewer: batch.viewer })));
  expect(events.find((event) => event.card === placed.id)).toMatchObject({ type: "impression", slot: "trending", placement, viewer: PASS_A });
  const bad = events.find((event) => event.card === unplaced.id);
  expect(bad).toMatchObject({ type: "impression", slot: "trending", viewer: PASS_A });
  expect(bad).not.toHaveProperty("placement");
});
