// The extended text corpus (test-corpus/text.ts, issue 14) through the real
// issuance API: every invisible, direction-control or blank-looking title, description, cta
// and brand text is refused with a problem+json `validation_failed` naming the field, and
// nothing is stored; ordinary text of many scripts is issued and comes back unchanged.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "../support/db.js";
import { cardInput, postCard, seedWorld, startServer, type LocalServer } from "../support/server.js";
import { ACCEPTED, BLANK_LOOKING, INVISIBLE } from "../../../test-corpus/text.js";

let server: LocalServer;
let apiKey: string;

beforeAll(async () => {
  server = await startServer();
  ({ apiKey } = await seedWorld(server.url, { limits: [{ scope: "brand", max: 100_000, windowSeconds: 3600 }] }));
});
afterAll(() => server.close());

describe("issuance refuses the extended text corpus", () => {
  it(`${INVISIBLE.length + BLANK_LOOKING.length} titles and descriptions: 400 validation_failed as problem+json, nothing stored`, async () => {
    const before = countRows(server.config.dataDir, "cards");
    let refused = 0;
    for (const { name, text } of [...INVISIBLE, ...BLANK_LOOKING]) {
      for (const field of ["title", "description"] as const) {
        const response = await postCard(server.url, apiKey, cardInput({ [field]: text }));
        expect(response.status, `${field}: ${name}`).toBe(400);
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ code: "validation_failed", status: 400, errors: [{ path: `/${field}`, message: expect.stringMatching(/plain text/) }] });
        refused += 1;
      }
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
    console.info(`[text corpus] ${refused} requests refused with validation_failed, 0 cards stored`);
  });

  it("a cta and a membership benefit made of U+3164, or carrying tag characters, are refused too", async () => {
    for (const [body, path] of [
      [cardInput({ cta: "\u3164\u3164" }), "/cta"],
      [cardInput({ cta: "Go\u{E0041}" }), "/cta"],
      [cardInput({ kind: "membership", membership: { benefit: "\u2800", trialDays: 7 } }), "/membership/benefit"],
      [cardInput({ kind: "membership", membership: { benefit: "Free\u00ADpopcorn", trialDays: 7 } }), "/membership/benefit"],
    ] as const) {
      const response = await postCard(server.url, apiKey, body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: "validation_failed", errors: [{ path }] });
    }
  });

  it("ordinary text of many scripts is issued, unchanged", async () => {
    for (const { name, text } of ACCEPTED) {
      const response = await postCard(server.url, apiKey, cardInput({ title: text }));
      expect(response.status, name).toBe(201);
      const payload = JSON.parse(Buffer.from((response.body.token as string).split(".")[1]!, "base64url").toString("utf8")) as { card: { title: string } };
      expect(payload.card.title, name).toBe(text);
    }
  });
});
