/**
 * Operator actions: partners, brands, their keys, the sharer whitelist, the rollout and key
 * rotation. The admin API, the CLI and the demo seed all go through these, so every way in
 * validates the same way and answers the same codes.
 */

import { importJWK, calculateJwkThumbprint, type JWK } from "jose";
import { hosts, sharerSchema, validateSchema, type HostId, type Schema } from "@minicard/sdk";
import {
  createBrandSchema,
  createPartnerSchema,
  rolloutSchema,
  updateBrandSchema,
  updatePartnerSchema,
  type CreateBrand,
  type CreatePartner,
  type UpdateBrand,
  type UpdatePartner,
} from "../domain/admin-schemas.js";
import { appRegistration, canonicalApp, type Brand, type BrandApp, type Partner } from "../domain/model.js";
import type { Rollout } from "../domain/rollout.js";
import { generateApiKey, hashApiKey, ASSERTION_ALGORITHMS } from "../auth/brand-auth.js";
import { Problem, validationProblem } from "../problems.js";
import { PASS_ALGORITHMS } from "../traffic/passes.js";
import { ConflictError, type Store } from "../store/store.js";

/** What operator actions need. */
export interface AdminContext {
  store: Store;
  now: () => number;
  /** Called after a partner changes (CORS origins). */
  onPartnersChanged?: () => void;
}

function check<T>(schema: Schema, body: unknown): T {
  const errors = validateSchema(schema, body);
  if (errors.length > 0) throw validationProblem(errors);
  return body as T;
}

function normaliseOrigins(origins: string[]): string[] {
  const errors: { path: string; message: string }[] = [];
  const result = origins.map((origin, index) => {
    try {
      const url = new URL(origin);
      if (url.origin === origin) return origin;
    } catch {
      // reported below
    }
    errors.push({ path: `/origins/${index}`, message: "must be a web origin: scheme, host and port only" });
    return origin;
  });
  if (errors.length > 0) throw validationProblem(errors);
  return result;
}

/**
 * A brand's apps in their canonical form (an Alipay app as its plain appId, another host's as
 * `{ id, host }`), each appId checked against its host's pattern and listed once; else
 * `validation_failed` with the failing items' paths.
 */
function normaliseApps(apps: readonly (string | { id: string; host: HostId })[]): BrandApp[] {
  const errors: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  const result = apps.map((entry, index) => {
    const { id, host } = appRegistration(entry);
    const profile = hosts[host];
    if (!new RegExp(profile.appIdPattern).test(id)) {
      errors.push({ path: `/apps/${index}/id`, message: `must fit ${profile.name}'s appId pattern ${profile.appIdPattern}` });
    } else if (seen.has(`${host} ${id}`)) {
      errors.push({ path: `/apps/${index}`, message: `repeats the ${profile.name} app ${id}` });
    }
    seen.add(`${host} ${id}`);
    return canonicalApp(id, host);
  });
  if (errors.length > 0) throw validationProblem(errors);
  return result;
}

async function requirePartner(store: Store, id: string): Promise<Partner> {
  const partner = await store.partners.get(id);
  if (!partner) throw new Problem("not_found", `no partner ${id}`);
  return partner;
}

async function requireBrand(store: Store, id: string): Promise<Brand> {
  const brand = await store.brands.get(id);
  if (!brand) throw new Problem("not_found", `no brand ${id}`);
  return brand;
}

/** Creates a partner platform. */
export async function createPartner(context: AdminContext, body: unknown): Promise<Partner> {
  const input = check<CreatePartner>(createPartnerSchema, body);
  const partner: Partner = {
    id: input.id,
    name: input.name,
    origins: normaliseOrigins(input.origins),
    surfaces: input.surfaces,
    limits: input.limits,
    requireSharerPass: input.requireSharerPass ?? false,
    createdAt: context.now(),
  };
  try {
    await context.store.partners.create(partner);
  } catch (error) {
    if (error instanceof ConflictError) throw new Problem("conflict", `partner ${input.id} already exists`);
    throw error;
  }
  context.onPartnersChanged?.();
  return partner;
}

/** Changes a partner. */
export async function updatePartner(context: AdminContext, id: string, body: unknown): Promise<Partner> {
  const input = check<UpdatePartner>(updatePartnerSchema, body);
  await requirePartner(context.store, id);
  const { resetLimits, ...patch } = input;
  if (patch.origins) patch.origins = normaliseOrigins(patch.origins);
  const updated = await context.store.partners.update(id, resetLimits ? { ...patch, limits: undefined } : patch);
  context.onPartnersChanged?.();
  return updated!;
}

/**
 * One web origin as an argument (`https://weibo.example`): scheme, host and port only. A path
 * or a trailing slash is refused with the origin it would be, rather than silently cut.
 */
function checkOrigin(origin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    // reported below
  }
  if (url && url.origin === origin && (url.protocol === "https:" || url.protocol === "http:")) return origin;
  const hint = url && url.origin !== "null" ? ` (did you mean ${url.origin}?)` : "";
  throw validationProblem([{ path: "/origin", message: `must be a web origin: scheme, host and port only, such as https://weibo.example${hint}` }]);
}

/**
 * Adds one web origin to a partner's origins (unlike `updatePartner`, which replaces the list).
 * Adding an origin the partner has changes nothing. Answers the partner.
 */
export async function addPartnerOrigin(context: AdminContext, id: string, origin: string): Promise<Partner> {
  checkOrigin(origin);
  const partner = await requirePartner(context.store, id);
  if (partner.origins.includes(origin)) return partner;
  return updatePartner(context, id, { origins: [...partner.origins, origin] });
}

/** Removes one web origin from a partner's origins; `not_found` when the partner does not have it. Answers the partner. */
export async function removePartnerOrigin(context: AdminContext, id: string, origin: string): Promise<Partner> {
  const partner = await requirePartner(context.store, id);
  if (!partner.origins.includes(origin)) {
    throw new Problem("not_found", `partner ${id} has no origin ${origin} (its origins: ${partner.origins.join(", ") || "none"})`);
  }
  return updatePartner(context, id, { origins: partner.origins.filter((item) => item !== origin) });
}

/** Creates a brand on the whitelist; answers its API key, shown this once. */
export async function createBrand(context: AdminContext, body: unknown): Promise<{ brand: Brand; apiKey: string }> {
  const input = check<CreateBrand>(createBrandSchema, body);
  const now = context.now();
  const brand: Brand = {
    id: input.id,
    name: input.name,
    category: input.category,
    apps: normaliseApps(input.apps),
    surfaces: input.surfaces,
    status: "active",
    invited: input.invited ?? false,
    whitelisted: input.whitelisted ?? true,
    logo: input.logo,
    createdAt: now,
    updatedAt: now,
  };
  const apiKey = generateApiKey();
  try {
    await context.store.brands.create(brand, hashApiKey(apiKey));
  } catch (error) {
    if (error instanceof ConflictError) throw new Problem("conflict", `brand ${input.id} already exists`);
    throw error;
  }
  return { brand, apiKey };
}

/** Changes a brand; `status: "suspended"` revokes all of its cards at once. */
export async function updateBrand(context: AdminContext, id: string, body: unknown): Promise<Brand> {
  const input = check<UpdateBrand>(updateBrandSchema, body);
  const patch = input.apps ? { ...input, apps: normaliseApps(input.apps) } : input;
  await requireBrand(context.store, id);
  return (await context.store.brands.update(id, patch, context.now()))!;
}

/** Replaces a brand's API key; the old one stops working at once. */
export async function rotateApiKey(context: AdminContext, id: string): Promise<string> {
  await requireBrand(context.store, id);
  const apiKey = generateApiKey();
  await context.store.brands.setApiKeyHash(id, hashApiKey(apiKey));
  return apiKey;
}

/**
 * Checks a `{ jwk }` body: a public key (never a private one) for one of `algorithms`, that
 * imports. Answers its `kid` (its own, or its RFC 7638 thumbprint) and the public members only.
 */
async function publicKeyOf(body: unknown, algorithms: readonly string[]): Promise<{ kid: string; jwk: Record<string, unknown> }> {
  const jwk = (body as { jwk?: unknown } | null)?.jwk;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    throw validationProblem([{ path: "/jwk", message: "is required: the public key as a JWK" }]);
  }
  if (Object.keys(body as object).some((key) => key !== "jwk")) {
    throw validationProblem([{ path: "/", message: "only { jwk } is accepted" }]);
  }
  const key = jwk as JWK;
  if ("d" in key || "p" in key || "k" in key) {
    throw validationProblem([{ path: "/jwk", message: "must be a public key: never send a private key" }]);
  }
  const alg = key.alg ?? (key.kty === "EC" ? "ES256" : key.kty === "OKP" ? "EdDSA" : key.kty === "RSA" ? "RS256" : undefined);
  if (alg === undefined || !algorithms.includes(alg)) {
    throw validationProblem([{ path: "/jwk", message: `must be a key for ${algorithms.join(", ")}` }]);
  }
  try {
    await importJWK(key, alg);
  } catch {
    throw validationProblem([{ path: "/jwk", message: "is not a valid public key" }]);
  }
  const kid = typeof key.kid === "string" && /^[\x21-\x7e]{1,128}$/.test(key.kid) ? key.kid : await calculateJwkThumbprint(key);
  const { kty, crv, x, y, n, e } = key;
  return { kid, jwk: Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, alg, kid, use: "sig" }).filter(([, value]) => value !== undefined)) };
}

/** Registers a public JWK the brand signs `private_key_jwt` assertions with. */
export async function addBrandKey(context: AdminContext, id: string, body: unknown): Promise<{ kid: string }> {
  await requireBrand(context.store, id);
  const { kid, jwk } = await publicKeyOf(body, ASSERTION_ALGORITHMS);
  await context.store.brands.putKey({ brandId: id, kid, jwk, createdAt: context.now() });
  return { kid };
}

/** Registers a public JWK the partner signs viewer and sharer passes with (ES256 or EdDSA). */
export async function addPartnerKey(context: AdminContext, id: string, body: unknown): Promise<{ kid: string }> {
  await requirePartner(context.store, id);
  const { kid, jwk } = await publicKeyOf(body, PASS_ALGORITHMS);
  await context.store.partners.putKey({ partnerId: id, kid, jwk, createdAt: context.now() });
  return { kid };
}

/** Removes a partner key: passes signed with it stop being valid (within a minute). 404 when there is none. */
export async function removePartnerKey(context: AdminContext, id: string, kid: string): Promise<void> {
  await requirePartner(context.store, id);
  if (!(await context.store.partners.removeKey(id, kid))) throw new Problem("not_found", `partner ${id} has no key ${kid}`);
}

function checkSharer(sharer: string): void {
  const errors = validateSchema(sharerSchema, sharer).map((error) => ({ ...error, path: "param:sharer" }));
  if (errors.length > 0) throw validationProblem(errors);
}

/** Puts a sharer on a partner's whitelist (feed and profile shares). */
export async function putSharer(context: AdminContext, partnerId: string, sharer: string): Promise<void> {
  checkSharer(sharer);
  await requirePartner(context.store, partnerId);
  await context.store.sharers.put(partnerId, sharer, context.now());
}

/** Takes a sharer off the whitelist; 404 when it was not on it. */
export async function removeSharer(context: AdminContext, partnerId: string, sharer: string): Promise<void> {
  checkSharer(sharer);
  await requirePartner(context.store, partnerId);
  if (!(await context.store.sharers.remove(partnerId, sharer))) {
    throw new Problem("not_found", `${sharer} is not on ${partnerId}'s whitelist`);
  }
}

/** Sets categories' opening dates. */
export async function setRollout(context: AdminContext, body: unknown): Promise<Rollout> {
  const input = check<{ categories: Record<string, string> }>(rolloutSchema, body);
  const errors = Object.entries(input.categories)
    .filter(([, date]) => Number.isNaN(Date.parse(date)))
    .map(([category]) => ({ path: `/categories/${category}`, message: "is not a real date" }));
  if (errors.length > 0) throw validationProblem(errors);
  return context.store.rollout.put(input.categories);
}

/** Closes a category again. */
export async function closeCategory(context: AdminContext, category: string): Promise<Rollout> {
  return context.store.rollout.put({ [category]: null });
}

/** Looks a partner up, or 404. */
export { requirePartner, requireBrand };
