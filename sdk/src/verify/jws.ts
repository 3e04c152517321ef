/**
 * @module verify/jws — the two pieces of JOSE a card verifier needs, on WebCrypto alone:
 * splitting a compact JWS into its decoded parts, and checking its signature with ES256
 * (ECDSA P-256, SHA-256, raw `r‖s` signature) or EdDSA (Ed25519).
 *
 * Why not jose here: the SDK signs with jose (the brand client), and the tests cross-check
 * every token jose mints, but jose's verification path (JWT claim sets, remote and local key
 * sets, importers for every key type) is 6.8 KB min+gzip — 40 % of the widget's 16 KB budget
 * for a page script. Verifying two algorithms with WebCrypto is the same calls jose makes, in
 * about 1 KB. Everything security-relevant is explicit and tested: the algorithm allowlist,
 * the key's type bound to the algorithm, strict base64url, signature length.
 */

/** A signature algorithm Minicard issues with. */
export type Algorithm = "ES256" | "EdDSA";

/** A compact JWS, split and decoded; nothing in it is trusted yet. */
export interface CompactJws {
  header: Record<string, unknown>;
  /** The payload's raw bytes. */
  payload: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
  /** `header.payload` as bytes: what the signature covers. */
  signingInput: Uint8Array<ArrayBuffer>;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Strict base64url (no padding, no other alphabet); throws on anything else. */
export function fromBase64url(segment: string): Uint8Array<ArrayBuffer> {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) throw new TypeError("not base64url");
  const binary = atob(segment.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Parses UTF-8 JSON that must be an object (not an array, not null). */
export function jsonObject(bytes: Uint8Array): Record<string, unknown> {
  const value: unknown = JSON.parse(decoder.decode(bytes));
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError("not a JSON object");
  return value as Record<string, unknown>;
}

/** Splits a compact JWS (`header.payload.signature`); throws a TypeError when it is not one. */
export function splitCompact(token: string): CompactJws {
  const segments = token.split(".");
  if (segments.length !== 3) throw new TypeError("not a compact JWS");
  const [header, payload, signature] = segments as [string, string, string];
  return {
    header: jsonObject(fromBase64url(header)),
    payload: fromBase64url(payload),
    signature: fromBase64url(signature),
    signingInput: encoder.encode(`${header}.${payload}`),
  };
}

/** The WebCrypto parameters of each algorithm, and the JWK a key for it must be. */
const PARAMS = {
  ES256: { kty: "EC", crv: "P-256", import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" }, size: 64 },
  EdDSA: { kty: "OKP", crv: "Ed25519", import: { name: "Ed25519" }, verify: { name: "Ed25519" }, size: 64 },
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
  return crypto.subtle.importKey("jwk", material, params.import, false, ["verify"]);
}

/** Checks `jws`'s signature with `key` under `alg`; false for any mismatch, wrong length included. */
export async function verifySignature(jws: CompactJws, alg: Algorithm, key: CryptoKey): Promise<boolean> {
  const params = PARAMS[alg];
  if (jws.signature.length !== params.size) return false;
  try {
    return await crypto.subtle.verify(params.verify, key, jws.signature, jws.signingInput);
  } catch {
    return false;
  }
}
