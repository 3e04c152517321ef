/**
 * The brand console's CSV export (public/demo/js/csv.js, a browser module without DOM in its
 * rules): RFC 4180 quoting and the guard against CSV formula injection.
 */

import { describe, expect, it } from "vitest";

// A plain-JS module served to browsers: imported by URL so the type checker takes its shape from here.
const csv = (await import(new URL("../../public/demo/js/csv.js", import.meta.url).href)) as {
  csvField(value: unknown): string;
  toCsv(header: unknown[], rows: unknown[][]): string;
};

describe("csvField", () => {
  it("leaves plain text and numbers alone", () => {
    expect(csv.csvField("今晚 19:30 IMAX")).toBe("今晚 19:30 IMAX");
    expect(csv.csvField(1234)).toBe("1234");
    expect(csv.csvField(0.0525)).toBe("0.0525");
    expect(csv.csvField(undefined)).toBe("");
    expect(csv.csvField(null)).toBe("");
  });

  it("quotes commas, quotes, CR and LF, doubling quotes (RFC 4180)", () => {
    expect(csv.csvField("a,b")).toBe('"a,b"');
    expect(csv.csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csv.csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csv.csvField("cr\rhere")).toBe('"cr\rhere"');
  });

  it("prefixes text a spreadsheet would run as a formula", () => {
    expect(csv.csvField("=1+1")).toBe("'=1+1");
    expect(csv.csvField("+86 123")).toBe("'+86 123");
    expect(csv.csvField("-5 折")).toBe("'-5 折");
    expect(csv.csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csv.csvField("\tx")).toBe("'\tx");
    expect(csv.csvField('=HYPERLINK("http://evil.example","点我")')).toBe(`"'=HYPERLINK(""http://evil.example"",""点我"")"`);
    // Only at the start, and never for numbers.
    expect(csv.csvField("a=b")).toBe("a=b");
    expect(csv.csvField(-3)).toBe("-3");
  });
});

describe("toCsv", () => {
  it("writes a header and records, each ended by CRLF", () => {
    expect(csv.toCsv(["卡片", "曝光"], [["a,b", 3], ["=x", 0]])).toBe('卡片,曝光\r\n"a,b",3\r\n\'=x,0\r\n');
  });
});
