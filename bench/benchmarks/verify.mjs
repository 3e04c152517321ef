// SDK verify vs raw crypto.verify (ES256) on the same token.

import { createPublicKey, generateKeyPairSync, sign, verify as cryptoVerify } from "node:crypto";
import { REPEATS, quick } from "../lib/args.mjs";
import { log } from "../lib/log.mjs";
import { record } from "../lib/results.mjs";
import { CARD_REQUEST } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";

export async function benchVerify() {
  const { createVerifier } = await import("@minicard/sdk");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench", alg: "ES256", use: "sig" };
  const issuer = "https://cards.example";
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: "bench", typ: "minicard+jwt" })).toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({
      iss: issuer,
      aud: "bench",
      sub: "bench-brand",
      jti: "01JBENCH00000000000000000A",
      iat: now,
      nbf: now,
      exp: now + 3600,
      card: { v: 1, kind: "product", surface: "dm", app: CARD_REQUEST.app, title: CARD_REQUEST.title, description: CARD_REQUEST.description, image: CARD_REQUEST.image, cta: CARD_REQUEST.cta, price: CARD_REQUEST.price, sharer: "bench-sharer", brand: { name: "Bench Brand" } },
    }),
  ).toString("base64url");
  const input = Buffer.from(`${header}.${payload}`);
  // Low-S, as the issuer signs: the verifier refuses a high-S signature (half of them) as
  // non_canonical_signature, which failed this bench at random.
  const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  let signature;
  do signature = sign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" });
  while (BigInt(`0x${signature.subarray(32).toString("hex")}`) > P256_ORDER >> 1n);
  const token = `${header}.${payload}.${signature.toString("base64url")}`;
  const verifier = createVerifier({
    issuer,
    audience: "bench",
    fetch: async () => new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } }),
  });
  await verifier.verify(token, { surface: "dm" });
  const key = createPublicKey(publicKey.export({ format: "pem", type: "spki" }));
  const N = quick ? 2000 : 20_000;

  const rawRuns = [];
  const sdkRuns = [];
  for (let r = 0; r < REPEATS; r += 1) {
    let start = performance.now();
    for (let i = 0; i < N; i += 1) {
      // The same work a hand-rolled check does: split, decode the signature, verify.
      const dot = token.lastIndexOf(".");
      if (!cryptoVerify("sha256", Buffer.from(token.slice(0, dot)), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(token.slice(dot + 1), "base64url"))) throw new Error("raw verify failed");
    }
    rawRuns.push(N / ((performance.now() - start) / 1000));
    start = performance.now();
    // 64 in flight, as a page verifying a screen of cards does.
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < N) {
          next += 1;
          await verifier.verify(token, { surface: "dm" });
        }
      }),
    );
    sdkRuns.push(N / ((performance.now() - start) / 1000));
    log(`verify: SDK ${Math.round(sdkRuns.at(-1))}/s, raw crypto.verify ${Math.round(rawRuns.at(-1))}/s`);
  }
  const ratio = stats(sdkRuns).median / stats(rawRuns).median;
  record({
    name: "SDK verify (signature, claims, card schema), ES256",
    unit: "verifications/s",
    value: sdkRuns,
    ceiling: rawRuns,
    ceilingName: "raw crypto.verify ES256 on the same token",
    target: "≥ 0.7 × ceiling",
    met: ratio >= 0.7,
  });
}
