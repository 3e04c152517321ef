/**
 * @module traffic/viewer-pass — viewer passes: how a partner vouches for the people who see
 * and tap cards on its pages, so their visits can earn brands exposure.
 *
 * A pass is a JWS the partner's server signs with a key the Minicard operator registered for
 * it (`POST /v1/admin/partners/:id/keys { jwk }`):
 *
 *     header  { alg: "ES256" | "EdDSA", kid, typ: "minicard-viewer+jwt" }
 *     claims  { iss: <partner id>, aud: <Minicard issuer URL>, sub: <pseudonymous viewer id>, iat, exp }
 *
 * `exp` is at most 24 hours after `iat`. `sub` is stable for one person on one partner and is
 * never a phone number or an email: {@link createPassMinter} can derive it from the partner's
 * own user id with an HMAC, so the partner's ids never leave its servers. The same format
 * attests sharers in `POST /v1/cards` (`sharerPass`, `sub` = the sharer account).
 */

import { importJWK, SignJWT, type CryptoKey, type JWK } from "jose";

/** The JOSE `typ` of a viewer (or sharer) pass. */
export const VIEWER_PASS_TYPE = "minicard-viewer+jwt";
/** The longest a pass may live: `exp − iat` ≤ 24 h. */
export const VIEWER_PASS_MAX_TTL_SECONDS = 86_400;
/** A pass's lifetime when none is asked for. */
export const VIEWER_PASS_DEFAULT_TTL_SECONDS = 3600;
/** Passes longer than this are refused unparsed. */
export const VIEWER_PASS_MAX_LENGTH = 4096;
/** What a pass's `sub` may be: 1–128 of `A–Z a–z 0–9 _ . : -`. */
export const VIEWER_ID_PATTERN = "^[A-Za-z0-9_.:\\-]{1,128}$";
/** A `sub` of only 7–15 digits looks like a phone number (or a public account number): refused. */
export const PERSONAL_ID_PATTERN = "^[0-9]{7,15}$";

/** Signature algorithms a partner may sign passes with. */
export type PassAlgorithm = "ES256" | "EdDSA";

/** Options of {@link createPassMinter}. */
export interface PassMinterOptions {
  /** The partner's id: the pass's `iss`. */
  partner: string;
  /** The Minicard server's public base URL (its `issuer`): the pass's `aud`. */
  issuer: string;
  /** The partner's private key, as a JWK or a WebCrypto key; its public JWK is registered with Minicard. */
  privateKey: JWK | CryptoKey;
  /** The `kid` the public key was registered under. */
  kid: string;
  /** Default `ES256` (taken from the JWK's `alg` when it has one). */
  alg?: PassAlgorithm;
  /**
   * When set, `mint(userId)` does not put `userId` in the pass but a pseudonym derived from it
   * (HMAC-SHA-256 with this secret, 27 base64url characters after `p_`): stable for the same
   * user, meaningless to anyone without the secret. Keep it secret and never change it, or
   * every viewer becomes a new one.
   */
  pseudonymSecret?: string;
}

/** Options of one {@link PassMinter.mint}. */
export interface MintOptions {
  /** Seconds the pass lives; default 3600, at most 86 400. */
  ttlSeconds?: number;
  /** The issue time; default now. */
  now?: Date;
}

/** Mints passes for one partner. */
export interface PassMinter {
  /**
   * Signs a pass for `viewer`: the viewer id itself, or with `pseudonymSecret` the partner's
   * user id to derive it from. Throws a TypeError for an id the contract refuses.
   */
  mint(viewer: string, options?: MintOptions): Promise<string>;
  /** The `sub` a pass minted for `viewer` carries (its pseudonym with `pseudonymSecret`). */
  subjectOf(viewer: string): Promise<string>;
}

const encoder = /* @__PURE__ */ new TextEncoder();
const VIEWER_ID = new RegExp(VIEWER_ID_PATTERN);
const PERSONAL_ID = new RegExp(PERSONAL_ID_PATTERN);

function base64url(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Creates a pass minter for a partner's server.
 *
 * @example
 * ```ts
 * const passes = createPassMinter({
 *   partner: "weibo", issuer: "https://cards.example", kid: "weibo-2026-12",
 *   privateKey: JSON.parse(process.env.MINICARD_PASS_KEY!), pseudonymSecret: process.env.PASS_PSEUDONYM_SECRET,
 * });
 * const viewer = await passes.mint(session.userId); // → <meta name="minicard-viewer" content="…">
 * ```
 */
export function createPassMinter(options: PassMinterOptions): PassMinter {
  if (typeof options?.partner !== "string" || typeof options.issuer !== "string" || typeof options.kid !== "string" || !options.privateKey) {
    throw new TypeError("createPassMinter needs { partner, issuer, privateKey, kid }");
  }
  const alg: PassAlgorithm = options.alg ?? ((options.privateKey as JWK).alg as PassAlgorithm | undefined) ?? "ES256";
  if (alg !== "ES256" && alg !== "EdDSA") throw new TypeError(`passes are signed with ES256 or EdDSA, not ${String(alg)}`);
  const issuer = options.issuer.replace(/\/+$/, "");
  let key: Promise<CryptoKey | Uint8Array> | undefined;
  let hmac: Promise<CryptoKey> | undefined;

  async function subjectOf(viewer: string): Promise<string> {
    if (typeof viewer !== "string" || viewer.length === 0) throw new TypeError("mint needs a viewer id");
    if (options.pseudonymSecret === undefined) {
      if (!VIEWER_ID.test(viewer)) throw new TypeError("a viewer id is 1–128 of A–Z a–z 0–9 _ . : -");
      if (PERSONAL_ID.test(viewer)) throw new TypeError("a viewer id must be pseudonymous, not a phone or account number: set pseudonymSecret");
      return viewer;
    }
    hmac ??= crypto.subtle.importKey("raw", encoder.encode(options.pseudonymSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const digest = await crypto.subtle.sign("HMAC", await hmac, encoder.encode(`${options.partner}\u0000${viewer}`));
    return `p_${base64url(digest).slice(0, 27)}`;
  }

  return {
    subjectOf,
    async mint(viewer, mintOptions = {}) {
      const ttl = mintOptions.ttlSeconds ?? VIEWER_PASS_DEFAULT_TTL_SECONDS;
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > VIEWER_PASS_MAX_TTL_SECONDS) {
        throw new TypeError(`ttlSeconds must be an integer from 1 to ${VIEWER_PASS_MAX_TTL_SECONDS}`);
      }
      const sub = await subjectOf(viewer);
      key ??= "kty" in options.privateKey ? importJWK(options.privateKey as JWK, alg) : Promise.resolve(options.privateKey as CryptoKey);
      const iat = Math.floor((mintOptions.now ?? new Date()).getTime() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg, kid: options.kid, typ: VIEWER_PASS_TYPE })
        .setIssuer(options.partner)
        .setAudience(issuer)
        .setSubject(sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(await key);
    },
  };
}
