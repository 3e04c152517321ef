import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createPassMinter, VIEWER_PASS_MAX_TTL_SECONDS, VIEWER_PASS_TYPE } from "../../src/index.js";

async function keys(alg: "ES256" | "EdDSA") {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: { ...(await exportJWK(publicKey)), kid: "k1", alg }, privateJwk: { ...(await exportJWK(privateKey)), alg } };
}

describe("createPassMinter", () => {
  it.each(["ES256", "EdDSA"] as const)("mints a %s pass a partner's registered key verifies: typ, iss, aud, sub, iat, exp", async (alg) => {
    const { publicJwk, privateJwk } = await keys(alg);
    const minter = createPassMinter({ partner: "weibo", issuer: "https://cards.example/", privateKey: privateJwk, kid: "k1" });
    const now = new Date("2026-12-01T08:00:00Z");
    const pass = await minter.mint("reader-42", { now, ttlSeconds: 600 });
    expect(decodeProtectedHeader(pass)).toEqual({ alg, kid: "k1", typ: VIEWER_PASS_TYPE });
    const { payload } = await jwtVerify(pass, createLocalJWKSet({ keys: [publicJwk] }), {
      issuer: "weibo",
      audience: "https://cards.example",
      typ: VIEWER_PASS_TYPE,
      currentDate: now,
    });
    expect(payload).toEqual({ iss: "weibo", aud: "https://cards.example", sub: "reader-42", iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 600 });
  });

  it("lives an hour by default and at most 24 hours", async () => {
    const { privateJwk } = await keys("ES256");
    const minter = createPassMinter({ partner: "weibo", issuer: "https://cards.example", privateKey: privateJwk, kid: "k1" });
    const claims = (pass: string) => JSON.parse(Buffer.from(pass.split(".")[1]!, "base64url").toString("utf8"));
    const hour = claims(await minter.mint("r"));
    expect(hour.exp - hour.iat).toBe(3600);
    const day = claims(await minter.mint("r", { ttlSeconds: VIEWER_PASS_MAX_TTL_SECONDS }));
    expect(day.exp - day.iat).toBe(86_400);
    for (const ttlSeconds of [0, -1, 1.5, VIEWER_PASS_MAX_TTL_SECONDS + 1]) await expect(minter.mint("r", { ttlSeconds })).rejects.toBeInstanceOf(TypeError);
  });

  it("refuses viewer ids the contract refuses: empty, too long, other characters, phone or account numbers", async () => {
    const { privateJwk } = await keys("ES256");
    const minter = createPassMinter({ partner: "weibo", issuer: "https://cards.example", privateKey: privateJwk, kid: "k1" });
    for (const viewer of ["", "x".repeat(129), "reader@example.com", "中文", "a b", "13800138000", "1234567"]) {
      await expect(minter.mint(viewer), viewer).rejects.toBeInstanceOf(TypeError);
    }
    expect(await minter.subjectOf("123456")).toBe("123456"); // six digits: not a phone number
  });

  it("with a pseudonym secret, carries a stable pseudonym instead of the partner's user id", async () => {
    const { privateJwk } = await keys("ES256");
    const options = { issuer: "https://cards.example", privateKey: privateJwk, kid: "k1", pseudonymSecret: "s3cret" };
    const weibo = createPassMinter({ partner: "weibo", ...options });
    const douyin = createPassMinter({ partner: "douyin", ...options });
    const sub = await weibo.subjectOf("13800138000");
    expect(sub).toMatch(/^p_[A-Za-z0-9_-]{27}$/);
    expect(await weibo.subjectOf("13800138000")).toBe(sub);
    expect(await weibo.subjectOf("13800138001")).not.toBe(sub);
    expect(await douyin.subjectOf("13800138000")).not.toBe(sub);
    const pass = await weibo.mint("13800138000");
    expect(pass).not.toContain(Buffer.from("13800138000").toString("base64url"));
    expect(JSON.parse(Buffer.from(pass.split(".")[1]!, "base64url").toString("utf8")).sub).toBe(sub);
  });

  it("refuses bad options with a TypeError", () => {
    expect(() => createPassMinter({} as never)).toThrow(TypeError);
    expect(() => createPassMinter({ partner: "weibo", issuer: "https://c", privateKey: { kty: "EC" }, kid: "k", alg: "HS256" as never })).toThrow(TypeError);
  });
});
