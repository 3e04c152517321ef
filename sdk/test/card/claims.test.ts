import { describe, expect, it } from "vitest";
import { CARD_ID_PATTERN, CARD_TYPE, isCardId } from "../../src/index.js";

describe("card claims", () => {
  it("a card id is a ULID: 26 characters of Crockford base32", () => {
    expect(CARD_TYPE).toBe("minicard+jwt");
    expect(CARD_ID_PATTERN).toBe("^[0-9A-HJKMNP-TV-Z]{26}$");
    expect(isCardId("01JD5ZQ4Y7T8V9W0X1Y2Z3A4B5")).toBe(true);
    for (const id of ["", "01JD5ZQ4Y7T8V9W0X1Y2Z3A4B", "01JD5ZQ4Y7T8V9W0X1Y2Z3A4B56", "01JD5ZQ4Y7T8V9W0X1Y2Z3A4BI", "01jd5zq4y7t8v9w0x1y2z3a4b5", "/c/01JD5ZQ4Y7T8V9W0X1Y2Z3A4B5"]) {
      expect(isCardId(id), id).toBe(false);
      expect(new RegExp(CARD_ID_PATTERN).test(id), id).toBe(false);
    }
  });
});
