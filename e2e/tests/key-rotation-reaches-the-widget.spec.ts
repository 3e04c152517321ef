// A signing-key rotation never makes a card unavailable: cards signed before and after it
// both render, in a page opened before the rotation (the new key was published as "next"
// before it signed anything, so no JWKS refetch is needed) and in a fresh page.

import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;

test("cards signed before and after a rotation both render, in an open page and in a new one", async ({ cards, request, server, page }) => {
  const before = await issueCard(request, server, { title: "Signed before the rotation" });
  await cards.open([{ token: before.token, surface: "dm" }]);
  await cards.expectVerified(0);

  const jwksFetches: string[] = [];
  page.on("request", (req) => req.url().endsWith("/.well-known/jwks.json") && jwksFetches.push(req.url()));
  const rotated = await request.post(`${server.url}/v1/admin/signing-keys/rotate`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  expect(rotated.status()).toBe(200);
  const { kid } = (await rotated.json()) as { kid: string };

  const after = await issueCard(request, server, { title: "Signed after the rotation" });
  expect(kidOf(after.token)).toBe(kid);
  expect(kidOf(before.token)).not.toBe(kid);

  // The open page gets a card signed with the new key: it verifies with the keys it already has.
  await page.evaluate(
    ({ token, partner }) => {
      const minicard = (window as unknown as { Minicard: { render(target: Element, options: object): Element } }).Minicard;
      minicard.render(document.body.appendChild(document.createElement("div")), { token, surface: "dm", partner, lang: "en" });
    },
    { token: after.token, partner: server.partner },
  );
  await cards.expectVerified(1);
  await expect(cards.card(1).getByText("Signed after the rotation")).toBeVisible();
  await expect(cards.card(0).getByText("Signed before the rotation")).toBeVisible();
  expect(jwksFetches).toEqual([]);

  // A new page: both cards, one JWKS that still publishes the old key.
  await cards.open([
    { token: before.token, surface: "dm" },
    { token: after.token, surface: "dm" },
  ]);
  await cards.expectVerified(0);
  await cards.expectVerified(1);
  const jwks = (await (await request.get(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
  expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([kidOf(before.token), kid]));
});
