// The shared forged-token corpus (test-corpus/forged-tokens.ts), signed where it needs
// a signature with the real server's own key, in <mini-program-card> elements in Chromium:
// every card shows the neutral "unavailable" state, fires minicard:error with the corpus's
// expected code, renders nothing from the token, and nothing runs. A genuine card signed the
// same way verifies, so the refusals are for the tokens' faults, not for a wrong key.

import { CORPUS_SURFACE, forgeTokens, genuineToken, type ForgedToken } from "../../test-corpus/forged-tokens.js";
import { serverKit } from "../support/signing.js";
import { expect, test } from "../support/fixtures.js";

const BATCH = 15;

function recordCodes() {
  const codes: Record<number, string> = {};
  (window as unknown as { __codes: typeof codes }).__codes = codes;
  document.addEventListener("minicard:error", (event) => {
    const index = [...document.querySelectorAll("mini-program-card")].indexOf(event.target as Element);
    codes[index] = (event as CustomEvent<{ code: string }>).detail.code;
  });
}

test("every forged or odd token is refused in the browser with its code: 0 accepted", async ({ cards, server, page }) => {
  test.setTimeout(180_000);
  const kit = await serverKit(server);
  const corpus: ForgedToken[] = await forgeTokens(kit);
  expect(corpus.length).toBeGreaterThanOrEqual(120);
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.addInitScript(recordCodes);

  // The control: a genuine card signed with the same key verifies.
  await cards.open([{ token: await genuineToken(kit), surface: CORPUS_SURFACE }]);
  await cards.expectVerified();
  await expect(cards.card().getByText("Genuine control card")).toBeVisible();

  const outcomes: Array<{ name: string; expected: string; got: string | undefined }> = [];
  for (let start = 0; start < corpus.length; start += BATCH) {
    const batch = corpus.slice(start, start + BATCH);
    await cards.open(batch.map((entry) => ({ token: entry.token, surface: entry.surface ?? CORPUS_SURFACE, ...(entry.audience ? { partner: entry.audience } : {}) })));
    for (const [index, entry] of batch.entries()) {
      await cards.card(index).scrollIntoViewIfNeeded();
      await expect.poll(() => page.evaluate((i) => (window as unknown as { __codes: Record<number, string> }).__codes[i], index), { message: entry.name }).toBeTruthy();
      await cards.expectUnavailable(index);
      const got = await page.evaluate((i) => (window as unknown as { __codes: Record<number, string> }).__codes[i], index);
      outcomes.push({ name: entry.name, expected: entry.code, got });
      const text = await cards.card(index).evaluate((element) => element.shadowRoot?.textContent ?? "");
      expect(text, entry.name).not.toContain("FORGED-TITLE");
      expect(text, entry.name).not.toContain("Forged Brand");
    }
    expect((await cards.recorded()).renders, `batch at ${start}`).toEqual([]);
  }
  expect(outcomes.filter((outcome) => outcome.got !== outcome.expected)).toEqual([]);
  expect(outcomes).toHaveLength(corpus.length);
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __forged?: unknown }).__forged)).toBeUndefined();
  expect(pageErrors).toEqual([]);
  console.info(`[forged-tokens chromium] ${outcomes.length} tokens, 0 accepted`);
});
