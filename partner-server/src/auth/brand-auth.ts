/**
 * Brand authentication, both ways the contract allows:
 * - an API key (`Authorization: Bearer mck_…`): 32 random bytes, shown once, stored only as
 *   its SHA-256 (a high-entropy key needs no slow hash; lookup by hash also means no
 *   timing-sensitive string comparison of secrets);
 * - a `private_key_jwt` client assertion (RFC 7523): signed by the brand with a registered
 *   key, `iss` = `sub` = brand id, `aud` = our issuer, a `jti`, and at most 5 minutes of
 *   life. Each `jti` is accepted once (kept until the assertion's `exp`).
 */

import { hash, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK } from "jose";
import type { Brand } from "../domain/model.js";
import { Problem } from "../problems.js";
import type { Store } from "../store/store.js";
import type { AppContext } from "../context.js";

/** Algorithms a brand may sign assertions with. */
export const ASSERTION_ALGORITHMS = ["ES256", "EdDSA", "RS256", "PS256"];
/** Longest life of a client assertion, seconds. */
export const ASSERTION_MAX_LIFETIME = 300;
const CLOCK_SKEW = 30;

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated brand, on brand routes. */
    brand?: Brand;
  }
}

/** A new API key: `mck_` and 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return `mck_${randomBytes(32).toString("base64url")}`;
}

/** The hash an API key is stored as. */
export function hashApiKey(key: string): string {
  // The one-shot `hash` (Node ≥ 20.12): a third of `createHash`'s cost, on every brand request.
  return hash("sha256", key, "hex");
}

function unauthorized(detail: string): Problem {
  return new Problem("unauthorized", detail, { headers: { "www-authenticate": 'Bearer realm="minicard"' } });
}

/** What authentication needs. */
export interface BrandAuthContext {
  store: Store;
  issuer: string;
  now: number;
}

/** Authenticates the brand behind an `Authorization` header, or throws a 401 {@link Problem}. */
export async function authenticateBrand(authorization: string | undefined, context: BrandAuthContext): Promise<Brand> {
  const match = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(authorization ?? "");
  if (!match) throw unauthorized("send Authorization: Bearer <API key or client assertion>");
  const credential = match[1]!;
  if (credential.startsWith("mck_")) {
    const brand = await context.store.brands.getByApiKeyHash(hashApiKey(credential));
    if (!brand) throw unauthorized("the API key is not valid");
    return brand;
  }
  if (credential.split(".").length === 3) return authenticateAssertion(credential, context);
  throw unauthorized("the credential is neither an API key nor a client assertion");
}

async function authenticateAssertion(assertion: string, context: BrandAuthContext): Promise<Brand> {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw unauthorized("the client assertion is not a JWT");
  }
  if (typeof claims.iss !== "string" || claims.iss !== claims.sub) {
    throw unauthorized("the client assertion's iss and sub must both be the brand id");
  }
  const brand = await context.store.brands.get(claims.iss);
  const keys = brand ? await context.store.brands.keys(brand.id) : [];
  if (!brand || keys.length === 0) throw unauthorized("no key is registered for this brand");
  const nowSeconds = Math.floor(context.now / 1000);
  let verified: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    const jwks = createLocalJWKSet({ keys: keys.map((key) => key.jwk as JWK) });
    ({ payload: verified } = await jwtVerify(assertion, jwks, {
      issuer: brand.id,
      subject: brand.id,
      audience: context.issuer,
      algorithms: ASSERTION_ALGORITHMS,
      requiredClaims: ["jti", "exp", "iat"],
      clockTolerance: CLOCK_SKEW,
      currentDate: new Date(context.now),
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ERR_JWT_EXPIRED" ? "has expired" : "is not valid";
    throw unauthorized(`the client assertion ${reason}`);
  }
  const { exp, iat, jti } = verified as { exp: number; iat: number; jti: string };
  if (exp - iat > ASSERTION_MAX_LIFETIME || exp - nowSeconds > ASSERTION_MAX_LIFETIME + CLOCK_SKEW) {
    throw unauthorized(`a client assertion may live at most ${ASSERTION_MAX_LIFETIME} seconds`);
  }
  if (iat > nowSeconds + CLOCK_SKEW) throw unauthorized("the client assertion was issued in the future");
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256) throw unauthorized("the client assertion needs a jti");
  const first = await context.store.assertions.use(brand.id, jti, (exp + CLOCK_SKEW) * 1000, context.now);
  if (!first) throw unauthorized("the client assertion was already used");
  return brand;
}

/**
 * The brand API's authentication hook: the credential guard first, then the brand behind the
 * `Authorization` header on `request.brand`. It runs before the body is read: a request without
 * credentials gets 401 whatever its body, as the contract's order of checks says.
 */
export function authenticateBrands(app: FastifyInstance, context: Pick<AppContext, "credentialGuard" | "store" | "config" | "now">): void {
  context.credentialGuard.protect(app, async (request) => {
    request.brand = await authenticateBrand(request.headers.authorization, {
      store: context.store,
      issuer: context.config.issuer,
      now: context.now(),
    });
  });
}

