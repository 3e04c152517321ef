// Every token of the shared forged-token corpus (test-corpus/forged-tokens.ts) is
// refused by the SDK verifier with its expected code; none is accepted. The same corpus runs
// against the widget in Chromium (e2e/tests/forged-tokens-security.spec.ts).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, MAX_TOKEN_LENGTH, MinicardError } from "../../src/index.js";
import { AUDIENCE, APP_ID, makeKey, startJwksServer, type JwksServer, type TestKey } from "../helpers.js";
import { CORPUS_SURFACE, forgeTokens, type ForgedToken } from "../../../test-corpus/forged-tokens.js";

for (const alg of ["ES256", "EdDSA"] as const) {
  describe(`forged-token corpus against the verifier (${alg})`, () => {
    let key: TestKey;
    let jwks: JwksServer;
    let corpus: ForgedToken[];

    beforeAll(async () => {
      key = await makeKey(alg, `${alg.toLowerCase()}-genuine`);
      jwks = await startJwksServer([key]);
      corpus = await forgeTokens({
        issuer: jwks.issuer,
        audience: AUDIENCE,
        kid: key.kid,
        alg,
        privateKey: key.privateKey,
        publicJwk: key.publicJwk as JsonWebKey,
        appId: APP_ID,
      });
    });
    afterAll(async () => {
      await jwks.close();
    });

    it("the corpus is what it claims: large, named uniquely, with one oversize token", () => {
      expect(corpus.length).toBeGreaterThanOrEqual(120);
      expect(new Set(corpus.map((entry) => entry.name)).size).toBe(corpus.length);
      expect(corpus.some((entry) => entry.token.length > MAX_TOKEN_LENGTH && entry.token.length < 10_000)).toBe(true);
    });

    it("a genuine card from the same kit verifies (the corpus is refused for its faults, not its key)", async () => {
      const { mintCard } = await import("../helpers.js");
      const token = await mintCard(key, { issuer: jwks.issuer, card: { surface: CORPUS_SURFACE } });
      const verifier = createVerifier({ issuer: jwks.issuer, audience: AUDIENCE });
      await expect(verifier.verify(token, { surface: CORPUS_SURFACE })).resolves.toMatchObject({ alg, kid: key.kid });
    });

    it("refuses every token with its expected code: 0 accepted", async () => {
      const outcomes: Array<{ name: string; expected: string; got: string }> = [];
      for (const entry of corpus) {
        const verifier = createVerifier({ issuer: jwks.issuer, audience: entry.audience ?? AUDIENCE, cooldownMs: 60_000 });
        let got = "ACCEPTED";
        try {
          await verifier.verify(entry.token, { surface: entry.surface ?? CORPUS_SURFACE });
        } catch (error) {
          got = error instanceof MinicardError ? error.code : `non-MinicardError ${String(error)}`;
        }
        outcomes.push({ name: entry.name, expected: entry.code, got });
      }
      const wrong = outcomes.filter((outcome) => outcome.got !== outcome.expected);
      expect(wrong).toEqual([]);
      expect(outcomes.filter((outcome) => outcome.got === "ACCEPTED")).toHaveLength(0);
      const byCode: Record<string, number> = {};
      for (const outcome of outcomes) byCode[outcome.got] = (byCode[outcome.got] ?? 0) + 1;
      console.info(`[forged-tokens ${alg}] ${outcomes.length} tokens, 0 accepted; ${Object.entries(byCode).map(([code, n]) => `${code}: ${n}`).join(", ")}`);
    });

    it("tokens refused before the key lookup never make the verifier fetch the issuer's keys", async () => {
      const own = await startJwksServer([key]);
      try {
        const early = corpus.filter((entry) => ["unsupported_algorithm", "malformed"].includes(entry.code) && /alg|header|padding|base64|canonical|token of|segments|dots|whitespace|newline|space|duplicated alg|duplicated kid|jku|x5u|x5c|jwk|crit|b64|zip|cty/.test(entry.name));
        expect(early.length).toBeGreaterThan(30);
        const verifier = createVerifier({ issuer: own.issuer, audience: AUDIENCE });
        for (const entry of early) {
          await expect(verifier.verify(entry.token.replace(jwks.issuer, own.issuer), { surface: CORPUS_SURFACE })).rejects.toBeInstanceOf(MinicardError);
        }
        expect(own.requests).toBe(0);
      } finally {
        await own.close();
      }
    });
  });
}
