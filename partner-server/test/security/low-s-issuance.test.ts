// One encoding per card (issue 14), on the server's side: ES256 signatures leave the server in
// low-S form only. `toLowS` on thousands of real node:crypto signatures (about half come out of
// `sign` high-S), then 500 cards issued over real HTTP: every token is low-S, verifies with the
// SDK verifier against the server's JWKS, and its high-S twin is refused.

import { createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey as NodeJwk } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, MinicardError } from "@minicard/sdk";
import { toLowS } from "../../src/keys/low-s.js";
import { cardInput, postCard, seedWorld, startServer, type LocalServer } from "../support/server.js";

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF = ORDER >> 1n;
const sOf = (signature: Buffer) => BigInt(`0x${signature.toString("hex", 32)}`);
/** Issued cards checked, and raw signatures normalised. */
export const COUNTS = { issued: 500, raw: 2000 } as const;

describe("toLowS", () => {
  it(`turns every high-S node:crypto signature low, keeps r, and the result still verifies (${COUNTS.raw} signatures)`, () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    let high = 0;
    for (let i = 0; i < COUNTS.raw; i += 1) {
      const input = Buffer.from(`card ${i}`);
      const raw = sign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" });
      if (sOf(raw) > HALF) high += 1;
      const low = toLowS(raw);
      expect(sOf(low) <= HALF).toBe(true);
      expect(low.subarray(0, 32).equals(raw.subarray(0, 32))).toBe(true);
      expect(sOf(low) === sOf(raw) || sOf(low) === ORDER - sOf(raw)).toBe(true);
      expect(toLowS(low).equals(low)).toBe(true);
      expect(verify("sha256", input, { key: publicKey, dsaEncoding: "ieee-p1363" }, low)).toBe(true);
    }
    // node signs with a random s: about half needed normalising (binomial, 2000 draws: 40–60 % is > 8σ wide).
    expect(high).toBeGreaterThan(COUNTS.raw * 0.4);
    expect(high).toBeLessThan(COUNTS.raw * 0.6);
    console.info(`[low-s] ${COUNTS.raw} raw signatures, ${high} came out high-S and were normalised, 0 high-S after`);
  });

  it("refuses anything but a 64-byte signature", () => {
    expect(() => toLowS(Buffer.alloc(63))).toThrow(TypeError);
    expect(() => toLowS(Buffer.alloc(72))).toThrow(TypeError);
  });

  it("handles the boundaries: s = n/2 stays, s = n/2 + 1 becomes n/2", () => {
    const at = (s: bigint) => Buffer.concat([Buffer.alloc(32, 7), Buffer.from(s.toString(16).padStart(64, "0"), "hex")]);
    expect(toLowS(at(HALF)).equals(at(HALF))).toBe(true);
    expect(sOf(toLowS(at(HALF + 1n)))).toBe(HALF);
    expect(sOf(toLowS(at(ORDER - 1n)))).toBe(1n);
  });
});

describe("the server emits low-S tokens only", () => {
  let server: LocalServer;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServer();
    ({ apiKey } = await seedWorld(server.url, { limits: [{ scope: "brand", max: 100_000, windowSeconds: 3600 }] }));
  });
  afterAll(() => server.close());

  it(`${COUNTS.issued} cards issued over HTTP: 0 high-S, each verifies, each high-S twin is refused`, async () => {
    const verifier = createVerifier({ issuer: server.url, audience: "weibo" });
    const tokens: string[] = [];
    for (let start = 0; start < COUNTS.issued; start += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, i) => postCard(server.url, apiKey, cardInput({ title: `Card ${start + i}` }))));
      for (const response of batch) {
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        tokens.push(response.body.token as string);
      }
    }
    expect(new Set(tokens).size).toBe(COUNTS.issued);
    const publicJwk = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    let highS = 0;
    let twinsRefused = 0;
    for (const token of tokens) {
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const bytes = Buffer.from(signature, "base64url");
      expect(bytes.length).toBe(64);
      if (sOf(bytes) > HALF) highS += 1;
      await expect(verifier.verify(token, { surface: "dm" })).resolves.toMatchObject({ alg: "ES256" });
      const twinS = Buffer.from((ORDER - sOf(bytes)).toString(16).padStart(64, "0"), "hex");
      const twin = `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), twinS]).toString("base64url")}`;
      // The twin is a valid signature under the published key...
      const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid as string;
      const key = createPublicKey({ key: publicJwk.keys.find((jwk) => jwk.kid === kid) as NodeJwk, format: "jwk" });
      expect(verify("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.concat([bytes.subarray(0, 32), twinS]))).toBe(true);
      // ...and the verifier refuses it.
      const error = await verifier.verify(twin, { surface: "dm" }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MinicardError);
      expect((error as MinicardError).code).toBe("non_canonical_signature");
      twinsRefused += 1;
    }
    expect(highS).toBe(0);
    expect(twinsRefused).toBe(COUNTS.issued);
    console.info(`[low-s] ${COUNTS.issued} cards issued: ${highS} high-S tokens, ${twinsRefused} high-S twins refused (non_canonical_signature)`);
  });
});
