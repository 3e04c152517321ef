/**
 * @module verify/jws — the pieces of JOSE a card verifier needs, on WebCrypto alone:
 * splitting a compact JWS into its decoded parts, its canonical form (canonical base64url,
 * JSON without duplicated members, low-S: one token string per card), and checking its
 * signature with ES256 (ECDSA P-256, SHA-256, raw `r‖s` signature) or EdDSA (Ed25519).
 *
 * Why not jose here: the SDK signs with jose (the brand client), and the tests cross-check
 * every token jose mints, but jose's verification path (JWT claim sets, remote and local key
 * sets, importers for every key type) is 6.8 KB min+gzip — 40 % of the widget's 16 KB budget
 * for a page script. Verifying two algorithms with WebCrypto is the same calls jose makes, in
 * about 1 KB. Everything security-relevant is explicit and tested: the algorithm allowlist,
 * the key's type bound to the algorithm, strict base64url, signature length, low-S.
 */

/** A signature algorithm Minicard issues with. */
export type Algorithm = "ES256" | "EdDSA";

/** A compact JWS, split and decoded; nothing in it is trusted yet. */
export interface CompactJws {
  header: Record<string, unknown>;
  /** The header's JSON text, as decoded. */
  headerJson: string;
  /** The payload's raw bytes. */
  payload: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
  /** `header.payload` as bytes: what the signature covers. */
  signingInput: Uint8Array<ArrayBuffer>;
}

/** The base64url alphabet: `\w` is `[A-Za-z0-9_]` (no flags). */
const SEGMENT = /^[\w-]*$/;
// Pure: a bundle that does not verify (the widget's lazy chunks) drops them.
const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });

/** Strict base64url (no padding, no other alphabet); throws on anything else. */
export function fromBase64url(segment: string): Uint8Array<ArrayBuffer> {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) throw new TypeError("not base64url");
  const binary = atob(segment.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decodes strict UTF-8; throws a TypeError on anything else. */
export function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Parses JSON text that must be an object (not an array, not null). */
export function jsonObject(json: string): Record<string, unknown> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError("not a JSON object");
  return value as Record<string, unknown>;
}

/** Splits a compact JWS (`header.payload.signature`); throws a TypeError when it is not one. */
export function splitCompact(token: string): CompactJws {
  const segments = token.split(".");
  if (segments.length !== 3) throw new TypeError("not a compact JWS");
  const [header, payload, signature] = segments as [string, string, string];
  const headerJson = utf8(fromBase64url(header));
  return {
    header: jsonObject(headerJson),
    headerJson,
    payload: fromBase64url(payload),
    signature: fromBase64url(signature),
    signingInput: encoder.encode(`${header}.${payload}`),
  };
}

/**
 * Canonical unpadded base64url: whole 4-character groups, then 2 or 3 characters whose
 * unused trailing bits are zero (the last of 2 is `A`, `Q`, `g` or `w`: 4 unused bits; the
 * last of 3 a multiple of 4: 2 unused bits). Lenient decoders ignore those bits, so without
 * this check one card would have many token spellings (a signature "changed" without changing).
 */
export const CANONICAL_SEGMENT = /^(?:[\w-]{4})*(?:[\w-][AQgw]|[\w-]{2}[AEIMQUYcgkosw048])?$/;

/**
 * True when an object in `json` (valid JSON text) names a member twice. `JSON.parse` keeps the
 * last one silently, other parsers the first: a token must mean one thing to every reader.
 */
export function hasDuplicateMember(json: string): boolean {
  const objects: Array<Set<string> | undefined> = [];
  // Strings are matched whole (so braces inside them are not structure); a string followed
  // by `:` is a member name of the innermost object.
  for (const [token, string, colon] of json.matchAll(/("(?:[^"\\]|\\.)*")(\s*:)?|[{}[\]]/g)) {
    if (colon) {
      const names = objects[objects.length - 1]!;
      const name = JSON.parse(string!) as string;
      if (names.has(name)) return true;
      names.add(name);
    } else if (!string) {
      if (token === "{") objects.push(new Set());
      else if (token === "[") objects.push(undefined);
      else objects.pop();
    }
  }
  return false;
}

/**
 * The WebCrypto parameters of each algorithm (one object serves `importKey` and `verify`:
 * each reads only its own members), and the JWK a key for it must be.
 */
const PARAMS = {
  ES256: { kty: "EC", crv: "P-256", algorithm: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } },
  EdDSA: { kty: "OKP", crv: "Ed25519", algorithm: { name: "Ed25519" } },
} as const;

/** A public JWK as published in a JWKS. */
export interface PublicJwk {
  kty?: unknown;
  crv?: unknown;
  kid?: unknown;
  alg?: unknown;
  use?: unknown;
  key_ops?: unknown;
  x?: unknown;
  y?: unknown;
}

/** True when `jwk` is a signature key usable with `alg`: its type and curve match, and its `alg`, `use` and `key_ops`, when present, allow it. */
export function fitsAlgorithm(jwk: PublicJwk, alg: Algorithm): boolean {
  const params = PARAMS[alg];
  return (
    jwk.kty === params.kty &&
    jwk.crv === params.crv &&
    (jwk.alg === undefined || jwk.alg === alg) &&
    (jwk.use === undefined || jwk.use === "sig") &&
    (jwk.key_ops === undefined || (Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify")))
  );
}

/** Imports the public part of `jwk` (only its public members) as a verify-only key for `alg`. */
export function importPublicKey(jwk: PublicJwk, alg: Algorithm): Promise<CryptoKey> {
  const params = PARAMS[alg];
  const material: JsonWebKey = { kty: params.kty, crv: params.crv, x: jwk.x as string };
  if (alg === "ES256") material.y = jwk.y as string;
  return crypto.subtle.importKey("jwk", material, params.algorithm, false, ["verify"]);
}

/** Half the order n of P-256 (n is odd: this is ⌊n/2⌋). */
const HALF_ORDER = 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8n;

/**
 * True when `signature` is a 64-byte ES256 `r‖s` whose `s` is over n/2 (n the P-256 group
 * order). ECDSA accepts `(r, s)` and `(r, n − s)` alike, so every ES256 token has a "high-S"
 * twin that verifies too: Minicard issues only low-S signatures and refuses the other, so a
 * card has exactly one token string. False for any other length (the signature check fails those).
 */
export function isHighS(signature: Uint8Array): boolean {
  return signature.length === 64 && signature.subarray(32).reduce((s, byte) => (s << 8n) | BigInt(byte), 0n) > HALF_ORDER;
}

/** Checks `jws`'s signature with `key` under `alg`; false for any mismatch, wrong length included. */
export async function verifySignature(jws: CompactJws, alg: Algorithm, key: CryptoKey): Promise<boolean> {
  if (jws.signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(PARAMS[alg].algorithm, key, jws.signature, jws.signingInput);
  } catch {
    return false;
  }
}
