// Property-based tests (fast-check) of the SDK's security rules, for any input:
// - issuance validation (validateCardInput, what POST /v1/cards runs) never accepts a card
//   whose image or icon is not https, whose text carries control or bidi characters, or whose
//   page escapes (a `..` segment, a scheme, an absolute or protocol-relative path);
// - buildDeepLink never lets the input add, drop or reorder the scheme's parameters, and
//   every URL it builds is one the host allows (isHostUrl).
// Run counts are in RUNS below; the closing note of issue 7 and SECURITY.md quote them.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildDeepLink, hosts, isHostUrl, MinicardError, validateCardInput, validateCard } from "../../src/index.js";

export const RUNS = { url: 3000, text: 3000, page: 3000, deepLink: 3000, deepLinkHostile: 2000 } as const;

const APP_ID = "2021000000000001";
const base = { partner: "weibo", surface: "dm", kind: "app", app: { id: APP_ID, page: "pages/index/index" }, title: "Tonight" };
const accepted = (input: Record<string, unknown>) => validateCardInput(input).length === 0;

/**
 * Characters no plain text may carry: C0, DEL, C1, zero-width and bidi controls, line/paragraph
 * separators; since issue 14 also U+00AD, U+034F, U+061C, U+180E, U+FFF9–FFFB and the tag characters.
 */
const FORBIDDEN_TEXT = /[\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB\u{E0000}-\u{E007F}]/u;
/** Characters that render as nothing: a text made only of them (and whitespace) is blank. */
const BLANK = /^[\s\u115F\u1160\u2800\u3164\uFFA0]*$/u;
const CONTROL = fc.constantFrom(
  ..."\u0000\u0001\u0007\b\t\n\u000B\f\r\u001B\u001F\u007F\u0080\u0085\u009F\u200B\u200E\u200F\u2028\u2029\u202A\u202D\u202E\u2066\u2069\uFEFF",
  ..."\u00AD\u034F\u061C\u180E\uFFF9\uFFFA\uFFFB",
  "\u{E0001}", "\u{E0020}", "\u{E0067}", "\u{E007F}", "\u{E0000}",
);
/** Fillers that look blank, mixed with whitespace: never a text on their own. */
const BLANK_LOOKING = fc.array(fc.constantFrom(" ", "\u00A0", "\u3000", "\u115F", "\u1160", "\u2800", "\u3164", "\uFFA0"), { minLength: 1, maxLength: 20 }).map((chars) => chars.join(""));

/** `text` with `char` inserted at a position chosen by `at`. */
const insert = (text: string, char: string, at: number) => text.slice(0, at % (text.length + 1)) + char + text.slice(at % (text.length + 1));

const SCHEMES = [
  "https://", "HTTPS://", "hTtPs://", "https:", "https:/", "https:\\\\", "http://", "javascript:", "JaVaScRiPt:", "java\tscript:",
  "java\nscript:", " javascript:", "\u0000javascript:", "data:", "data:image/svg+xml,", "vbscript:", "file://", "blob:https://",
  "ftp://", "//", "/\\", "\\\\", "mailto:", "feed:https://", "https\u0000://", " https://", "\thttps://", "https:// ", "https://@",
  "https://user:pass@", "wss://", "intent://", "alipays://", "",
];
const HOSTS = ["a.example", "picsum.photos", "127.0.0.1", "[::1]", "evil.example%2f@good", "good.example@evil.example", "xn--e1afmkfd", "", "例え.jp"];

const urlLike = fc.oneof(
  fc.tuple(fc.constantFrom(...SCHEMES), fc.constantFrom(...HOSTS), fc.string({ maxLength: 20 })).map(([scheme, host, rest]) => `${scheme}${host}/${rest}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((url) => url.replace(/^https?/, "javascript")),
  fc.tuple(fc.webUrl(), CONTROL, fc.nat()).map(([url, char, at]) => insert(url.replace(/^http:/, "https:"), char, at)),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** What "https" means, independently of `new URL`: nothing invisible anywhere, and the https scheme. */
function isPlainHttps(value: string): boolean {
  return !/[\u0000-\u0020\u007F-\u009F]/.test(value) && value.toLowerCase().startsWith("https:") && new URL(value).hostname !== "";
}

describe("issuance validation never accepts a non-https image or icon", () => {
  it(`image and icon (${RUNS.url} runs)`, () => {
    fc.assert(
      fc.property(urlLike, fc.constantFrom("image", "icon"), (url, field) => {
        if (accepted({ ...base, [field]: url })) expect(isPlainHttps(url), JSON.stringify(url)).toBe(true);
      }),
      { numRuns: RUNS.url },
    );
  });

  it("the same rule holds at render (validateCard) for the brand logo", () => {
    fc.assert(
      fc.property(urlLike, (url) => {
        const card = { v: 1, kind: "app", surface: "dm", app: base.app, title: "t", brand: { name: "b", logo: url } };
        if (validateCard(card).length === 0) expect(isPlainHttps(url), JSON.stringify(url)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

const textLike = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.tuple(fc.string({ unit: "grapheme", maxLength: 40 }), CONTROL, fc.nat()).map(([text, char, at]) => insert(text, char, at)),
  fc.tuple(fc.constantFrom("<script>alert(1)</script>", "影院今晚 🎬", "Tonight", "a"), CONTROL, fc.nat()).map(([text, char, at]) => insert(text, char, at)),
  BLANK_LOOKING,
  fc.tuple(BLANK_LOOKING, fc.constantFrom("a", "影", "")).map(([blank, text]) => blank + text),
);

describe("issuance validation never accepts text with control, bidi or invisible characters, nor blank-looking text", () => {
  it(`title, description, cta, membership benefit (${RUNS.text} runs)`, () => {
    fc.assert(
      fc.property(textLike, fc.constantFrom("title", "description", "cta", "benefit"), (text, field) => {
        const input =
          field === "benefit"
            ? { ...base, kind: "membership", membership: { benefit: text, trialDays: 7 } }
            : { ...base, [field]: text };
        if (accepted(input)) {
          expect(FORBIDDEN_TEXT.test(text), JSON.stringify(text)).toBe(false);
          expect(text.trim().length, "not blank").toBeGreaterThan(0);
          expect(BLANK.test(text), `looks blank: ${JSON.stringify(text)}`).toBe(false);
        }
      }),
      { numRuns: RUNS.text },
    );
  });
});

const PAGE_PARTS = ["pages", "index", "a", "..", ".", "/", "//", "?", "&", "=", "%2e", "%2E%2E", "%2f", ":", "javascript:", "https://evil.example", "\\", "#", " ", "\t", "x=1", "_", "-", "~", "@", "%", "\u0000", "上"];
const pageLike = fc.oneof(
  fc.array(fc.constantFrom(...PAGE_PARTS), { minLength: 1, maxLength: 10 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
);

describe("issuance validation never accepts a page that escapes", () => {
  it(`app.page (${RUNS.page} runs)`, () => {
    fc.assert(
      fc.property(pageLike, (page) => {
        if (!accepted({ ...base, app: { id: APP_ID, page } })) return;
        const path = page.split("?")[0]!;
        expect(path, JSON.stringify(page)).not.toMatch(/\.\.|:|\\|%|#|\s|^\/|^\./);
        // Resolved inside a mini-program's root, it stays there.
        const root = "https://mini.example/app/";
        const resolved = new URL(page, root);
        expect(resolved.origin).toBe("https://mini.example");
        expect(resolved.pathname.startsWith("/app/"), JSON.stringify(page)).toBe(true);
        expect(resolved.hash).toBe("");
      }),
      { numRuns: RUNS.page },
    );
  });
});

/** Any UTF-16 code unit, lone surrogates included (what a JavaScript string may hold). */
const utf16 = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

describe("buildDeepLink never lets input add, drop or reorder the scheme's parameters", () => {
  const anyText = fc.oneof(fc.string({ unit: "grapheme", maxLength: 60 }), fc.array(fc.constantFrom(..."&=?#%+ ;/\\:@'\"<>a1上"), { maxLength: 30 }).map((chars) => chars.join("")));

  function expectExactLink(page: string, query: string | undefined) {
    const { scheme, web, intent } = buildDeepLink({ id: APP_ID, page, ...(query === undefined ? {} : { query }) }, { host: hosts.alipay });
    const url = new URL(scheme);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("alipays://platformapi/startapp");
    expect(url.hash).toBe("");
    expect([...url.searchParams]).toEqual([["appId", APP_ID], ["page", page], ...(query ? [["query", query]] : [])]);
    const hop = new URL(web);
    expect(hop.origin).toBe("https://ds.alipay.com");
    expect(hop.hash).toBe("");
    expect([...hop.searchParams]).toEqual([["scheme", scheme]]);
    expect(intent.startsWith(`intent:${scheme.slice("alipays:".length)}#Intent;`)).toBe(true);
    const fields = intent.slice(intent.indexOf("#Intent;") + "#Intent;".length).split(";");
    expect(fields.map((field) => field.split("=")[0])).toEqual(["scheme", "package", "S.browser_fallback_url", "end"]);
    expect(decodeURIComponent(fields[2]!.slice("S.browser_fallback_url=".length))).toBe(web);
    for (const link of [scheme, web, intent]) expect(isHostUrl(link, hosts.alipay), link).toBe(true);
  }

  it(`any page and query text (${RUNS.deepLink} runs)`, () => {
    fc.assert(
      fc.property(anyText.filter((page) => page !== ""), fc.option(anyText, { nil: undefined }), (page, query) => expectExactLink(page, query)),
      { numRuns: RUNS.deepLink },
    );
  });

  it(`any UTF-16, lone surrogates included: a coded refusal or an exact link (${RUNS.deepLinkHostile} runs)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: utf16, minLength: 1, maxLength: 40 }), fc.option(fc.string({ unit: utf16, maxLength: 40 }), { nil: undefined }), (page, query) => {
        try {
          expectExactLink(page, query);
        } catch (error) {
          if (error instanceof MinicardError) expect(error.code).toBe("invalid_argument");
          else throw error;
        }
      }),
      { numRuns: RUNS.deepLinkHostile },
    );
  });
});
