/**
 * Placements: the proof that a card was shown in a paid slot of the hot list.
 *
 * Each `GET /v1/trending` entry carries one: an opaque, server-signed value bound to the card,
 * the partner and the surface, valid for {@link PLACEMENT_TTL_MS}. A `slot: "trending"`
 * impression debits the brand's exposure only with a valid placement for its card, once per
 * placement and viewer (the store's key); without one it counts as organic. So a page cannot
 * drain a competitor's balance by reporting trending impressions it never showed.
 *
 *     p1.<expiry, base36 seconds>.<nonce>.<HMAC-SHA-256, 128 bits>
 *
 * The HMAC covers the expiry, the nonce, the card, the partner and the surface; its key is a
 * server secret in the store, so every instance mints and checks the same placements (sealed
 * at rest with `MINICARD_KEY_SECRET` when it is set). The nonce names the placement in the
 * debit key.
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Surface } from "@minicard/sdk";
import { createSealer } from "../keys/seal.js";
import type { Store } from "../store/store.js";

/** How long a placement proves its slot: 10 minutes. */
export const PLACEMENT_TTL_MS = 10 * 60 * 1000;
/** The shape of a placement (also what the widget forwards). */
export const PLACEMENT_PATTERN = /^p1\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})$/;

/** What a placement is bound to. */
export interface PlacementSubject {
  card: string;
  partner: string;
  surface: Surface;
}

/** The outcome of checking a placement. */
export type PlacementCheck = { valid: true; id: string } | { valid: false };

/** Mints and checks placements. */
export interface Placements {
  /** A placement for `subject`, valid from `now` for {@link PLACEMENT_TTL_MS}. */
  mint(subject: PlacementSubject, now: number): string;
  /** Valid when signed here, unexpired at `now` and bound to `subject`; answers its id (the nonce). */
  check(placement: string, subject: PlacementSubject, now: number): PlacementCheck;
}

const SECRET_NAME = "placement-hmac-v1";

/** Nonce bytes drawn from the system CSPRNG a few kilobytes at a time: one call per 256 nonces, not per nonce. */
const NONCE_BYTES = 12;
let pool = Buffer.alloc(0);
let offset = 0;
function nonce(): string {
  if (offset + NONCE_BYTES > pool.length) {
    pool = randomBytes(NONCE_BYTES * 256);
    offset = 0;
  }
  offset += NONCE_BYTES;
  return pool.toString("base64url", offset - NONCE_BYTES, offset);
}

/** Placements signed with `key`. */
export function createPlacements(key: Buffer): Placements {
  const mac = (expiry: string, nonce: string, subject: PlacementSubject) =>
    createHmac("sha256", key).update(`p1|${expiry}|${nonce}|${subject.card}|${subject.partner}|${subject.surface}`).digest().subarray(0, 16);
  return {
    mint(subject, now) {
      const expiry = Math.ceil((now + PLACEMENT_TTL_MS) / 1000).toString(36);
      const id = nonce();
      return `p1.${expiry}.${id}.${mac(expiry, id, subject).toString("base64url")}`;
    },
    check(placement, subject, now) {
      const match = PLACEMENT_PATTERN.exec(placement);
      if (!match) return { valid: false };
      const [, expiry, nonce, signature] = match as unknown as [string, string, string, string];
      if (parseInt(expiry, 36) * 1000 < now) return { valid: false };
      const given = Buffer.from(signature, "base64url");
      const expected = mac(expiry, nonce, subject);
      return given.length === expected.length && timingSafeEqual(given, expected) ? { valid: true, id: nonce } : { valid: false };
    },
  };
}

/** Loads (or creates, once for every instance) the placement key from the store. */
export async function openPlacements(store: Store, options: { keySecret: string | undefined; now: number }): Promise<Placements> {
  const sealer = createSealer(options.keySecret);
  const stored = await store.secrets.get(SECRET_NAME, () => sealer.seal(randomBytes(32).toString("hex")), options.now);
  return createPlacements(Buffer.from(sealer.open(stored), "hex"));
}
