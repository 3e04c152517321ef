import { describe, expect, it } from "vitest";
import * as sdk from "@minicard/sdk";
import { isMinicardError, MinicardError } from "../src/index.js";

describe("MinicardError", () => {
  it("carries a stable code and its options", () => {
    const cause = new Error("socket hang up");
    const error = new MinicardError("rate_limited", "slow down", {
      status: 429,
      retryAfter: 12,
      errors: [{ path: "/title", message: "x" }],
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("MinicardError");
    expect(error.code).toBe("rate_limited");
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(12);
    expect(error.errors).toEqual([{ path: "/title", message: "x" }]);
    expect(error.cause).toBe(cause);
  });

  it("leaves unset options undefined", () => {
    const error = new MinicardError("expired", "the card has expired");
    expect(error.status).toBeUndefined();
    expect(error.retryAfter).toBeUndefined();
    expect(error.errors).toBeUndefined();
    expect("cause" in error).toBe(false);
  });

  it("isMinicardError checks the type and, optionally, the code", () => {
    const error = new MinicardError("expired", "x");
    expect(isMinicardError(error)).toBe(true);
    expect(isMinicardError(error, "expired")).toBe(true);
    expect(isMinicardError(error, "malformed")).toBe(false);
    expect(isMinicardError(new Error("x"))).toBe(false);
    expect(isMinicardError({ code: "expired" }, "expired")).toBe(false);
  });
});

describe("@minicard/sdk entry point", () => {
  it("exports the documented API", () => {
    for (const name of ["createBrandClient", "createVerifier", "buildDeepLink", "isHostUrl", "encodeQuery", "validateCardInput", "isMinicardError"] as const) {
      expect(typeof sdk[name], name).toBe("function");
    }
    expect(new sdk.MinicardError("expired", "x").code).toBe("expired");
    expect(sdk.hosts.alipay.appIdPattern).toBe("^[0-9]{16}$");
    expect(sdk.ALGORITHMS).toEqual(["ES256", "EdDSA"]);
    expect(sdk.CARD_TYPE).toBe("minicard+jwt");
    expect(sdk.MAX_TOKEN_LENGTH).toBe(8192);
  });

  it('maps the "source" export condition to the TypeScript entry', async () => {
    const { readFile } = await import("node:fs/promises");
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(manifest.exports["."]!.source).toBe("./src/index.ts");
    expect(Object.keys(manifest.exports["."]!)[0], "types first").toBe("types");
  });
});
