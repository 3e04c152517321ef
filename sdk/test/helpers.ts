/**
 * Test helpers: real keys (jose), a real loopback HTTP server, and a card-token minter.
 * Nothing here mocks `fetch`: every test talks to a node:http server on 127.0.0.1.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { MinicardError, type MinicardErrorCode } from "../src/index.js";
import { lowS } from "../../test-corpus/forged-tokens.js";

export type TestAlg = "ES256" | "EdDSA";

/** A signing key pair plus its public JWK as a JWKS would publish it. */
export interface TestKey {
  alg: TestAlg;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: TestAlg, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

// ---------------------------------------------------------------------------------------
// Loopback HTTP server
// ---------------------------------------------------------------------------------------

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts a real HTTP server on 127.0.0.1 with an ephemeral port. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString("utf8"))).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer((_req, res) => void res.end());
  await s.close();
  return s.port;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A partner server's JWKS endpoint: the keys it publishes and how many times it was fetched. */
export interface JwksServer extends TestServer {
  /** The issuer (the server's base URL). */
  issuer: string;
  /** The published public JWKs; push to it to publish a new key. */
  keys: JWK[];
  /** GET /.well-known/jwks.json requests so far. */
  requests: number;
}

export async function startJwksServer(keys: TestKey[]): Promise<JwksServer> {
  const state = { keys: keys.map((k) => k.publicJwk), requests: 0 };
  const server = await startServer((req, res) => {
    if (req.method === "GET" && req.url === "/.well-known/jwks.json") {
      state.requests += 1;
      sendJson(res, 200, { keys: state.keys }, { "cache-control": "public, max-age=300" });
      return;
    }
    sendJson(res, 404, { code: "not_found" });
  });
  return {
    ...server,
    issuer: server.url,
    keys: state.keys,
    get requests() {
      return state.requests;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Card tokens
// ---------------------------------------------------------------------------------------

export const AUDIENCE = "weibo";
export const BRAND_ID = "cinema-one";
export const APP_ID = "2021000000000001";

let ulidCounter = 0;
/** A fresh, valid card id (26 Crockford base-32 characters). */
export function ulid(): string {
  ulidCounter += 1;
  return `01JD${String(ulidCounter).padStart(22, "0")}`;
}

export function baseCard(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    kind: "app",
    surface: "feed",
    app: { id: APP_ID, page: "pages/index/index" },
    title: "Tonight's films",
    brand: { name: "Cinema One" },
    ...overrides,
  };
}

export interface MintOptions {
  /** The `iss` claim (the loopback base URL). */
  issuer: string;
  audience?: unknown;
  /** Extra or replacing protected-header parameters. */
  header?: Record<string, unknown>;
  /** Extra or replacing claims; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Replacing card fields (merged over {@link baseCard}). */
  card?: Record<string, unknown>;
  /** Seconds since the epoch that stands for "now"; default the real clock. */
  now?: number;
  /** Lifetime in seconds; default 7 days. */
  ttl?: number;
}

/** The claims of a card token, before signing. */
export function cardClaims(options: MintOptions): Record<string, unknown> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: options.issuer,
    aud: options.audience ?? AUDIENCE,
    sub: BRAND_ID,
    jti: ulid(),
    iat: now,
    nbf: now,
    exp: now + (options.ttl ?? 7 * 24 * 3600),
    card: baseCard(options.card),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/**
 * Signs a card token with jose's SignJWT: header `{ alg, kid, typ: "minicard+jwt" }`. ES256
 * signatures are turned low-S, as the partner server signs (the verifier refuses high-S).
 */
export async function mintCard(key: TestKey, options: MintOptions): Promise<string> {
  const claims = cardClaims(options);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "minicard+jwt", ...options.header } as { alg: string })
    .sign(key.privateKey);
  return key.alg === "ES256" ? toLowS(token) : token;
}

/** `token` (ES256) with its signature in low-S form. */
export function toLowS(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  return `${header}.${payload}.${b64url(lowS(fromB64url(signature)))}`;
}

// ---------------------------------------------------------------------------------------
// Raw JWS, for tokens jose refuses to produce (odd headers, non-JSON payloads)
// ---------------------------------------------------------------------------------------

export function b64url(data: string | Uint8Array): string {
  return Buffer.from(typeof data === "string" ? new TextEncoder().encode(data) : data).toString("base64url");
}

export function fromB64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}

/** Signs `payload` under any `header`, straight with WebCrypto (ES256: low-S). */
export async function signRaw(key: TestKey, header: Record<string, unknown>, payload: string | Uint8Array): Promise<string> {
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  const algorithm = key.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  const signature = new Uint8Array(await crypto.subtle.sign(algorithm, key.privateKey, new TextEncoder().encode(input)));
  return `${input}.${b64url(key.alg === "ES256" ? lowS(signature) : signature)}`;
}

/** Splits a compact JWS into its decoded header and payload and its raw segments. */
export function parts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; segments: [string, string, string] } {
  const segments = token.split(".") as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(segments[0], "base64url").toString("utf8")) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(segments[1], "base64url").toString("utf8")) as Record<string, unknown>,
    segments,
  };
}

// ---------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------

/** Awaits a rejection and checks it is a MinicardError with `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: MinicardErrorCode): Promise<MinicardError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a MinicardError "${code}"`).toBeInstanceOf(MinicardError);
  expect((caught as MinicardError).code).toBe(code);
  return caught as MinicardError;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
