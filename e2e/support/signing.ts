/**
 * The demo server's own signing key, read from its data folder (the e2e server runs without
 * MINICARD_KEY_SECRET, so the current key is stored as plain PKCS#8). Security specs sign
 * tokens with it directly — cards the issuance API would refuse to sign — to prove that the
 * widget itself, not only the API in front of it, refuses or neutralises them.
 */

import { createPrivateKey } from "node:crypto";
import Database from "better-sqlite3";
import { DEMO_APP_ID } from "./cards.js";
import type { DemoServer } from "./server.js";
import type { ForgeKit } from "../../test-corpus/forged-tokens.js";

/** A forge kit holding the server's current signing key. */
export async function serverKit(server: DemoServer): Promise<ForgeKit> {
  const db = new Database(`${server.dataDir}/minicard.db`, { readonly: true, fileMustExist: true });
  let row: { kid: string; alg: "ES256" | "EdDSA"; public_jwk: string; private_key: string };
  try {
    row = db.prepare("select kid, alg, public_jwk, private_key from signing_keys where state = 'current'").get() as typeof row;
  } finally {
    db.close();
  }
  if (!row.private_key.startsWith("plain:")) throw new Error("the e2e server's keys are sealed");
  const der = createPrivateKey(row.private_key.slice("plain:".length)).export({ format: "der", type: "pkcs8" });
  const algorithm = row.alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const privateKey = await crypto.subtle.importKey("pkcs8", new Uint8Array(der), algorithm, false, ["sign"]);
  return {
    issuer: server.url,
    audience: server.partner,
    kid: row.kid,
    alg: row.alg,
    privateKey,
    publicJwk: JSON.parse(row.public_jwk) as JsonWebKey,
    appId: DEMO_APP_ID,
  };
}
