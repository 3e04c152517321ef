// Tokens that fail verification — tampered, unsigned, expired, for another partner or
// surface, from an issuer that cannot be reached — show the neutral "unavailable" state,
// never their text, and fire minicard:error with the verifier's code.

import { claims, issueCard, tamperPayload, tamperSignature, unsigned } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";
import type { CardPage, CardSpec } from "../pages/card-page.js";

async function expectRefused(cards: CardPage, spec: CardSpec, code: string, hidden: string[]) {
  await cards.open([spec]);
  await cards.expectUnavailable();
  await cards.expectErrorCode(code);
  await expect(cards.card().getByText("Card unavailable")).toBeVisible();
  const text = await cards.card().evaluate((element) => element.shadowRoot!.textContent ?? "");
  for (const secret of hidden) expect(text).not.toContain(secret);
}

test("tampered, unsigned and malformed tokens are refused", async ({ cards, request, server }) => {
  const card = await issueCard(request, server, { title: "Genuine title 真" });
  await expectRefused(cards, { token: tamperSignature(card.token), surface: "dm" }, "invalid_signature", ["Genuine title"]);
  await expectRefused(cards, { token: tamperPayload(card.token, "Forged title"), surface: "dm" }, "invalid_signature", ["Forged title", "Genuine title"]);
  await expectRefused(cards, { token: unsigned(card.token), surface: "dm" }, "unsupported_algorithm", ["Genuine title"]);
  await expectRefused(cards, { token: "not-a-token", surface: "dm" }, "malformed", []);
});

test("an expired card is refused", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server, { title: "Short-lived card", ttlSeconds: 60 });
  await page.clock.setFixedTime(new Date(claims(card.token).exp * 1000 + 5 * 60_000));
  await expectRefused(cards, { token: card.token, surface: "dm" }, "expired", ["Short-lived card"]);
});

test("a card for another partner or another surface is refused", async ({ cards, request, server }) => {
  const card = await issueCard(request, server, { title: "Meant for weibo-demo dms" });
  await expectRefused(cards, { token: card.token, surface: "dm", partner: "another-partner" }, "wrong_audience", ["Meant for"]);
  await expectRefused(cards, { token: card.token, surface: "feed" }, "wrong_surface", ["Meant for"]);
});

test("an unreachable issuer or a JWKS that fails to load is reported", async ({ cards, request, server, page }) => {
  const card = await issueCard(request, server, { title: "Keys unavailable" });
  await expectRefused(cards, { token: card.token, surface: "dm", issuer: "http://127.0.0.1:9" }, "issuer_unreachable", ["Keys unavailable"]);
  await page.route("**/.well-known/jwks.json", (route) => route.abort());
  await expectRefused(cards, { token: card.token, surface: "dm" }, "issuer_unreachable", ["Keys unavailable"]);
});

test("a missing partner is reported, and the page keeps working", async ({ cards, request, server, page }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const card = await issueCard(request, server);
  await cards.open([{ token: card.token, surface: "dm", partner: "" }, { token: card.token, surface: "dm" }]);
  await cards.expectUnavailable(0);
  await cards.expectVerified(1);
  await cards.expectErrorCode("invalid_argument");
  expect(errors).toEqual([]);
});

test("a share link resolves on the issuer's origin only; a revoked one is unavailable", async ({ cards, request, server }) => {
  const card = await issueCard(request, server, { title: "Resolved from src" });
  await cards.open([{ src: card.url, surface: "dm" }]);
  await cards.expectVerified();
  await expect(cards.card().getByText("Resolved from src")).toBeVisible();

  await expectRefused(cards, { src: `http://127.0.0.1:${server.port}/c/${card.id}`, surface: "dm" }, "wrong_issuer", ["Resolved from src"]);
  // Only share links: no other path of the issuer's origin is fetched on a page's behalf.
  for (const path of ["/v1/admin/partners", `/c/${card.id}/../../v1/admin/partners`, `/c/${card.id}x`, "/.well-known/jwks.json"]) {
    await expectRefused(cards, { src: `${server.url}${path}`, surface: "dm" }, "wrong_issuer", ["Resolved from src"]);
  }

  const revoked = await issueCard(request, server, { title: "Withdrawn card" });
  await request.delete(`${server.url}/v1/cards/${revoked.id}`, { headers: { authorization: `Bearer ${server.apiKey}` } });
  await expectRefused(cards, { src: revoked.url, surface: "dm" }, "revoked", ["Withdrawn card"]);
});
