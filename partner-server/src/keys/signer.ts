/**
 * Signing on a thread of its own, in batches.
 *
 * An ES256 signature costs about 30 µs of CPU, the largest single step of issuing a card, and
 * on the main thread nothing else runs meanwhile. Here requests hand their JWS inputs to a
 * worker thread in batches, one message each, and it answers a batch's signatures in one
 * buffer (64 bytes each: ES256's `r‖s` and Ed25519's signature are both that long), so the
 * main thread goes on parsing, validating and limiting the next requests while the worker
 * signs. One batch is out at a time: the requests that reach signing meanwhile form the next,
 * sent as soon as the last is answered (the first goes at the end of its event-loop turn), so
 * a busy server sends fewer, larger batches and wakes the thread less often. One message per
 * batch, not one job per card: signing each card on libuv's pool (`crypto.sign` with a
 * callback) measured no faster than the main thread.
 *
 * Nothing is lost when the thread fails: the batches it had not answered are signed on the
 * main thread, and the next batch starts a new thread (after three failures in a row,
 * signing stays on the main thread).
 */

import { sign, type KeyObject } from "node:crypto";
import { Worker } from "node:worker_threads";
import { toLowS } from "./low-s.js";

/** A signing key as the signer uses it. */
export interface SignerKey {
  /** Names the key to the thread; one id, one key. */
  readonly id: string;
  readonly alg: "ES256" | "EdDSA";
  readonly privateKey: KeyObject;
}

/** A JWS signing input and the key to sign it with. */
export interface SigningJob {
  readonly key: SignerKey;
  readonly input: string;
}

/** Signs JWS signing inputs. */
export interface Signer {
  /** The signature of `input` under `key`: 64 bytes (ES256 as `r‖s` in low-S form, see `toLowS`; Ed25519). */
  sign(key: SignerKey, input: string): Promise<Buffer>;
  /** Ends the thread; later calls sign on the main thread. */
  close(): Promise<void>;
}

const SIGNATURE_BYTES = 64;

/** Signs on the calling thread, as {@link SIGNING_CODE} does on another. */
export function signHere(key: SignerKey, input: string): Buffer {
  return key.alg === "ES256"
    ? toLowS(sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" }))
    : sign(null, Buffer.from(input), key.privateKey);
}

/** A signer that signs on the calling thread (one core, or tests that want no thread). */
export function createInlineSigner(): Signer {
  return {
    sign: async (key, input) => signHere(key, input),
    close: async () => {},
  };
}

/**
 * Signing as a thread does it, as the source of a plain JavaScript function (so it runs the same
 * from `src` under the tests and from `dist`): `createSigning()` returns `{ add(key), sign(keyId,
 * input) }`, `sign` answering 64 bytes as {@link signHere} does, ES256 in low-S form (as
 * `toLowS` makes it). The signer's own thread and the SQLite thread's signed writes
 * (`SqliteThreadOptions.signing`) are both built on it.
 */
export const SIGNING_CODE = `function createSigning() {
  const { sign } = require("node:crypto");
  const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const HALF_ORDER = ORDER >> 1n;
  const keys = new Map();
  // toLowS (src/keys/low-s.ts): s replaced by n - s when over n/2.
  function lowS(signature) {
    const s = BigInt("0x" + signature.toString("hex", 32));
    if (s <= HALF_ORDER) return signature;
    signature.write((ORDER - s).toString(16).padStart(64, "0"), 32, "hex");
    return signature;
  }
  return {
    add(key) {
      keys.set(key.id, key);
    },
    sign(keyId, input) {
      const key = keys.get(keyId);
      const data = Buffer.from(input);
      return key.alg === "ES256"
        ? lowS(sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" }))
        : sign(null, data, key.privateKey);
    },
  };
}`;

/**
 * The signer's own thread: signing messages answered on its `parentPort`, a batch's
 * signatures in one buffer.
 */
const WORKER = `${SIGNING_CODE}
const { parentPort } = require("node:worker_threads");
const signing = createSigning();
parentPort.on("message", (message) => {
  if (message.key) {
    signing.add(message.key);
    return;
  }
  const { inputs, keyIds } = message;
  // Its own memory (not a slice of Buffer's shared pool), so it can be handed over whole.
  const out = new Uint8Array(inputs.length * ${SIGNATURE_BYTES});
  try {
    for (let i = 0; i < inputs.length; i += 1) out.set(signing.sign(keyIds[i], inputs[i]), i * ${SIGNATURE_BYTES});
  } catch {
    // An input that cannot be signed: the main thread signs this batch, and answers each
    // input with its own signature or error.
    parentPort.postMessage({ id: message.id, failed: true });
    return;
  }
  parentPort.postMessage({ id: message.id, signatures: out.buffer }, [out.buffer]);
});`;

interface Pending {
  key: SignerKey;
  input: string;
  resolve: (signature: Buffer) => void;
  reject: (error: unknown) => void;
}

/** How many signatures one message carries at most. */
const MAX_BATCH = 256;
/** Failures of the thread in a row after which signing stays on the main thread. */
const MAX_FAILURES = 3;

/** Options of {@link createThreadSigner}. */
export interface ThreadSignerOptions {
  /** Hears why the thread stopped (its batches are then signed on the main thread). */
  onFailure?: (error: unknown) => void;
  /** @internal The thread's code, for tests that make it fail. */
  code?: string;
}

/** A signer that signs on a worker thread, one batch of requests at a time. */
export function createThreadSigner({ onFailure = () => {}, code = WORKER }: ThreadSignerOptions = {}): Signer {
  let worker: Worker | undefined;
  /** The keys the current thread holds. */
  let sent = new Set<string>();
  /** Batches sent and not yet answered, by message id, in the order sent. */
  const inFlight = new Map<number, Pending[]>();
  const queue: Pending[] = [];
  let scheduled = false;
  let nextId = 0;
  let failures = 0;
  let closed = false;
  /** Told when no batch is left in flight (what `close` waits for). */
  let onDrained: (() => void) | undefined;

  function answered(): void {
    if (inFlight.size > 0) return;
    worker?.unref();
    onDrained?.();
  }

  function signOnMain(batch: Pending[]): void {
    for (const one of batch) {
      try {
        one.resolve(signHere(one.key, one.input));
      } catch (error) {
        one.reject(error);
      }
    }
  }

  function fail(failed: Worker, error: unknown): void {
    if (worker !== failed) return;
    worker = undefined;
    sent = new Set();
    failures += 1;
    onFailure(error);
    const unanswered = [...inFlight.values()];
    inFlight.clear();
    for (const batch of unanswered) signOnMain(batch);
    answered();
    if (queue.length > 0) flush();
    void failed.terminate().catch(() => {});
  }

  function start(): Worker {
    const started = new Worker(code, { eval: true });
    // The thread keeps the process alive only while it owes signatures: an idle server may exit.
    started.unref();
    started.on("message", (message: { id: number; signatures?: ArrayBuffer; failed?: true }) => {
      const batch = inFlight.get(message.id);
      if (!batch) return;
      inFlight.delete(message.id);
      failures = 0;
      if (message.failed) signOnMain(batch);
      else {
        const signatures = Buffer.from(message.signatures!);
        batch.forEach((one, i) => one.resolve(signatures.subarray(i * SIGNATURE_BYTES, (i + 1) * SIGNATURE_BYTES)));
      }
      answered();
      if (queue.length > 0) flush();
    });
    started.on("error", (error) => fail(started, error));
    started.on("exit", (code) => fail(started, new Error(`the signing thread exited with code ${code}`)));
    return started;
  }

  function flush(): void {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      if (closed || failures >= MAX_FAILURES) {
        signOnMain(batch);
        continue;
      }
      try {
        worker ??= start();
      } catch (error) {
        // No thread could be started (e.g. out of memory for one): this batch is signed here.
        failures += 1;
        onFailure(error);
        signOnMain(batch);
        continue;
      }
      for (const { key } of batch) {
        if (sent.has(key.id)) continue;
        worker.postMessage({ key: { id: key.id, alg: key.alg, privateKey: key.privateKey } });
        sent.add(key.id);
      }
      const id = nextId++;
      if (inFlight.size === 0) worker.ref();
      inFlight.set(id, batch);
      worker.postMessage({ id, inputs: batch.map((one) => one.input), keyIds: batch.map((one) => one.key.id) });
    }
  }

  return {
    sign(key, input) {
      return new Promise<Buffer>((resolve, reject) => {
        queue.push({ key, input, resolve, reject });
        // Every request that reaches signing in this turn of the event loop joins the batch;
        // while one is out, they wait for its answer (which sends them) instead.
        if (!scheduled && inFlight.size === 0) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            flush();
          });
        }
      });
    },
    async close() {
      closed = true;
      // Batches already sent are answered first (by the thread, or here if it fails meanwhile).
      if (inFlight.size > 0) await new Promise<void>((resolve) => (onDrained = resolve));
      const stopping = worker;
      worker = undefined;
      await stopping?.terminate();
    },
  };
}
