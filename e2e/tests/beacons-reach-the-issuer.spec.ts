// Impressions (half visible for a second) and clicks reach the issuer and are stored; none
// from a card with data-no-track, none from a page on an origin that is not the partner's.

import { createServer, type Server } from "node:http";
import { issueCard } from "../support/cards.js";
import { eventsOf } from "../support/events.js";
import { expect, test } from "../support/fixtures.js";
import { freePort } from "../support/server.js";

test("an impression and a click arrive; a data-no-track card sends nothing", async ({ cards, request, server, page }) => {
  const tracked = await issueCard(request, server, { title: "Tracked card" });
  const untracked = await issueCard(request, server, { title: "Untracked card" });
  await cards.open([
    { token: tracked.token, surface: "dm" },
    { token: untracked.token, surface: "dm", noTrack: true },
  ]);
  await cards.expectVerified(0);
  await cards.expectVerified(1);
  await expect.poll(() => eventsOf(server, tracked.id).map((event) => event.type), { timeout: 15_000 }).toEqual(["impression"]);

  await cards.tap(0);
  await page.keyboard.press("Escape");
  await cards.tap(1);
  await expect.poll(() => eventsOf(server, tracked.id).map((event) => event.type), { timeout: 15_000 }).toEqual(["impression", "click"]);
  const [impression, click] = eventsOf(server, tracked.id);
  expect(impression!.visitor).toMatch(/^v_[0-9a-f]{32}$/);
  expect(click!.visitor).toBe(impression!.visitor); // one stable visitor id
  expect(eventsOf(server, untracked.id)).toEqual([]);
});

test("a page on a non-partner origin gets no events stored", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server, { title: "Foreign page" });
  const port = await freePort();
  const html = cards.html([{ token: card.token, surface: "dm" }]);
  const foreign: Server = createServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise<void>((resolve) => foreign.listen(port, "127.0.0.1", resolve));
  try {
    const beacon = page.waitForRequest((req) => req.url().endsWith("/v1/events") && req.method() === "POST", { timeout: 15_000 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await cards.expectVerified();
    // The widget tried (the beacon left the page), the server refused it: nothing stored.
    expect((await beacon).headers()["origin"] ?? `http://127.0.0.1:${port}`).toBe(`http://127.0.0.1:${port}`);
    await page.waitForTimeout(1000);
    expect(eventsOf(server, card.id)).toEqual([]);
  } finally {
    await new Promise((resolve) => foreign.close(resolve));
  }
});
