// Signing on a thread of its own (keys/signer.ts): real worker threads and real keys. The
// signatures of a batch verify under their own keys, one batch is out at a time, a thread
// that dies loses no card (its batches are signed on the main thread), closing answers what
// was sent first, the key ring's tokens verify with jose whichever thread signed them, and on
// SQLite issuance signs each card in the store's thread as it writes it.

import { createSecretKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { describe, expect, it, vi } from "vitest";
import { createVerifier } from "@minicard/sdk";
import { ConfigError, loadConfig } from "../src/config.js";
import { openKeyRing } from "../src/keys/keyring.js";
import { createThreadSigner, type Signer, type SignerKey } from "../src/keys/signer.js";
import { createMemoryStore } from "../src/store/memory.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { cardInput, postCard, seedWorld, startServer } from "./support/server.js";

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

  it("keeps one batch out at a time: inputs that come while it is signed go together in the next message", async () => {
    // A thread that answers each batch 50 ms late, every "signature" naming its batch: the
    // message's number and how many inputs it held.
    const slow = `
      const { parentPort } = require("node:worker_threads");
      let batches = 0;
      parentPort.on("message", (message) => {
        if (message.key) return;
        const out = new Uint8Array(message.inputs.length * 64);
        for (let i = 0; i < message.inputs.length; i += 1) out.set([batches, message.inputs.length], i * 64);
        batches += 1;
        setTimeout(() => parentPort.postMessage({ id: message.id, signatures: out.buffer }, [out.buffer]), 50);
      });
    `;
    const signer = createThreadSigner({ onFailure: (error) => expect.fail(String(error)), code: slow });
    const key = keyPair("ES256", "es");
    try {
      const first = signer.sign(key, "first");
      const later: Promise<Buffer>[] = [];
      // Five inputs, each in a turn of its own, all while the first batch is out.
      for (let i = 0; i < 5; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        later.push(signer.sign(key, `later-${i}`));
      }
      expect([...(await first).subarray(0, 2)]).toEqual([0, 1]);
      for (const signature of await Promise.all(later)) expect([...signature.subarray(0, 2)]).toEqual([1, 5]);
      // And with none out, an input goes at the end of its own turn.
      expect([...(await signer.sign(key, "alone")).subarray(0, 2)]).toEqual([2, 1]);
    } finally {
      await signer.close();
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
          const signed = await Promise.all(Array.from({ length: 50 }, (_, i) => ring.signCompact("minicard+jwt", { jti: `card-${i}`, n: i })));
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

describe("issuance on SQLite: the store's thread signs each card as it writes it", () => {
  for (const signOn of ["thread", "main"] as const) {
    it(`with MINICARD_SIGN_ON=${signOn}: every card verifies and is stored with its token; ${signOn === "thread" ? "each is signed in its write (one hand-off per card)" : "the main thread signs"}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "mc-signed-write-"));
      const opened = openSqliteStore(join(dir, "minicard.db"));
      await opened.migrate();
      const insertSigned = vi.fn(opened.cards.insertSigned!);
      const store = { ...opened, cards: { ...opened.cards, insertSigned } };
      const server = await startServer({ store, config: { signOn } });
      try {
        const { apiKey } = await seedWorld(server.url, { limits: [{ scope: "brand", max: 10_000, windowSeconds: 3600 }] });
        const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => postCard(server.url, apiKey, cardInput({ title: `Card ${i}` }))));
        const verifier = createVerifier({ issuer: server.url, audience: "weibo" });
        for (const response of responses) {
          expect(response.status, JSON.stringify(response.body)).toBe(201);
          const token = response.body.token as string;
          await expect(verifier.verify(token, { surface: "dm" })).resolves.toMatchObject({ alg: "ES256" });
          expect((await store.cards.get(response.body.id as string))?.token).toBe(token);
        }
        expect(insertSigned).toHaveBeenCalledTimes(signOn === "thread" ? 30 : 0);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
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
