/**
 * Card and event ids: ULIDs (time-ordered, 26 characters), monotonic within a millisecond.
 * The random part comes from a pooled buffer of `crypto.getRandomValues`: the `ulid`
 * package's default source asks the OS once per character, sixteen times per id.
 */

import { monotonicFactory } from "ulid";

const pool = new Uint8Array(4096);
let offset = pool.length;

function random(): number {
  if (offset >= pool.length) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  // A byte / 256 is uniform in [0, 1) at 1/256 steps: exact for ULID's 32-symbol alphabet.
  return pool[offset++]! / 256;
}

/** A new ULID for `time` (ms); ids made in the same millisecond sort in creation order. */
export const newId: (time?: number) => string = monotonicFactory(random);
