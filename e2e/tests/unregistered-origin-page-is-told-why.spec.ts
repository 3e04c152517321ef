// A page on an origin no partner registered still shows cards, and is no longer left in the
// dark: the widget logs one [minicard] warning naming the origin and the partner when the
// issuer refuses its beacons, and status checks (open to every origin) carry revocation to
// it. A refused card logs its code and reason once per page, not once per card. A card
// revoked before the page loaded turns unavailable at first render, not a minute later: the
// first status check asks about every card of the first pass in one request.

import { createServer, type Server } from "node:http";
import type { Page } from "@playwright/test";
import { createBrandClient } from "@minicard/sdk";
import { issueCard, tamperSignature } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import { freePort } from "../support/server.js";

/** Every `[minicard]` warning the page logs. */
function captureWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on("console", (message) => message.type() === "warning" && message.text().startsWith("[minicard]") && warnings.push(message.text()));
  return warnings;
}

/** The ids of every status request the page makes, one array per request. */
function captureStatusRequests(page: Page): string[][] {
  const asked: string[][] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/v1/cards/status") asked.push(url.searchParams.get("ids")!.split(","));
  });
  return asked;
}

/**
 * Serves `html` from another loopback port: a secure context (as WebCrypto needs) in the
 * loopback address space (so it may reach the issuer), on an origin the demo partner lacks.
 */
async function serveOnStranger(html: string): Promise<{ origin: string; close(): Promise<void> }> {
  const port = await freePort();
  const stranger: Server = createServer((_request, response) => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
  await new Promise<void>((resolve) => stranger.listen(port, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => stranger.close(() => resolve())) };
}

/** Records the codes of the page's `minicard:error` events (read with {@link errorCodes}). */
async function recordErrorCodes(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const codes: string[] = ((window as unknown as { __codes: string[] }).__codes = []);
    document.addEventListener("minicard:error", (event) => codes.push((event as CustomEvent<{ code: string }>).detail.code));
  });
}

const errorCodes = (page: Page) => page.evaluate(() => (window as unknown as { __codes: string[] }).__codes);

test("a page on an unregistered origin is told which origin to register, and revocation still reaches it", async ({ cards, page, request, server }) => {
  const kept = await issueCard(request, server, { title: "Shown on a stranger's page" });
  const revoked = await issueCard(request, server, { title: "Withdrawn while shown" });
  const warnings = captureWarnings(page);
  const stranger = await serveOnStranger(cards.html([{ token: kept.token, surface: "dm" }, { token: revoked.token, surface: "dm" }], { statusIntervalMs: 500 }));
  try {
    await recordErrorCodes(page);
    await page.goto(`${stranger.origin}/`);
    await cards.expectVerified(0);
    await cards.expectVerified(1);

    // Its impressions go out and are refused: the widget says why, naming the origin and the partner.
    const refusal = (text: string) => text.includes(stranger.origin) && text.includes(server.partner) && text.includes("origin_not_allowed");
    await expect.poll(() => warnings.filter(refusal), { timeout: 15_000 }).toHaveLength(1);

    // Status needs no registration: a revoked card turns unavailable on this page too.
    await createBrandClient({ server: server.url, apiKey: server.apiKey }).revokeCard(revoked.id);
    await cards.expectUnavailable(1);
    expect(await errorCodes(page)).toEqual(["revoked"]);
    await expect(cards.card(1).getByText("Withdrawn while shown")).toHaveCount(0);
    await cards.expectVerified(0);

    // Once per page: later beacons (a tap's click) and polls add no second warning.
    await cards.tap(0);
    await page.keyboard.press("Escape");
    await page.waitForTimeout(1500);
    expect(warnings.filter(refusal)).toHaveLength(1);
    expect(warnings.filter((text) => text.includes("revoked"))).toHaveLength(1);
    console.info(`[unregistered origin] ${warnings.join(" | ")}`);
  } finally {
    await stranger.close();
  }
});

test("a refused card logs its code and reason once per page, whatever the number of cards", async ({ cards, page, request, server }) => {
  const card = await issueCard(request, server, { title: "Addressed elsewhere" });
  const warnings = captureWarnings(page);
  await cards.open([
    { token: card.token, surface: "dm", partner: "another-partner" },
    { token: card.token, surface: "dm", partner: "another-partner" },
    { token: card.token, surface: "dm", partner: "another-partner" },
    { token: tamperSignature(card.token), surface: "dm" },
    { token: tamperSignature(card.token), surface: "dm" },
  ]);
  for (const index of [0, 1, 2, 3, 4]) await cards.expectUnavailable(index);
  await expect.poll(() => warnings.filter((text) => /card unavailable/.test(text)).length).toBe(2);
  await page.waitForTimeout(500);
  const refusals = warnings.filter((text) => /card unavailable/.test(text));
  expect(refusals).toHaveLength(2);
  expect(refusals.find((text) => text.includes("wrong_audience"))).toContain("a card for another partner");
  expect(refusals.find((text) => text.includes("invalid_signature"))).toContain("the signature does not match");
});

test("a card revoked before the page loaded is unavailable at first render, not a minute later", async ({ cards, page, request, server }) => {
  const kept = await issueCard(request, server, { title: "Still live" });
  const revoked = await issueCard(request, server, { title: "Revoked before the visit" });
  await createBrandClient({ server: server.url, apiKey: server.apiKey }).revokeCard(revoked.id);
  const asked = captureStatusRequests(page);
  const warnings = captureWarnings(page);

  // The default poll interval (60 s): only the first-render check can catch it in time.
  await cards.open([{ token: kept.token, surface: "dm" }, { token: revoked.token, surface: "dm" }]);
  await expect(cards.card(1).locator(".un")).toBeVisible({ timeout: 5_000 });
  await cards.expectErrorCode("revoked");
  await cards.expectVerified(0);

  // One request for the whole first pass, and no more until the next poll is due.
  await page.waitForTimeout(1000);
  expect(asked).toHaveLength(1);
  expect(asked[0]!.sort()).toEqual([kept.id, revoked.id].sort());
  expect(warnings.filter((text) => text.includes("card unavailable: revoked"))).toHaveLength(1);
});
