// The extended text corpus (test-corpus/text.ts) against the card schema: every
// invisible, direction-control or blank-looking text is refused in every text field at issuance
// (validateCardInput) and at render (validateCard, and a signed card through the verifier),
// ordinary text of many scripts is accepted, and the rule only ever grew: whatever it refused
// before issue 14 it still refuses.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardInputSchema, createVerifier, validateCard, validateCardInput } from "../../src/index.js";
import { AUDIENCE, APP_ID, expectCode, makeKey, startJwksServer, type JwksServer, type TestKey } from "../helpers.js";
import { genuineToken, type ForgeKit } from "../../../test-corpus/forged-tokens.js";
import { ACCEPTED, BLANK_LOOKING, INVISIBLE } from "../../../test-corpus/text.js";

const base = { partner: "weibo", surface: "dm", kind: "app", app: { id: APP_ID, page: "pages/index/index" }, title: "Tonight" };
const FIELDS = ["title", "description", "cta", "benefit"] as const;

function inputWith(field: (typeof FIELDS)[number], text: string): Record<string, unknown> {
  return field === "benefit" ? { ...base, kind: "membership", membership: { benefit: text, trialDays: 7 } } : { ...base, [field]: text };
}
const pathOf = (field: (typeof FIELDS)[number]) => (field === "benefit" ? "/membership/benefit" : `/${field}`);
const renderCard = (fields: Record<string, unknown>) => ({ v: 1, kind: "app", surface: "dm", app: base.app, title: "Tonight", brand: { name: "Cinema" }, ...fields });

describe("the extended text corpus at issuance (validateCardInput)", () => {
  for (const field of FIELDS) {
    it(`refuses every invisible or direction-control character in ${field} (${INVISIBLE.length} cases)`, () => {
      const accepted = INVISIBLE.filter(({ text }) => {
        // cta is at most 16 characters: keep the case's character, shorten the rest.
        const value = field === "cta" ? [...text].slice(-12).join("") : text;
        const errors = validateCardInput(inputWith(field, value));
        return !(errors.length === 1 && errors[0]!.path === pathOf(field) && /plain text/.test(errors[0]!.message));
      });
      expect(accepted.map(({ name }) => name)).toEqual([]);
    });

    it(`refuses blank-looking ${field}s (${BLANK_LOOKING.length} cases)`, () => {
      for (const { name, text } of BLANK_LOOKING) {
        expect(validateCardInput(inputWith(field, text)).map((error) => error.path), name).toEqual([pathOf(field)]);
      }
    });

    it(`accepts ordinary text of many scripts in ${field}`, () => {
      for (const { name, text } of ACCEPTED) {
        const value = field === "cta" ? [...text].slice(0, 16).join("") : text;
        expect(validateCardInput(inputWith(field, value)), name).toEqual([]);
      }
    });
  }

  it("refuses a title made only of U+3164 with the plain-text message", () => {
    expect(validateCardInput({ ...base, title: "\u3164" })).toEqual([{ path: "/title", message: "must be plain text: not blank, no control or invisible formatting characters" }]);
  });
});

describe("the extended text corpus at render (validateCard)", () => {
  it("refuses every case in the brand name and the title, accepts the ordinary ones", () => {
    for (const { name, text } of [...INVISIBLE, ...BLANK_LOOKING]) {
      expect(validateCard(renderCard({ title: text })).map((error) => error.path), name).toEqual(["/title"]);
      expect(validateCard(renderCard({ brand: { name: text } })).map((error) => error.path), name).toEqual(["/brand/name"]);
    }
    for (const { name, text } of ACCEPTED) {
      expect(validateCard(renderCard({ title: text, brand: { name: text } })), name).toEqual([]);
    }
  });
});

describe("the rule only grew", () => {
  /** The plain-text pattern before issue 14. */
  const BEFORE = new RegExp("^(?=[\\s\\S]*\\S)[^\\u0000-\\u001F\\u007F-\\u009F\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u206F\\uFEFF]*$", "u");
  const NOW = new RegExp(cardInputSchema.properties.title.pattern, "u");

  it("refuses every code point it refused before, and the ones issue 14 names", () => {
    const lost: string[] = [];
    for (let code = 0; code <= 0x10ffff; code += 1) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const text = `a${String.fromCodePoint(code)}b`;
      if (!BEFORE.test(text) && NOW.test(text)) lost.push(code.toString(16));
    }
    expect(lost).toEqual([]);
    for (const code of [0x061c, 0x00ad, 0x180e, 0x034f, 0xfff9, 0xfffa, 0xfffb, ...Array.from({ length: 0x80 }, (_, i) => 0xe0000 + i)]) {
      expect(NOW.test(`a${String.fromCodePoint(code)}b`), code.toString(16)).toBe(false);
    }
  });
});

describe("the extended text corpus through the verifier", () => {
  let key: TestKey;
  let jwks: JwksServer;
  let kit: ForgeKit;

  beforeAll(async () => {
    key = await makeKey("ES256", "text-corpus");
    jwks = await startJwksServer([key]);
    kit = { issuer: jwks.issuer, audience: AUDIENCE, kid: key.kid, alg: "ES256", privateKey: key.privateKey, publicJwk: key.publicJwk as JsonWebKey, appId: APP_ID };
  });
  afterAll(() => jwks.close());

  it("a card signed with any refused title is malformed; the ordinary ones verify", async () => {
    const verifier = createVerifier({ issuer: jwks.issuer, audience: AUDIENCE });
    for (const { text } of [...INVISIBLE, ...BLANK_LOOKING]) {
      await expectCode(verifier.verify(await genuineToken(kit, { title: text }), { surface: "dm" }), "malformed");
    }
    for (const { name, text } of ACCEPTED) {
      await expect(verifier.verify(await genuineToken(kit, { title: text }), { surface: "dm" }), name).resolves.toMatchObject({ card: { title: text } });
    }
  });
});
