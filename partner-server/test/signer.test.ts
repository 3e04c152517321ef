// Signing on a thread of its own (keys/signer.ts): real worker threads and real keys. The
// signatures of a batch verify under their own keys, a thread that dies loses no card (its
// batches are signed on the main thread), closing answers what was sent first, and the key
// ring's tokens verify with jose whichever thread signed them.

import { createSecretKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { openKeyRing } from "../src/keys/keyring.js";
import { createThreadSigner, type Signer, type SignerKey } from "../src/keys/signer.js";
import { createMemoryStore } from "../src/store/memory.js";

function keyPair(alg: "ES256" | "EdDSA", id: string): SignerKey & { publicKey: KeyObject } {
  const { privateKey, publicKey } = alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  return { id, alg, privateKey, publicKey };
}

function verifies(key: SignerKey & { publicKey: KeyObject }, input: string, signature: Buffer): boolean {
  return key.alg === "ES256"
    ? verify("sha256", Buffer.from(input), { key: key.publicKey, dsaEncoding: "ieee-p1363" }, signature)
    : verify(null, Buffer.from(input), key.publicKey, signature);
}

/** Signs `count` inputs in one turn of the event loop, alternating `keys`; checks every signature. */
async function signAndCheck(signer: Signer, keys: (SignerKey & { publicKey: KeyObject })[], count: number, tag: string): Promise<void> {
  const inputs = Array.from({ length: count }, (_, i) => `${tag}.${i}.${"x".repeat(i % 300)}`);
  const signatures = await Promise.all(inputs.map((input, i) => signer.sign(keys[i % keys.length]!, input)));
  signatures.forEach((signature, i) => {
    expect(signature.length, `signature ${i}`).toBe(64);
    expect(verifies(keys[i % keys.length]!, inputs[i]!, signature), `signature ${i} under its own key`).toBe(true);
    // And not under the other key: each input was signed with the key it named.
    if (keys.length > 1) expect(verifies(keys[(i + 1) % keys.length]!, inputs[i]!, signature)).toBe(false);
  });
}

describe("the signing thread", () => {
  it("signs a batch of ES256 and Ed25519 inputs, each under the key it names, batch after batch", async () => {
    const signer = createThreadSigner({ onFailure: (error) => expect.fail(String(error)) });
    const keys = [keyPair("ES256", "es-1"), keyPair("EdDSA", "ed-1"), keyPair("ES256", "es-2")];
    try {
      await signAndCheck(signer, keys, 600, "first"); // more than one message's worth (256)
      await signAndCheck(signer, keys, 1, "second");
      await signAndCheck(signer, [keys[1]!], 40, "third");
    } finally {
      await signer.close();
    }
  });

  it("refuses an input whose key cannot sign, signs the others of its batch, and keeps the thread", async () => {
    const failures: unknown[] = [];
    const signer = createThreadSigner({ onFailure: (error) => failures.push(error) });
    const good = keyPair("ES256", "good");
    const bad: SignerKey = { id: "bad", alg: "ES256", privateKey: createSecretKey(Buffer.alloc(32, 1)) };
    try {
      const answers = await Promise.allSettled([signer.sign(good, "a"), signer.sign(bad, "b"), signer.sign(good, "c")]);
      expect(answers.map((answer) => answer.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(verifies(good, "a", (answers[0] as PromiseFulfilledResult<Buffer>).value)).toBe(true);
      expect(verifies(good, "c", (answers[2] as PromiseFulfilledResult<Buffer>).value)).toBe(true);
      await signAndCheck(signer, [good], 20, "after");
      expect(failures).toEqual([]);
    } finally {
      await signer.close();
    }
  });

  it("loses no card when the thread dies: its batches are signed on the main thread, and after three deaths in a row signing stays there", async () => {
    // A thread that takes keys and dies at its first batch.
    const dying = `
      const { parentPort } = require("node:worker_threads");
      parentPort.on("message", (message) => { if (!message.key) process.exit(3); });
    `;
    const failures: unknown[] = [];
    const signer = createThreadSigner({ onFailure: (error) => failures.push(error), code: dying });
    const keys = [keyPair("ES256", "es"), keyPair("EdDSA", "ed")];
    try {
      for (let round = 0; round < 5; round += 1) await signAndCheck(signer, keys, 30, `round-${round}`);
      expect(failures).toHaveLength(3);
      expect(String(failures[0])).toContain("exited with code 3");
    } finally {
      await signer.close();
    }
  });

  it("signs on the main thread when no thread can be started, or the thread's code does not even parse", async () => {
    const keys = [keyPair("ES256", "es"), keyPair("EdDSA", "ed")];
    // Worker's constructor throws at once for code that is not a string; a syntax error is reported later.
    for (const code of [42 as unknown as string, "this is not javascript ("]) {
      const failures: unknown[] = [];
      const signer = createThreadSigner({ onFailure: (error) => failures.push(error), code });
      try {
        for (let round = 0; round < 4; round += 1) await signAndCheck(signer, keys, 10, `round-${round}`);
        expect(failures).toHaveLength(3);
      } finally {
        await signer.close();
      }
    }
  });

  it("closing answers the batches already sent, and signs later inputs on the main thread", async () => {
    const signer = createThreadSigner({ onFailure: (error) => expect.fail(String(error)) });
    const key = keyPair("ES256", "es");
    const inputs = Array.from({ length: 200 }, (_, i) => `card-${i}`);
    const signing = inputs.map((input) => signer.sign(key, input));
    await new Promise((resolve) => setImmediate(resolve)); // the batch is on its way to the thread
    let answeredBeforeClose = 0;
    for (const promise of signing) void promise.then(() => (answeredBeforeClose += 1));
    await signer.close();
    await Promise.resolve();
    expect(answeredBeforeClose).toBe(inputs.length);
    const signatures = await Promise.all(signing);
    signatures.forEach((signature, i) => expect(verifies(key, inputs[i]!, signature)).toBe(true));
    await signAndCheck(signer, [key], 5, "after-close");
  });
});

describe("the key ring's tokens, signed on a thread or on the main thread", () => {
  for (const signOn of ["thread", "main"] as const) {
    for (const alg of ["ES256", "EdDSA"] as const) {
      it(`${alg} on the ${signOn === "thread" ? "signing thread" : "main thread"}: compact JWS that jose verifies against the ring's JWKS, ES256 in low-S form`, async () => {
        const failures: unknown[] = [];
        const ring = await openKeyRing(createMemoryStore(), { alg, secret: undefined, signOn, onSignerFailure: (error) => failures.push(error) });
        try {
          const jwks = createLocalJWKSet(ring.jwks(Date.now()));
          const signed = await Promise.all(Array.from({ length: 50 }, (_, i) => ring.signCompact({ typ: "minicard+jwt" }, { jti: `card-${i}`, n: i })));
          for (const [i, { token, kid }] of signed.entries()) {
            expect(kid).toBe(ring.current.kid);
            expect(decodeProtectedHeader(token)).toEqual({ typ: "minicard+jwt", alg, kid });
            const { payload } = await compactVerify(token, jwks, { algorithms: [alg] });
            expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ jti: `card-${i}`, n: i });
            if (alg === "ES256") {
              const s = BigInt(`0x${Buffer.from(token.split(".")[2]!, "base64url").toString("hex", 32)}`);
              expect(s <= 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n).toBe(true);
            }
          }
          expect(failures).toEqual([]);
        } finally {
          await ring.close();
        }
      });
    }
  }
});

describe("MINICARD_SIGN_ON", () => {
  const cwd = process.cwd();
  it("is auto unless set, takes thread and main, and refuses anything else by name", () => {
    expect(loadConfig({}, {}, cwd).signOn).toBe("auto");
    expect(loadConfig({}, { MINICARD_SIGN_ON: "thread" }, cwd).signOn).toBe("thread");
    expect(loadConfig({}, { MINICARD_SIGN_ON: "main" }, cwd).signOn).toBe("main");
    for (const wrong of ["gpu", "Thread", "true"]) {
      expect(() => loadConfig({}, { MINICARD_SIGN_ON: wrong }, cwd)).toThrow(ConfigError);
      expect(() => loadConfig({}, { MINICARD_SIGN_ON: wrong }, cwd)).toThrow(`MINICARD_SIGN_ON must be auto, thread or main, not "${wrong}"`);
    }
  });
});
