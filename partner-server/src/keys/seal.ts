/**
 * Private signing keys at rest: sealed with AES-256-GCM under a key derived (scrypt, per-key
 * salt) from `MINICARD_KEY_SECRET` when it is set; stored as PKCS#8 PEM otherwise, with a
 * warning at start. A tampered or wrongly keyed record fails to open rather than decrypting
 * to garbage (GCM's tag).
 */

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";

const PREFIX_SEALED = "sealed:v1:";
const PREFIX_PLAIN = "plain:";

/** Seals and opens private keys. */
export interface Sealer {
  /** True when a secret is set and new keys are sealed. */
  readonly sealing: boolean;
  seal(pem: string): string;
  /** Opens a stored key; throws when it is sealed and the secret is missing or wrong. */
  open(stored: string): string;
  /** True when `stored` should be rewritten (plain while a secret is set). */
  needsReseal(stored: string): boolean;
}

function derive(secret: string, salt: Buffer): Buffer {
  return scryptSync(secret, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/** Creates a sealer for `secret` (none: keys are stored plain). */
export function createSealer(secret: string | undefined): Sealer {
  return {
    sealing: secret !== undefined,
    seal(pem) {
      if (secret === undefined) return PREFIX_PLAIN + pem;
      const salt = randomBytes(16);
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", derive(secret, salt), iv);
      const sealed = Buffer.concat([cipher.update(pem, "utf8"), cipher.final()]);
      return PREFIX_SEALED + [salt, iv, cipher.getAuthTag(), sealed].map((part) => part.toString("base64url")).join(".");
    },
    open(stored) {
      if (stored.startsWith(PREFIX_PLAIN)) return stored.slice(PREFIX_PLAIN.length);
      if (!stored.startsWith(PREFIX_SEALED)) throw new Error("unknown private key format");
      if (secret === undefined) throw new Error("signing keys are sealed: set MINICARD_KEY_SECRET");
      const [salt, iv, tag, sealed] = stored.slice(PREFIX_SEALED.length).split(".").map((part) => Buffer.from(part, "base64url"));
      if (!salt || !iv || !tag || !sealed) throw new Error("corrupt sealed key");
      const decipher = createDecipheriv("aes-256-gcm", derive(secret, salt), iv);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed), decipher.final()]).toString("utf8");
      } catch {
        throw new Error("cannot open the signing keys: MINICARD_KEY_SECRET is not the one they were sealed with");
      }
    },
    needsReseal(stored) {
      return secret !== undefined && stored.startsWith(PREFIX_PLAIN);
    },
  };
}
