/**
 * Test support for viewer and sharer passes: a partner key pair registered through the real
 * admin API, and the SDK's minter over it (what a partner's server runs), plus a browser
 * `User-Agent` (Node's fetch says `node`, which is a bot like any HTTP tool).
 */

import { exportJWK, generateKeyPair } from "jose";
import { createPassMinter, type PassMinter } from "@minicard/sdk";
import { admin, urlOf, type Target } from "./server.js";

/** A phone browser, as readers of a partner's app have. */
export const BROWSER_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/** A partner's pass key, registered with the server, and its minter. */
export interface PartnerPasses extends PassMinter {
  kid: string;
  partner: string;
  /** The private JWK (to sign hostile variants in tests). */
  privateJwk: Record<string, unknown>;
  privateKey: CryptoKey;
}

/** Generates a key for `partner`, registers its public half (`POST /v1/admin/partners/:id/keys`), answers its minter. */
export async function registerPassKey(target: Target, partner: string, options: { issuer?: string; alg?: "ES256" | "EdDSA"; kid?: string } = {}): Promise<PartnerPasses> {
  const alg = options.alg ?? "ES256";
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = options.kid ?? `${partner}-${Math.random().toString(36).slice(2, 10)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg };
  const { kid: registered } = await admin(target).call("POST", `/partners/${partner}/keys`, { jwk }).then((answer) => {
    if (answer.status !== 201) throw new Error(`partner key refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { kid: string };
  });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  const minter = createPassMinter({ partner, issuer: options.issuer ?? urlOf(target), privateKey: privateJwk, kid: registered, alg });
  return { ...minter, kid: registered, partner, privateJwk, privateKey: privateKey as CryptoKey };
}
