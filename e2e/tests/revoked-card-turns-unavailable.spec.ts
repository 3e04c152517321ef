// Revocation reaches cards already on screen, without a reload: the brand revokes a card
// (SDK brand client), or the operator suspends a brand; the widget's status poll (shortened
// here with data-status-interval) turns them unavailable with minicard:error "revoked".

import { createBrandClient } from "@minicard/sdk";
import { claims, demoCards, issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

test("a revoked card turns unavailable in an open page", async ({ cards, request, server }) => {
  const revoked = await issueCard(request, server, { title: "About to be revoked" });
  const kept = await issueCard(request, server, { title: "Still here" });
  await cards.open([{ token: revoked.token, surface: "dm" }, { token: kept.token, surface: "dm" }], { statusIntervalMs: 500 });
  await cards.expectVerified(0);
  await cards.expectVerified(1);

  await createBrandClient({ server: server.url, apiKey: server.apiKey }).revokeCard(revoked.id);
  await cards.expectUnavailable(0);
  await cards.expectErrorCode("revoked");
  await expect(cards.card(0).getByText("About to be revoked")).toHaveCount(0);
  await cards.expectVerified(1);
});

test("every card of a suspended brand turns unavailable", async ({ cards, request, server }) => {
  const cityCards = (await demoCards(request, server, "dm")).filter((card) => claims(card.token).sub === "demo-city").slice(0, 2);
  expect(cityCards).toHaveLength(2);
  await cards.open(cityCards.map((card) => ({ token: card.token, surface: "dm" })), { statusIntervalMs: 500 });
  await cards.expectVerified(0);
  await cards.expectVerified(1);
  const admin = { authorization: `Bearer ${server.adminToken}` };
  await request.patch(`${server.url}/v1/admin/brands/demo-city`, { headers: admin, data: { status: "suspended" } });
  try {
    await cards.expectUnavailable(0);
    await cards.expectUnavailable(1);
    await cards.expectErrorCode("revoked");
  } finally {
    await request.patch(`${server.url}/v1/admin/brands/demo-city`, { headers: admin, data: { status: "active" } });
  }
});
