/**
 * Issuing a card: validation, the whitelist policy, idempotency, limits, signing and the
 * durable write, in the contract's order. Whatever fails after limits were charged takes the
 * charge back, so a refused or failed request never uses up a quota.
 */

import { createHash } from "node:crypto";
import { CARD_TTL, CARD_TYPE, sharerSchema, validateCardInput, type Card, type CardClaims, type CardInput, type IssuedCard } from "@minicard/sdk";
import { newId } from "../domain/ids.js";
import { checkIssuance } from "../domain/issuance.js";
import { limitChecks, rateLimitHeader, rateLimitPolicyHeader } from "../domain/limits.js";
import type { Brand, Partner, StoredCard, StoredResponse } from "../domain/model.js";
import type { KeyRing } from "../keys/keyring.js";
import { LimitsUnavailableError, type Limiter } from "../limits/limiter.js";
import { Problem, validationProblem } from "../problems.js";
import type { Store } from "../store/store.js";
import type { PassVerifier } from "../traffic/passes.js";

/** What issuance needs. */
export interface IssueContext {
  store: Store;
  limiter: Limiter;
  keys: KeyRing;
  /** Checks sharer passes. */
  passes: PassVerifier;
  issuer: string;
  now: () => number;
}

const SHARER = new RegExp(sharerSchema.pattern);

/**
 * The sharer a share names, attested: with a `sharerPass` (required by partners that attest
 * sharers), its subject, which a `sharer` in the body must then equal. Answers the sharer, or
 * why it is not attested.
 */
async function attestSharer(
  passes: PassVerifier,
  partner: Partner,
  input: CardInput,
  now: number,
): Promise<{ sharer: string | undefined; refusal?: string }> {
  if (input.sharerPass === undefined) {
    if (!partner.requireSharerPass) return { sharer: input.sharer };
    return { sharer: input.sharer, refusal: `partner ${partner.id} requires a sharerPass: a pass it signed for the sharing account` };
  }
  const pass = await passes.check(input.sharerPass, [partner.id], now);
  if (pass.status !== "valid") return { sharer: input.sharer, refusal: `the sharerPass is not valid for ${partner.id} (${pass.status === "invalid" ? pass.reason : pass.status})` };
  if (!SHARER.test(pass.subject) || pass.subject.length > sharerSchema.maxLength) {
    return { sharer: input.sharer, refusal: "the sharerPass's subject is not a sharer id" };
  }
  if (input.sharer !== undefined && input.sharer !== pass.subject) {
    return { sharer: input.sharer, refusal: `the sharerPass attests ${pass.subject}, not ${input.sharer}` };
  }
  return { sharer: pass.subject };
}

/** How long a request holds its idempotency key before another may take it over. */
const IDEMPOTENCY_LEASE_MS = 60_000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;


/** JSON with sorted keys: two bodies with the same content have the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The optional fields of a card, copied from the request in this order. */
const OPTIONAL_FIELDS = ["description", "image", "icon", "sharer", "cta", "price", "membership"] as const;

/** Builds the `card` claim: the request's content, its attested `sharer`, and the brand as the whitelist names it. */
function buildCard(input: CardInput, brand: Brand, sharer: string | undefined): Card {
  const card: Card = {
    v: 1,
    kind: input.kind,
    surface: input.surface,
    // `host: "alipay"` is the default and is left out, so an Alipay card's claim is what it was
    // before hosts were named (and verifiers that predate `host` still accept it).
    app: {
      id: input.app.id,
      page: input.app.page,
      ...(input.app.query ? { query: input.app.query } : {}),
      ...(input.app.host && input.app.host !== "alipay" ? { host: input.app.host } : {}),
    },
    title: input.title,
    brand: { name: brand.name, ...(brand.logo ? { logo: brand.logo } : {}) },
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = field === "sharer" ? sharer : input[field];
    if (value !== undefined) (card as Record<string, unknown>)[field] = value;
  }
  return card;
}

/**
 * Validates the body as a card request (the appId against the pattern of the host `app.host`
 * names, Alipay when it names none), or throws `validation_failed` listing each field.
 */
export function parseCardInput(body: unknown): CardInput {
  const errors = validateCardInput(body);
  if (errors.length > 0) throw validationProblem(errors);
  return body as CardInput;
}

/** The partner's limits once the card was charged, as `RateLimit-Policy` and `RateLimit` field values (undefined when the partner has no limits). */
export interface LimitsReport {
  policy: string | undefined;
  state: string | undefined;
}

/**
 * What issuing answered: a card issued now, or one a former request with the same
 * `Idempotency-Key` issued (`replayed`, with the limits as they were then).
 */
export interface Issuance {
  kind: "issued" | "replayed";
  card: IssuedCard;
  limits: LimitsReport;
}

/**
 * The record an `Idempotency-Key` keeps of its issuance. It keeps the form it has always been
 * stored in (a 201's status, headers and body), so old and new instances read each other's.
 */
function toRecord(card: IssuedCard, limits: LimitsReport): StoredResponse {
  const headers: Record<string, string> = { location: `/v1/cards/${card.id}` };
  if (limits.policy) headers["ratelimit-policy"] = limits.policy;
  if (limits.state) headers.ratelimit = limits.state;
  return { status: 201, headers, body: card };
}

/** The issuance an `Idempotency-Key`'s record replays. */
function fromRecord(record: StoredResponse): Issuance {
  return { kind: "replayed", card: record.body as IssuedCard, limits: { policy: record.headers["ratelimit-policy"], state: record.headers.ratelimit } };
}

/** Issues a card for `brand`, or replays what an earlier request with `idempotencyKey` issued. Throws {@link Problem}s. */
export async function issueCard(
  context: IssueContext,
  brand: Brand,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<Issuance> {
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw validationProblem([{ path: "header:Idempotency-Key", message: "must be 1–255 visible ASCII characters" }]);
  }
  const input = parseCardInput(body);
  const now = context.now();
  const { store } = context;
  const [partner, rollout] = await Promise.all([store.partners.get(input.partner), store.rollout.get()]);
  const attested = partner ? await attestSharer(context.passes, partner, input, now) : { sharer: input.sharer };
  const sharer = attested.sharer;
  const sharerWhitelisted = sharer !== undefined && partner !== undefined && (await store.sharers.has(partner.id, sharer));
  const refusal = checkIssuance(input, { brand, partner, sharerWhitelisted, sharerUnattested: attested.refusal, rollout, now });
  if (refusal) throw new Problem(refusal.code, refusal.detail);

  if (idempotencyKey !== undefined) {
    const fingerprint = createHash("sha256").update(canonical(body)).digest("base64url");
    const begun = await store.idempotency.begin(brand.id, idempotencyKey, fingerprint, now, IDEMPOTENCY_LEASE_MS);
    if (begun.state === "mismatch") {
      throw new Problem("idempotency_key_reused", "this Idempotency-Key was used with another request body");
    }
    if (begun.state === "in_progress") {
      throw new Problem("idempotency_in_progress", "a request with this Idempotency-Key is still in progress", {
        headers: { "retry-after": "1" },
      });
    }
    if (begun.state === "done") return fromRecord(begun.response);
  }

  const releaseKey = () => (idempotencyKey === undefined ? Promise.resolve() : store.idempotency.release(brand.id, idempotencyKey).catch(() => {}));
  const id = newId(now);
  const checks = limitChecks(partner!, { partner: partner!.id, brand: brand.id, surface: input.surface, sharer });
  let decision;
  try {
    decision = await context.limiter.acquire(checks, id, now);
  } catch (error) {
    await releaseKey();
    if (error instanceof LimitsUnavailableError) {
      throw new Problem("limits_unavailable", "limits cannot be checked right now, so no card is issued; retry shortly", {
        headers: { "retry-after": "5" },
      });
    }
    throw error;
  }
  const policyHeader = rateLimitPolicyHeader(checks);
  if (!decision.allowed) {
    await releaseKey();
    const headers: Record<string, string> = { "retry-after": String(decision.retryAfter) };
    if (policyHeader) headers["ratelimit-policy"] = policyHeader;
    const refusing = decision.states.filter((state) => state.remaining === 0);
    const limit = rateLimitHeader(refusing.length > 0 ? refusing : decision.states);
    if (limit) headers.ratelimit = limit;
    const names = refusing.map((state) => state.name).join(", ");
    throw new Problem("rate_limited", `the ${names} limit is reached; retry in ${decision.retryAfter} s`, {
      headers,
      extra: { retryAfter: decision.retryAfter },
    });
  }

  const ttl = input.ttlSeconds ?? CARD_TTL.default;
  const issuedAt = Math.floor(now / 1000);
  const card = buildCard(input, brand, sharer);
  const expiresAt = (issuedAt + ttl) * 1000;
  // Signing and the durable write: if either fails, the charge and the key are taken back.
  try {
    const claims = { iss: context.issuer, aud: partner!.id, sub: brand.id, jti: id, iat: issuedAt, nbf: issuedAt, exp: issuedAt + ttl, card } satisfies CardClaims;
    const limits: LimitsReport = { policy: policyHeader || undefined, state: rateLimitHeader(decision.states) };
    const issuedCard = (token: string): IssuedCard => ({ id, token, url: `${context.issuer}/c/${id}`, expiresAt: new Date(expiresAt).toISOString() });
    const stored = (kid: string): Omit<StoredCard, "token"> => ({
      id,
      brandId: brand.id,
      partnerId: partner!.id,
      surface: input.surface,
      kind: input.kind,
      sharer,
      card,
      kid,
      issuedAt: now,
      expiresAt,
      revokedAt: undefined,
    });
    const completion = (token: string) =>
      idempotencyKey === undefined ? undefined : { brandId: brand.id, key: idempotencyKey, response: toRecord(issuedCard(token), limits) };
    // Where the store's thread signs (SQLite), it signs and writes the card in one hand-off;
    // the idempotency response's token is filled in there.
    const prepared = store.cards.insertSigned && context.keys.prepareCompact(CARD_TYPE, claims);
    if (prepared) {
      const token = await store.cards.insertSigned!(stored(prepared.kid), prepared.job, completion(""));
      return { kind: "issued", card: issuedCard(token), limits };
    }
    const { token, kid } = await context.keys.signCompact(CARD_TYPE, claims);
    await store.cards.insert({ ...stored(kid), token }, completion(token));
    return { kind: "issued", card: issuedCard(token), limits };
  } catch (error) {
    await context.limiter.release(checks, id, now).catch(() => {});
    await releaseKey();
    throw error;
  }
}
