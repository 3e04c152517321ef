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
import { Worker, type MessagePort } from "node:worker_threads";

/** A signing key as the signer uses it. */
export interface SignerKey {
  /** Names the key to the thread; one id, one key. */
  readonly id: string;
  readonly alg: "ES256" | "EdDSA";
  readonly privateKey: KeyObject;
}

/** Signs JWS signing inputs. */
export interface Signer {
  /** The raw signature of `input` under `key`: 64 bytes (ES256 as `r‖s`, not yet low-S; Ed25519). */
  sign(key: SignerKey, input: string): Promise<Buffer>;
  /** Ends the thread; later calls sign on the main thread. */
  close(): Promise<void>;
}

const SIGNATURE_BYTES = 64;

/** Signs on the calling thread. */
export function signHere(key: SignerKey, input: string): Buffer {
  return key.alg === "ES256"
    ? sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" })
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
 * The signing service, as the source of a plain JavaScript function (so it runs the same from
 * `src` under the tests and from `dist`) that answers the signing messages arriving on the
 * port it is given, signing as {@link signHere} does. The signer's own thread runs it on its
 * `parentPort`; a thread that exists anyway (the SQLite store's) may run it too, on a port it
 * is handed (see {@link ThreadSignerOptions.host}), so issuance keeps one thread busy instead
 * of two.
 */
export const SIGNING_SERVICE = `function serveSigning(port) {
  const { sign } = require("node:crypto");
  const keys = new Map();
  port.on("message", (message) => {
    if (message.key) {
      keys.set(message.key.id, message.key);
      return;
    }
    const { inputs, keyIds } = message;
    // Its own memory (not a slice of Buffer's shared pool), so it can be handed over whole.
    const out = new Uint8Array(inputs.length * ${SIGNATURE_BYTES});
    try {
      for (let i = 0; i < inputs.length; i += 1) {
        const key = keys.get(keyIds[i]);
        const data = Buffer.from(inputs[i]);
        const signature = key.alg === "ES256"
          ? sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" })
          : sign(null, data, key.privateKey);
        out.set(signature, i * ${SIGNATURE_BYTES});
      }
    } catch {
      // An input that cannot be signed: the main thread signs this batch, and answers each
      // input with its own signature or error.
      port.postMessage({ id: message.id, failed: true });
      return;
    }
    port.postMessage({ id: message.id, signatures: out.buffer }, [out.buffer]);
  });
}`;

/** The signer's own thread: the signing service on its `parentPort`. */
const WORKER = `(${SIGNING_SERVICE})(require("node:worker_threads").parentPort);`;

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
  /**
   * Opens a port to a thread that exists anyway and runs {@link SIGNING_SERVICE} on it (the
   * SQLite store's thread: `Store.signingPort`). The signer signs there instead of starting a
   * thread of its own, until that port closes (its thread stopped); it then starts its own.
   */
  host?: () => MessagePort;
  /** @internal The thread's code, for tests that make it fail. */
  code?: string;
}

/** Where batches go: the signer's own thread, or a port to a host thread's signing service. */
type SigningThread = Worker | MessagePort;

/** A signer that signs on a worker thread, one batch of requests at a time. */
export function createThreadSigner({ onFailure = () => {}, host, code = WORKER }: ThreadSignerOptions = {}): Signer {
  let worker: SigningThread | undefined;
  /** Set once the host's port has closed: later threads are the signer's own. */
  let hostGone = host === undefined;
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

  /** Lets a thread go: a port is closed, the signer's own thread ended. */
  const release = (thread: SigningThread): Promise<unknown> => (thread instanceof Worker ? thread.terminate() : Promise.resolve(thread.close()));

  function fail(failed: SigningThread, error: unknown): void {
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
    void release(failed).catch(() => {});
  }

  /** The host's port while it has one (a host that cannot open one is gone), else a new thread. */
  function open(): SigningThread {
    if (!hostGone) {
      try {
        return host!();
      } catch {
        hostGone = true;
      }
    }
    return new Worker(code, { eval: true });
  }

  function start(): SigningThread {
    const started = open();
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
    if (started instanceof Worker) {
      started.on("error", (error) => fail(started, error));
      started.on("exit", (code) => fail(started, new Error(`the signing thread exited with code ${code}`)));
    } else {
      // Either side closing closes the port: unless the signer closed it itself (letting go of
      // it first), the host thread has stopped.
      started.on("close", () => {
        if (worker !== started) return;
        hostGone = true;
        fail(started, new Error("the thread hosting the signing service stopped"));
      });
    }
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
      if (stopping) await release(stopping);
    },
  };
}
