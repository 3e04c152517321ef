/**
 * The server's signing keys: one `current` key signs, a `next` key is already published so
 * a rotation never shows a verifier an unknown `kid`, and `retired` keys stay in the JWKS
 * until the last card they signed has expired.
 *
 * Signing uses `node:crypto` with `KeyObject`s directly rather than jose's async `SignJWT`:
 * issuance signs on every request and this path is measured against a bare `crypto.sign`
 * (the JOSE encoding is a dozen lines, checked by verifying with jose in the tests). The
 * signature itself is made on the signing thread (`signer.ts`) when there is more than one
 * core. ES256 signatures are normalised to low-S (`toLowS`), so each card has one token string.
 * Where the store's own thread signs (SQLite: `CardRepository.insertSigned`), a card is signed
 * and written there in one hand-off, from the signing input {@link KeyRing.prepareCompact} gives.
 */

import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { availableParallelism } from "node:os";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { StoredSigningKey } from "../domain/model.js";
import type { Store } from "../store/store.js";
import { createSealer, type Sealer } from "./seal.js";
import { createInlineSigner, createThreadSigner, type SignerKey, type SigningJob } from "./signer.js";

/** A signature algorithm of the server. */
export type SigningAlg = "ES256" | "EdDSA";

/** Keys stay published this long past the last expiry, for clock skew and JWKS caches. */
export const PUBLISH_GRACE_MS = 10 * 60 * 1000;

interface LoadedKey {
  stored: StoredSigningKey;
  /** The key as the signer takes it: the stored key's kid and algorithm, and its private key opened. */
  signer: SignerKey;
  /** The JWS protected headers this key signs under, base64url-encoded, by `typ`. */
  headers: Map<string, string>;
}

/** Options of {@link openKeyRing}. */
export interface KeyRingOptions {
  alg: SigningAlg;
  secret: string | undefined;
  now?: () => number;
  /** How long a retired key stays published past its last card's expiry, ms; default {@link PUBLISH_GRACE_MS}. */
  graceMs?: number;
  /** Called after this ring rotated (e.g. to tell other instances at once). */
  announce?: () => Promise<void>;
  /**
   * Where cards are signed: on a thread of their own, in batches, or on the main thread;
   * `auto` (the default) takes a thread when the process may use more than one core (with
   * one, a thread only adds work).
   */
  signOn?: "auto" | "thread" | "main";
  /** Hears why the signing thread failed (its cards are then signed on the main thread). */
  onSignerFailure?: (error: unknown) => void;
}

/** Signs cards and publishes the public keys. */
export interface KeyRing {
  /** The key new cards are signed with. */
  readonly current: { kid: string; alg: SigningAlg };
  /**
   * Signs `payload` as a compact JWS of type `typ` with the current key (protected header
   * `{ typ, alg, kid }`; ES256: low-S, see `toLowS`).
   */
  signCompact(typ: string, payload: Record<string, unknown>): Promise<{ token: string; kid: string }>;
  /**
   * What {@link signCompact} would sign, for a store that signs where it writes
   * (`CardRepository.insertSigned`: one hand-off to its thread instead of two). Undefined when
   * cards are signed on the main thread (`signOn`), where {@link signCompact} signs them.
   */
  prepareCompact(typ: string, payload: Record<string, unknown>): { job: SigningJob; kid: string } | undefined;
  /** The public keys to publish at `now`: next, current and still-needed retired ones. */
  jwks(now: number): { keys: JWK[] };
  /** Makes `next` current, retires the old current, publishes a new next. Returns the new current kid. */
  rotate(): Promise<{ kid: string }>;
  /** Reloads the keys from the store (another instance may have rotated). */
  refresh(): Promise<void>;
  /** True when private keys are sealed at rest. */
  readonly sealed: boolean;
  /** Stops the signing thread (cards still being signed are answered first). */
  close(): Promise<void>;
}

const b64url = (input: string | Buffer) => Buffer.from(input).toString("base64url");

async function generate(alg: SigningAlg, sealer: Sealer, state: StoredSigningKey["state"], now: number): Promise<StoredSigningKey> {
  const { publicKey, privateKey } =
    alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  // Eight characters of the thumbprint: unique among a handful of keys, and every card carries it.
  const kid = (await calculateJwkThumbprint(jwk)).slice(0, 8);
  return {
    kid,
    alg,
    publicJwk: { ...jwk, kid, alg, use: "sig" },
    privateKey: sealer.seal(privateKey.export({ format: "pem", type: "pkcs8" }).toString()),
    state,
    createdAt: now,
    publishedUntil: undefined,
  };
}

/**
 * Loads the signing keys from the store, creating them on first start, switching to
 * `options.alg` when the configured algorithm changed, and sealing plain keys once a secret is set.
 */
export async function openKeyRing(store: Store, options: KeyRingOptions): Promise<KeyRing> {
  const now = options.now ?? Date.now;
  const sealer = createSealer(options.secret);
  const grace = options.graceMs ?? PUBLISH_GRACE_MS;
  let keys: LoadedKey[] = [];
  let current: LoadedKey;

  async function load(): Promise<void> {
    const stored = await store.signingKeys.list();
    // Opening a sealed key runs scrypt: reuse the keys already open (refresh runs every few seconds).
    const open = new Map(keys.map((key) => [`${key.stored.kid}\n${key.stored.privateKey}`, key.signer.privateKey]));
    const loaded = stored.map((key) => {
      const privateKey = open.get(`${key.kid}\n${key.privateKey}`) ?? createPrivateKey(sealer.open(key.privateKey));
      return { stored: key, signer: { id: key.kid, alg: key.alg, privateKey }, headers: new Map<string, string>() };
    });
    const currents = loaded.filter((key) => key.stored.state === "current");
    if (currents.length === 0) throw new Error("no current signing key");
    // Two instances racing on a first start may both create one: the oldest wins, both stay published.
    current = currents.sort((a, b) => a.stored.createdAt - b.stored.createdAt)[0]!;
    keys = loaded;
  }

  async function ensure(): Promise<void> {
    const stored = await store.signingKeys.list();
    const added: StoredSigningKey[] = [];
    const updated: Parameters<Store["signingKeys"]["save"]>[1] = [];
    let current = stored.find((key) => key.state === "current");
    let next = stored.find((key) => key.state === "next");
    if (current && current.alg !== options.alg) {
      updated.push(await retire(current));
      current = undefined;
    }
    if (next && next.alg !== options.alg) {
      updated.push({ ...next, state: "retired", publishedUntil: now() + grace });
      next = undefined;
    }
    if (!current) {
      if (next) {
        updated.push({ ...next, state: "current" });
        next = undefined;
      } else {
        added.push(await generate(options.alg, sealer, "current", now()));
      }
    }
    if (!next) added.push(await generate(options.alg, sealer, "next", now()));
    for (const key of stored) {
      if (sealer.needsReseal(key.privateKey) && !updated.some((change) => change.kid === key.kid)) {
        updated.push({ ...key, privateKey: sealer.seal(sealer.open(key.privateKey)) });
      }
    }
    for (const change of updated) {
      if (sealer.needsReseal(change.privateKey)) change.privateKey = sealer.seal(sealer.open(change.privateKey));
    }
    if (added.length > 0 || updated.length > 0) await store.signingKeys.save(added, updated);
  }

  async function retire(key: StoredSigningKey): Promise<StoredSigningKey> {
    const lastExpiry = await store.cards.lastExpiryForKey(key.kid);
    return { ...key, state: "retired", publishedUntil: Math.max(lastExpiry, now()) + grace };
  }

  /**
   * Another instance may still have signed a few cards with a key after it was retired (in
   * the moment before it noticed the rotation): keep such a key published until those
   * cards expire too.
   */
  async function extendRetired(): Promise<void> {
    const at = now();
    const updated: Parameters<Store["signingKeys"]["save"]>[1] = [];
    for (const key of keys) {
      const { stored } = key;
      if (stored.state !== "retired" || (stored.publishedUntil ?? 0) <= at) continue;
      const needed = (await store.cards.lastExpiryForKey(stored.kid)) + grace;
      if (needed > (stored.publishedUntil ?? 0)) {
        stored.publishedUntil = needed;
        updated.push({ kid: stored.kid, state: stored.state, publishedUntil: needed, privateKey: stored.privateKey });
      }
    }
    if (updated.length > 0) await store.signingKeys.save([], updated);
  }

  /** `payload`'s JWS signing input under the current key (protected header `{ typ, alg, kid }`). */
  function compact(typ: string, payload: Record<string, unknown>): { job: SigningJob; kid: string } {
    const key = current;
    let header = key.headers.get(typ);
    if (header === undefined) key.headers.set(typ, (header = b64url(JSON.stringify({ typ, alg: key.stored.alg, kid: key.stored.kid }))));
    return { job: { key: key.signer, input: `${header}.${b64url(JSON.stringify(payload))}` }, kid: key.stored.kid };
  }

  await ensure();
  await load();
  const signOn = options.signOn === undefined || options.signOn === "auto" ? (availableParallelism() > 1 ? "thread" : "main") : options.signOn;
  const signer = signOn === "thread" ? createThreadSigner({ onFailure: options.onSignerFailure }) : createInlineSigner();

  return {
    get current() {
      return { kid: current.stored.kid, alg: current.stored.alg };
    },
    get sealed() {
      return sealer.sealing;
    },
    async signCompact(typ, payload) {
      const { job, kid } = compact(typ, payload);
      const signature = await signer.sign(job.key, job.input);
      return { token: `${job.input}.${signature.toString("base64url")}`, kid };
    },
    prepareCompact: (typ, payload) => (signOn === "thread" ? compact(typ, payload) : undefined),
    close: () => signer.close(),
    jwks(at) {
      return {
        keys: keys
          .filter((key) => key.stored.state !== "retired" || (key.stored.publishedUntil ?? 0) > at)
          .map((key) => key.stored.publicJwk as JWK),
      };
    },
    async rotate() {
      const stored = await store.signingKeys.list();
      const next = stored.find((key) => key.state === "next");
      const updated: Parameters<Store["signingKeys"]["save"]>[1] = [];
      const added: StoredSigningKey[] = [];
      for (const old of stored.filter((key) => key.state === "current")) updated.push(await retire(old));
      if (next && next.alg === options.alg) updated.push({ ...next, state: "current" });
      else {
        if (next) updated.push({ ...next, state: "retired", publishedUntil: now() + grace });
        added.push(await generate(options.alg, sealer, "current", now()));
      }
      added.push(await generate(options.alg, sealer, "next", now()));
      await store.signingKeys.save(added, updated);
      await store.signingKeys.purge(now());
      await load();
      await options.announce?.().catch(() => {});
      return { kid: current.stored.kid };
    },
    async refresh() {
      await load();
      await extendRetired();
    },
  };
}

