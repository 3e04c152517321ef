import { describe, expect, it } from "vitest";
import {
  buildDeepLink,
  CARD_TTL,
  cardInputSchema,
  hosts,
  isHttpsUrl,
  MinicardError,
  validateCard,
  validateCardInput,
  validateSchema,
  type FieldError,
} from "../../src/index.js";
import { baseCard } from "../helpers.js";

/** A minimal valid `POST /v1/cards` body (a DM needs no sharer). */
function input(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    partner: "weibo",
    surface: "dm",
    kind: "app",
    app: { id: "2021000000000001", page: "pages/index/index" },
    title: "Tonight's films",
    ...overrides,
  };
}

function app(overrides: Record<string, unknown>): Record<string, unknown> {
  return { id: "2021000000000001", page: "pages/index/index", ...overrides };
}

function paths(errors: FieldError[]): string[] {
  return errors.map((error) => error.path);
}

describe("validateCardInput: accepted", () => {
  it("accepts a minimal valid input", () => {
    expect(validateCardInput(input())).toEqual([]);
  });

  it("accepts a full product card for the feed", () => {
    const full = input({
      surface: "feed",
      kind: "product",
      sharer: "influencer_01",
      app: app({ page: "pages/item/detail?id=42&from=weibo", query: "utm_source=weibo&q=%E4%B8%8A%E6%B5%B7" }),
      description: "Two tickets, one price.",
      image: "https://cdn.example.com/cover.jpg",
      icon: "https://cdn.example.com/icon.png",
      cta: "Buy now",
      price: { amount: "29.90", currency: "CNY" },
      ttlSeconds: 3600,
    });
    expect(validateCardInput(full)).toEqual([]);
  });

  it("accepts a membership card with its offer", () => {
    expect(validateCardInput(input({ kind: "membership", membership: { benefit: "Free popcorn", trialDays: 7 } }))).toEqual([]);
  });

  it("accepts a title of exactly 64 CJK characters (counted in code points)", () => {
    expect(validateCardInput(input({ title: "影".repeat(64) }))).toEqual([]);
  });

  it("accepts a title of 64 astral-plane characters (emoji count once each)", () => {
    expect(validateCardInput(input({ title: "🎬".repeat(64) }))).toEqual([]);
  });

  it("accepts a query of exactly 1024 bytes", () => {
    const query = `k=${"v".repeat(1022)}`;
    expect(new TextEncoder().encode(query).length).toBe(1024);
    expect(validateCardInput(input({ app: app({ query }) }))).toEqual([]);
  });

  it("accepts the ttlSeconds bounds", () => {
    expect(validateCardInput(input({ ttlSeconds: CARD_TTL.min }))).toEqual([]);
    expect(validateCardInput(input({ ttlSeconds: CARD_TTL.max }))).toEqual([]);
  });

  it("accepts a WeChat appId when the app names the wechat host", () => {
    expect(validateCardInput(input({ app: app({ id: "wx1234567890abcdef", host: "wechat", query: "id=42" }) }))).toEqual([]);
    expect(validateCardInput(input({ app: app({ host: "alipay" }) }))).toEqual([]);
  });
});

describe("validateCardInput: app.host", () => {
  it.each([["weixin"], ["WeChat"], ["ALIPAY"], ["baidu"], [""], ["__proto__"], ["toString"]])("refuses the host %j at /app/host", (host) => {
    const errors = validateCardInput(input({ app: app({ host }) }));
    expect(paths(errors)).toEqual(["/app/host"]);
    expect(errors[0]!.message).toBe("must be one of: alipay, wechat");
  });

  it("refuses a host that is not a string at /app/host", () => {
    expect(paths(validateCardInput(input({ app: app({ host: 1 }) })))).toEqual(["/app/host"]);
    expect(paths(validateCardInput(input({ app: app({ host: null }) })))).toEqual(["/app/host"]);
  });

  it.each([
    ["an Alipay appId named as WeChat's", { id: "2021000000000001", host: "wechat" }, /WeChat's appId pattern/],
    ["a WeChat appId with no host (Alipay)", { id: "wx1234567890abcdef" }, /Alipay's appId pattern/],
    ["a WeChat appId named as Alipay's", { id: "wx1234567890abcdef", host: "alipay" }, /Alipay's appId pattern/],
    ["a WeChat appId in capitals", { id: "wx1234567890ABCDEF", host: "wechat" }, /WeChat's appId pattern/],
    ["a WeChat appId one digit short", { id: "wx1234567890abcde", host: "wechat" }, /WeChat's appId pattern/],
  ])("refuses %s at /app/id", (_name, target, message) => {
    const errors = validateCardInput(input({ app: app(target) }));
    expect(paths(errors)).toEqual(["/app/id"]);
    expect(errors[0]!.message).toMatch(message);
  });

  it("refuses a WeChat page that carries its own ?query (WeChat's path cannot): its parameters go in query", () => {
    const errors = validateCardInput(input({ app: app({ id: "wx1234567890abcdef", host: "wechat", page: "pages/movie/detail?id=42" }) }));
    expect(paths(errors)).toEqual(["/app/page"]);
    expect(validateCardInput(input({ app: app({ page: "pages/movie/detail?id=42" }) }))).toEqual([]); // Alipay's page may
  });

  it("applies the same rules to a token's card claim (validateCard)", () => {
    const card = baseCard();
    expect(validateCard({ ...card, app: { id: "wx1234567890abcdef", page: "pages/index/index", host: "wechat" } })).toEqual([]);
    expect(paths(validateCard({ ...card, app: { id: "2021000000000001", page: "pages/index/index", host: "wechat" } }))).toEqual(["/app/id"]);
    expect(paths(validateCard({ ...card, app: { id: "2021000000000001", page: "pages/index/index", host: "line" } }))).toEqual(["/app/host"]);
  });
});

describe("validateCardInput: image URLs are https: only", () => {
  it.each([
    ["http:", "http://cdn.example.com/a.jpg"],
    ["javascript:", "javascript:alert(1)"],
    ["relative", "/images/a.jpg"],
    ["protocol-relative", "//cdn.example.com/a.jpg"],
    ["data:", "data:image/png;base64,iVBORw0KGgo="],
    ["credentials", "https://user:pass@cdn.example.com/a.jpg"],
  ])("rejects a %s image at /image", (_name, image) => {
    const errors = validateCardInput(input({ image }));
    expect(paths(errors)).toEqual(["/image"]);
  });

  it("applies the same rule to icon", () => {
    expect(paths(validateCardInput(input({ icon: "http://cdn.example.com/i.png" })))).toEqual(["/icon"]);
  });

  it("isHttpsUrl accepts https and refuses the rest", () => {
    expect(isHttpsUrl("https://cdn.example.com/a.jpg")).toBe(true);
    expect(isHttpsUrl("HTTPS://CDN.EXAMPLE.COM/a.jpg")).toBe(true);
    expect(isHttpsUrl("http://cdn.example.com/a.jpg")).toBe(false);
    expect(isHttpsUrl("not a url")).toBe(false);
  });
});

describe("validateCardInput: plain text", () => {
  it.each([
    ["a BEL control character", "Tonight\u0007"],
    ["a newline", "Tonight\nfilms"],
    ["a NUL", "a\u0000b"],
    ["a C1 control", "a\u0085b"],
    ["a right-to-left override (U+202E)", "Tonight \u202Esmlif"],
    ["a zero-width space", "To\u200Bnight"],
    ["a byte-order mark", "\uFEFFTonight"],
  ])("rejects a title with %s at /title", (_name, title) => {
    expect(paths(validateCardInput(input({ title })))).toEqual(["/title"]);
  });

  it("rejects a blank title", () => {
    expect(paths(validateCardInput(input({ title: "   " })))).toEqual(["/title"]);
    expect(paths(validateCardInput(input({ title: "" })))).toEqual(["/title"]);
  });

  it("rejects a title of 65 code points", () => {
    const errors = validateCardInput(input({ title: "影".repeat(65) }));
    expect(paths(errors)).toEqual(["/title"]);
    expect(errors[0]!.message).toMatch(/64/);
  });

  it("rejects a description over 140 characters and a cta over 16", () => {
    expect(paths(validateCardInput(input({ description: "d".repeat(141) })))).toEqual(["/description"]);
    expect(paths(validateCardInput(input({ cta: "c".repeat(17) })))).toEqual(["/cta"]);
    expect(validateCardInput(input({ description: "d".repeat(140), cta: "c".repeat(16) }))).toEqual([]);
  });
});

describe("validateCardInput: app.page", () => {
  it.each([
    ["..", "pages/../admin"],
    ["leading ..", "../pages/index"],
    ["a scheme", "https://x"],
    ["javascript:", "javascript:alert(1)"],
    ["a leading /", "/pages/index/index"],
    ["a leading .", "./pages/index"],
    ["a space", "pages/index index"],
    ["a fragment", "pages/index#top"],
    ["a backslash", "pages\\index"],
  ])("rejects a page with %s at /app/page", (_name, page) => {
    expect(paths(validateCardInput(input({ app: app({ page }) })))).toEqual(["/app/page"]);
  });

  it("accepts a page with its own encoded parameters", () => {
    expect(validateCardInput(input({ app: app({ page: "pages/x/y?a=1&b=%E4%B8%8A" }) }))).toEqual([]);
  });

  it("accepts `..` inside the page's own parameters (after ?)", () => {
    expect(validateCardInput(input({ app: app({ page: "pages/x/y?v=1..2" }) }))).toEqual([]);
  });
});

describe("validateCardInput: app.id and app.query", () => {
  it("rejects an appId with spaces or slashes at /app/id", () => {
    expect(paths(validateCardInput(input({ app: app({ id: "2021 0000" }) })))).toEqual(["/app/id"]);
    expect(paths(validateCardInput(input({ app: app({ id: "../2021" }) })))).toEqual(["/app/id"]);
  });

  it("refuses an Alipay appId with letters, as buildDeepLink does (invalid_argument)", () => {
    const target = { id: "2021abc000000001", page: "pages/index/index" };
    expect(paths(validateCardInput(input({ app: target })))).toEqual(["/app/id"]);
    let caught: unknown;
    try {
      buildDeepLink(target, { host: hosts.alipay });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MinicardError);
    expect((caught as MinicardError).code).toBe("invalid_argument");
  });

  it("rejects a query over 1024 bytes at /app/query", () => {
    const query = `k=${"上".repeat(342)}`; // 2 + 342 × 3 = 1028 bytes, only 344 characters
    const errors = validateCardInput(input({ app: app({ query }) }));
    expect(paths(errors)).toEqual(["/app/query"]);
    expect(errors[0]!.message).toMatch(/1024 bytes/);
  });

  it.each([
    ["a&b", "a&b"],
    ["a missing key", "=v"],
    ["a trailing &", "a=1&"],
    ["a raw space", "a=b c"],
    ["a raw #", "a=1#frag"],
    ["a bad % escape", "a=%G1"],
    ["raw CJK", "q=上海"],
  ])("rejects a query shaped like %s at /app/query", (_name, query) => {
    expect(paths(validateCardInput(input({ app: app({ query }) })))).toEqual(["/app/query"]);
  });

  it("accepts an empty value (k=)", () => {
    expect(validateCardInput(input({ app: app({ query: "a=&b=2" }) }))).toEqual([]);
  });
});

describe("validateCardInput: shape", () => {
  it("rejects an unknown field at its pointer", () => {
    const errors = validateCardInput(input({ url: "https://evil.example" }));
    expect(errors).toEqual([{ path: "/url", message: "is not a known field" }]);
  });

  it("rejects an unknown field inside app", () => {
    expect(paths(validateCardInput(input({ app: app({ scheme: "alipays://x" }) })))).toEqual(["/app/scheme"]);
  });

  it("escapes unknown field names as JSON Pointer tokens", () => {
    expect(paths(validateCardInput(input({ "a/b~c": 1 })))).toEqual(["/a~1b~0c"]);
  });

  it.each(["partner", "surface", "kind", "app", "title"])("rejects a missing %s", (field) => {
    const body = input();
    delete body[field];
    expect(validateCardInput(body)).toContainEqual({ path: `/${field}`, message: "is required" });
  });

  it("rejects a missing app.page at /app/page", () => {
    expect(paths(validateCardInput(input({ app: { id: "2021000000000001" } })))).toEqual(["/app/page"]);
  });

  it("lists every failing field at once", () => {
    const errors = validateCardInput(input({ title: "", image: "http://x", surface: "moon" }));
    expect(paths(errors).sort()).toEqual(["/image", "/surface", "/title"]);
  });

  it("rejects non-objects at the root", () => {
    expect(paths(validateCardInput(null))).toEqual(["/"]);
    expect(paths(validateCardInput([input()]))).toEqual(["/"]);
    expect(paths(validateCardInput("card"))).toEqual(["/"]);
  });

  it("rejects a partner id with uppercase letters", () => {
    expect(paths(validateCardInput(input({ partner: "Weibo" })))).toEqual(["/partner"]);
  });

  it("rejects wrong types", () => {
    expect(paths(validateCardInput(input({ title: 42 })))).toEqual(["/title"]);
    expect(paths(validateCardInput(input({ ttlSeconds: "3600" })))).toEqual(["/ttlSeconds"]);
    expect(paths(validateCardInput(input({ ttlSeconds: 3600.5 })))).toEqual(["/ttlSeconds"]);
  });
});

describe("validateCardInput: rules across fields", () => {
  it("rejects a product without price at /price", () => {
    expect(paths(validateCardInput(input({ kind: "product" })))).toEqual(["/price"]);
  });

  it("rejects a malformed price at /price/amount and /price/currency", () => {
    const errors = validateCardInput(input({ kind: "product", price: { amount: "29.9.0", currency: "cny" } }));
    expect(paths(errors)).toEqual(["/price/amount", "/price/currency"]);
  });

  it("rejects a membership without membership at /membership", () => {
    expect(paths(validateCardInput(input({ kind: "membership" })))).toEqual(["/membership"]);
  });

  it("rejects a membership offer on an app card", () => {
    expect(paths(validateCardInput(input({ membership: { benefit: "x", trialDays: 1 } })))).toEqual(["/membership"]);
  });

  it("rejects a price on an app card", () => {
    expect(paths(validateCardInput(input({ price: { amount: "1", currency: "CNY" } })))).toEqual(["/price"]);
  });

  it("rejects trialDays out of range at /membership/trialDays", () => {
    expect(paths(validateCardInput(input({ kind: "membership", membership: { benefit: "x", trialDays: 0 } })))).toEqual([
      "/membership/trialDays",
    ]);
  });

  it.each(["feed", "profile"])("rejects a %s share without sharer at /sharer", (surface) => {
    expect(validateCardInput(input({ surface }))).toEqual([{ path: "/sharer", message: `is required for ${surface} shares (or a sharerPass naming the sharer)` }]);
  });

  it("accepts a feed share with a sharer", () => {
    expect(validateCardInput(input({ surface: "feed", sharer: "alice" }))).toEqual([]);
  });

  it.each([CARD_TTL.min - 1, CARD_TTL.max + 1, 0, -1])("rejects ttlSeconds %i at /ttlSeconds", (ttlSeconds) => {
    expect(paths(validateCardInput(input({ ttlSeconds })))).toEqual(["/ttlSeconds"]);
  });
});

describe("validateCard (the token's card claim)", () => {
  it("accepts the helper's base card", () => {
    expect(validateCard(baseCard())).toEqual([]);
  });

  it("requires v: 1", () => {
    expect(paths(validateCard(baseCard({ v: 2 })))).toEqual(["/v"]);
  });

  it("requires brand.name and refuses a non-https logo", () => {
    expect(paths(validateCard(baseCard({ brand: {} })))).toEqual(["/brand/name"]);
    expect(paths(validateCard(baseCard({ brand: { name: "B", logo: "http://x/logo.png" } })))).toEqual(["/brand/logo"]);
  });

  it("refuses request-only fields such as partner and ttlSeconds", () => {
    expect(paths(validateCard(baseCard({ partner: "weibo", ttlSeconds: 60 }))).sort()).toEqual(["/partner", "/ttlSeconds"]);
  });

  it("checks the product rule too", () => {
    expect(paths(validateCard(baseCard({ kind: "product" })))).toEqual(["/price"]);
  });
});

describe("validateSchema", () => {
  it("is usable on the published input schema directly", () => {
    expect(validateSchema(cardInputSchema, input())).toEqual([]);
    expect(paths(validateSchema(cardInputSchema, input({ kind: "nope" })))).toEqual(["/kind"]);
  });
});
