import { describe, expect, it } from "vitest";
import { formatPrice, strings } from "../src/i18n.js";
import { codeOf, WidgetError } from "../src/errors.js";

describe("formatPrice", () => {
  it("writes the price as the reader's language does", () => {
    expect(formatPrice("79.90", "CNY", "zh-CN")).toBe("¥79.90");
    expect(formatPrice("79.90", "CNY", "en")).toBe("CN¥79.90");
    expect(formatPrice("5", "USD", "en")).toBe("$5.00");
  });

  it("falls back to the raw amount for a currency Intl does not know", () => {
    expect(formatPrice("1.00", "ZZ", "en")).toBe("1.00 ZZ");
  });
});

describe("strings", () => {
  it("speaks zh-CN and en, with the membership offer", () => {
    expect(strings("zh-CN").miniProgram).toBe("小程序");
    expect(strings("en").trial(30)).toBe("Join now, pay after 30 days");
    expect(strings("zh-CN").trial(7)).toBe("先享后付 · 免费体验 7 天");
  });
});

describe("codeOf", () => {
  it("keeps the code of coded errors and reads anything else as malformed", () => {
    expect(codeOf(new WidgetError("revoked", "gone"))).toBe("revoked");
    expect(codeOf({ code: "expired" })).toBe("expired");
    expect(codeOf(new Error("boom"))).toBe("malformed");
    expect(codeOf(null)).toBe("malformed");
  });
});
