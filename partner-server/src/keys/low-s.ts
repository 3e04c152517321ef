/**
 * ES256 signatures in low-S form: one token string per card.
 *
 * ECDSA verifies `(r, s)` and `(r, n − s)` alike (n the P-256 group order), so anyone holding
 * a card token can rewrite its signature into a second token that verifies: a card with two
 * ids for caches and de-duplication. The server emits only the form with `s ≤ n/2`, and the
 * SDK's verifier (also in the widget) refuses the other as `non_canonical_signature`.
 */

/** The order n of the P-256 group. */
const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = ORDER >> 1n;

/**
 * `signature` (a raw 64-byte ES256 `r‖s`, node's `dsaEncoding: "ieee-p1363"`) with `s`
 * replaced by `n − s` when it is over n/2; returned as is otherwise. Both verify under the
 * same key and input.
 */
export function toLowS(signature: Buffer): Buffer {
  if (signature.length !== 64) throw new TypeError(`an ES256 signature is 64 bytes, not ${signature.length}`);
  const s = BigInt(`0x${signature.toString("hex", 32)}`);
  if (s <= HALF_ORDER) return signature;
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((ORDER - s).toString(16).padStart(64, "0"), "hex")]);
}
