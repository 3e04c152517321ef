// One encoding per card (issue 14): an ES256 signature (r, s) has a twin (r, n − s) that
// verifies under the same key. The issuer signs low-S only and the verifier refuses high-S
// with `non_canonical_signature`, before any key lookup. Real WebCrypto keys throughout:
// - the malleated-token corpus: the high-S twin of every token of the forged corpus is refused
//   (0 accepted, 0 JWKS fetches), and so is the twin of every fresh genuine card, while the
//   genuine low-S card verifies;
// - properties (fast-check): `isHighS` agrees with `s > n/2` on any 64 bytes; any genuine
//   card verifies and its twin is refused; every spelling of a segment but the canonical one
//   is refused.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createVerifier, MinicardError } from "../../src/index.js";
import { isHighS } from "../../src/verify/jws.js";
import { AUDIENCE, APP_ID, b64url, expectCode, fromB64url, makeKey, mintCard, startJwksServer, type JwksServer, type TestKey } from "../helpers.js";
import { CORPUS_SURFACE, P256_ORDER, flipS, forgeTokens, genuineToken, malleate, sOf, type ForgeKit } from "../../../test-corpus/forged-tokens.js";

const HALF = P256_ORDER >> 1n;
/** Fresh genuine cards whose twins are checked, and property runs. */
export const RUNS = { genuine: 300, highS: 5000, cards: 200 } as const;

const signatureOf = (token: string) => fromB64url(token.split(".")[2]!);

/** A 64-byte `r‖s` with the given `s`. */
function withS(s: bigint): Uint8Array {
  const signature = new Uint8Array(64).fill(0x11);
  for (let i = 63; i >= 32; i -= 1, s >>= 8n) signature[i] = Number(s & 0xffn);
  return signature;
}

describe("isHighS", () => {
  it("is exactly s > n/2 at the boundaries, and false for any other length", () => {
    expect(HALF.toString(16)).toBe("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");
    for (const [s, high] of [[0n, false], [1n, false], [HALF - 1n, false], [HALF, false], [HALF + 1n, true], [P256_ORDER - 1n, true], [P256_ORDER, true], [(1n << 256n) - 1n, true]] as const) {
      expect(isHighS(withS(s)), s.toString(16)).toBe(high);
    }
    expect(isHighS(new Uint8Array(63).fill(0xff))).toBe(false);
    expect(isHighS(new Uint8Array(128).fill(0xff))).toBe(false);
    expect(isHighS(new Uint8Array(0))).toBe(false);
  });

  it(`agrees with the BigInt reference on any 64 bytes (${RUNS.highS} runs)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (signature) => {
        expect(isHighS(signature)).toBe(sOf(signature) > HALF);
        // s and n − s are never both high (nor both low, but for s = 0).
        if (sOf(signature) > 0n && sOf(signature) < P256_ORDER) expect(isHighS(flipS(signature))).toBe(!isHighS(signature));
      }),
      { numRuns: RUNS.highS },
    );
  });
});

describe("malleated-token corpus (ES256)", () => {
  let key: TestKey;
  let jwks: JwksServer;
  let kit: ForgeKit;

  beforeAll(async () => {
    key = await makeKey("ES256", "es256-genuine");
    jwks = await startJwksServer([key]);
    kit = { issuer: jwks.issuer, audience: AUDIENCE, kid: key.kid, alg: "ES256", privateKey: key.privateKey, publicJwk: key.publicJwk as JsonWebKey, appId: APP_ID };
  });
  afterAll(() => jwks.close());

  it("the high-S twin of every forged-corpus token is refused, before any key lookup: 0 accepted", async () => {
    const corpus = await forgeTokens(kit);
    const own = await startJwksServer([key]);
    try {
      const outcomes: Array<{ name: string; expected: string; got: string }> = [];
      for (const entry of corpus) {
        // The corpus signs low-S, like the issuer; its one high-S entry's twin is the genuine card.
        // An EdDSA header has no high-S rule (the twin of that entry is an Ed25519 question).
        const [header, , signature] = entry.token.split(".");
        if (!signature || fromB64url(signature).length !== 64 || isHighS(fromB64url(signature))) continue;
        if (/"alg":"EdDSA"/.test(Buffer.from(header!, "base64url").toString("latin1"))) continue;
        const twin = malleate(entry.token.replace(jwks.issuer, own.issuer))!;
        expect(isHighS(signatureOf(twin)), entry.name).toBe(true);
        const verifier = createVerifier({ issuer: own.issuer, audience: entry.audience ?? AUDIENCE });
        let got = "ACCEPTED";
        try {
          await verifier.verify(twin, { surface: entry.surface ?? CORPUS_SURFACE });
        } catch (error) {
          got = error instanceof MinicardError ? error.code : `non-MinicardError ${String(error)}`;
        }
        outcomes.push({ name: entry.name, expected: entry.code, got });
      }
      expect(outcomes.length).toBeGreaterThan(100);
      expect(outcomes.filter((outcome) => outcome.got === "ACCEPTED")).toEqual([]);
      // Each twin is refused where its original is when that is earlier (the header), else as high-S.
      expect(outcomes.filter((outcome) => outcome.got !== outcome.expected && outcome.got !== "non_canonical_signature")).toEqual([]);
      // The high-S check runs before the key lookup: the twins never made the verifier fetch keys.
      expect(own.requests).toBe(0);
      const highS = outcomes.filter((outcome) => outcome.got === "non_canonical_signature").length;
      console.info(`[malleated corpus] ${corpus.length} forged tokens, ${outcomes.length} with a 64-byte low-S signature: ${outcomes.length} high-S twins refused (${highS} as non_canonical_signature), 0 accepted, 0 JWKS fetches`);
    } finally {
      await own.close();
    }
  });

  it(`${RUNS.genuine} fresh genuine cards verify and their high-S twins are refused`, async () => {
    const verifier = createVerifier({ issuer: jwks.issuer, audience: AUDIENCE });
    let rawHigh = 0;
    for (let i = 0; i < RUNS.genuine; i += 1) {
      // Half through the fixture (WebCrypto), half through jose's SignJWT; both normalise to low-S.
      const token = i % 2 === 0 ? await genuineToken(kit, { title: `Genuine ${i}` }) : await mintCard(key, { issuer: jwks.issuer, card: { surface: CORPUS_SURFACE, title: `Genuine ${i}` } });
      expect(isHighS(signatureOf(token))).toBe(false);
      await expect(verifier.verify(token, { surface: CORPUS_SURFACE })).resolves.toMatchObject({ alg: "ES256" });
      const twin = malleate(token)!;
      if (isHighS(signatureOf(twin))) rawHigh += 1;
      const error = await expectCode(verifier.verify(twin, { surface: CORPUS_SURFACE }), "non_canonical_signature");
      expect(error.message).toMatch(/high-S/);
    }
    expect(rawHigh).toBe(RUNS.genuine);
  });

  it("the twin verifies as a signature (so refusing it is the check, not a broken twin)", async () => {
    const token = await genuineToken(kit);
    const [header, payload] = token.split(".");
    const publicKey = await crypto.subtle.importKey("jwk", key.publicJwk as JsonWebKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const input = new TextEncoder().encode(`${header}.${payload}`);
    for (const candidate of [token, malleate(token)!]) {
      expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signatureOf(candidate) as BufferSource, input)).toBe(true);
    }
  });

  it(`any genuine card verifies and its twin never does (${RUNS.cards} runs)`, async () => {
    const verifier = createVerifier({ issuer: jwks.issuer, audience: AUDIENCE });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          title: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,40}$/),
          surface: fc.constantFrom("dm", "profile", "feed"),
          description: fc.option(fc.stringMatching(/^[\w]{1,60}$/), { nil: undefined }),
        }),
        async ({ title, surface, description }) => {
          const card = { title, surface, ...(description === undefined ? {} : { description }), ...(surface === "dm" ? {} : { sharer: "alice" }) };
          const token = await genuineToken(kit, card);
          await expect(verifier.verify(token, { surface })).resolves.toMatchObject({ card: { title } });
          await expectCode(verifier.verify(malleate(token)!, { surface }), "non_canonical_signature");
        },
      ),
      { numRuns: RUNS.cards },
    );
  });

  it("EdDSA cards are not affected: no high-S rule for Ed25519", async () => {
    const ed = await makeKey("EdDSA", "eddsa-genuine");
    const edJwks = await startJwksServer([ed]);
    try {
      const verifier = createVerifier({ issuer: edJwks.issuer, audience: AUDIENCE });
      for (let i = 0; i < 50; i += 1) {
        await expect(verifier.verify(await mintCard(ed, { issuer: edJwks.issuer }), { surface: "feed" })).resolves.toMatchObject({ alg: "EdDSA" });
      }
    } finally {
      await edJwks.close();
    }
  });

  it("every spelling of a segment but the canonical one is refused: one token string per card", async () => {
    const verifier = createVerifier({ issuer: jwks.issuer, audience: AUDIENCE });
    const token = await genuineToken(kit);
    const segments = token.split(".");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let spellings = 0;
    for (const index of [0, 1, 2]) {
      const segment = segments[index]!;
      for (const last of alphabet) {
        const spelled = segment.slice(0, -1) + last;
        if (spelled === segment) continue;
        const candidate = segments.map((part, i) => (i === index ? spelled : part)).join(".");
        const sameBytes = b64url(fromB64url(spelled)) === segment;
        if (sameBytes) spellings += 1;
        let code = "ACCEPTED";
        try {
          await verifier.verify(candidate, { surface: CORPUS_SURFACE });
        } catch (error) {
          code = (error as MinicardError).code;
        }
        expect(code, `${index}: ${last}`).not.toBe("ACCEPTED");
        if (sameBytes) expect(code, `${index}: ${last}`).toBe("malformed");
      }
    }
    // The signature segment (64 bytes, 86 characters) has 4 unused bits: 15 other spellings.
    expect(spellings).toBeGreaterThanOrEqual(15);
  });
});
