/**
 * The shapes the HTTP API answers and takes, as JSON Schemas shared by the routes (each one is
 * added once with `fastify.addSchema` and referenced as `{ $ref: "<Name>#" }`), from which
 * `GET /openapi.json` is generated (`openapi.ts`). Where a shape already has a schema, it is
 * reused, not restated: the card and the issuance body are the SDK's (`cardSchema`,
 * `cardInputSchema`), the admin bodies `domain/admin-schemas.ts`, the problem codes
 * `problems.ts`.
 *
 * These schemas document; they do not validate or serialize (see `openapi.ts`): request bodies
 * are still checked by the SDK's validator in the services, and answers are still
 * `JSON.stringify`, so no field is ever dropped for being undocumented. Answers are described
 * without `additionalProperties: false` (a client must tolerate new fields); bodies keep it,
 * as the server refuses unknown fields.
 */

import { CARD_ID_PATTERN, EVENT_SLOTS, KINDS, MAX_EVENTS, QUALITIES, SURFACES, cardInputSchema, cardSchema } from "@minicard/sdk";
import { CATEGORIES } from "./domain/model.js";
import { createBrandSchema, createPartnerSchema, limitSchema, rolloutSchema, updateBrandSchema, updatePartnerSchema } from "./domain/admin-schemas.js";
import { PROBLEMS } from "./problems.js";
import { eventSchema } from "./services/ingest-events.js";

const isoTime = { type: "string", format: "date-time" } as const;
const surface = { type: "string", enum: SURFACES } as const;
const cardId = { type: "string", pattern: CARD_ID_PATTERN, description: "A card id (ULID)." } as const;
const count = { type: "integer", minimum: 0 } as const;

/** Impressions, clicks, CTR and UV of one slice. */
const statsCounts = {
  impressions: count,
  clicks: count,
  ctr: { type: "number", minimum: 0, description: "clicks / impressions, 4 decimals; 0 without impressions." },
  uv: { ...count, description: "Distinct credited viewers who clicked, once per UTC day." },
} as const;

const ledger = {
  uv: count,
  pvGranted: { type: "integer", description: "uv × ratio." },
  pvDelivered: { ...count, description: "Credited impressions in the hot list's paid slots." },
  pvBalance: { type: "integer", description: "pvGranted − pvDelivered; at zero or below the brand leaves the paid slots." },
} as const;

const counted = (extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties: { ...statsCounts, ...extra },
  required: [...Object.keys(statsCounts), ...Object.keys(extra)],
});

/** The brand API's view of a brand (`GET /v1/brands/me`). */
const brandFields = {
  id: { type: "string" },
  name: { type: "string" },
  category: { type: "string", enum: CATEGORIES },
  apps: { type: "array", items: createBrandSchema.properties.apps.items, description: "The mini-programs it owns: an Alipay appId, or `{ id, host }`." },
  surfaces: { type: "array", items: surface },
  status: { type: "string", enum: ["active", "suspended"] },
  invited: { type: "boolean" },
  whitelisted: { type: "boolean" },
  logo: { type: "string", format: "uri" },
} as const;

/** Every shared schema, by `$id`. */
export const API_SCHEMAS = [
  {
    $id: "Problem",
    type: "object",
    description:
      "An error (RFC 9457, `application/problem+json`). Switch on `code`, never on `title` or `detail`. The codes and when each happens: docs/errors.md.",
    properties: {
      type: { type: "string", format: "uri", description: "`https://minicard.dev/problems/<code>`." },
      title: { type: "string" },
      status: { type: "integer", minimum: 400, maximum: 599 },
      detail: { type: "string", description: "For people; may change." },
      code: { type: "string", enum: Object.keys(PROBLEMS), description: "Stable: what to switch on." },
      errors: {
        type: "array",
        description: "`validation_failed`: each failing field. `path` is a JSON Pointer into the body, or `query:<name>`, `header:<name>`, `param:<name>`, `url`.",
        items: {
          type: "object",
          properties: { path: { type: "string" }, message: { type: "string" } },
          required: ["path", "message"],
        },
      },
      retryAfter: { type: "integer", minimum: 0, description: "`rate_limited`: seconds to wait (also in `Retry-After`)." },
      requestId: { type: "string", description: "The request's id, as in `X-Request-Id` and the server's logs." },
    },
    required: ["type", "title", "status", "code", "requestId"],
  },
  { $id: "Card", ...cardSchema },
  { $id: "CardInput", ...cardInputSchema },
  { $id: "CardId", ...cardId },
  { $id: "CardState", type: "string", enum: ["active", "revoked", "expired"] },
  {
    $id: "IssuedCard",
    type: "object",
    description: "An issued card.",
    properties: {
      id: { $ref: "CardId#" },
      token: { type: "string", description: "The signed card (compact JWS), for `<mini-program-card token>`." },
      url: { type: "string", format: "uri", description: "The share link, `<issuer>/c/<id>`." },
      expiresAt: isoTime,
    },
    required: ["id", "token", "url", "expiresAt"],
  },
  {
    $id: "CardRecord",
    type: "object",
    description: "A card as its brand reads it back.",
    properties: {
      id: { $ref: "CardId#" },
      state: { $ref: "CardState#" },
      partner: { type: "string" },
      surface,
      kind: { type: "string", enum: KINDS },
      sharer: { type: "string" },
      card: { $ref: "Card#" },
      token: { type: "string" },
      url: { type: "string", format: "uri" },
      issuedAt: isoTime,
      expiresAt: isoTime,
      revokedAt: isoTime,
    },
    required: ["id", "state", "partner", "surface", "kind", "card", "token", "url", "issuedAt", "expiresAt"],
  },
  {
    $id: "Brand",
    type: "object",
    description: "A brand as the whitelist holds it.",
    properties: brandFields,
    required: ["id", "name", "category", "apps", "surfaces", "status", "invited", "whitelisted"],
  },
  {
    $id: "AdminBrand",
    type: "object",
    description: "A brand as the operator reads it.",
    properties: { ...brandFields, createdAt: isoTime, updatedAt: isoTime },
    required: ["id", "name", "category", "apps", "surfaces", "status", "invited", "whitelisted", "createdAt", "updatedAt"],
  },
  {
    $id: "BrandStats",
    type: "object",
    description:
      "A brand's statistics over a range of whole UTC hours; `uv`, `pvGranted`, `pvDelivered` and `pvBalance` cover the range, `ledger` the brand's whole history. See docs/growth.md.",
    properties: {
      brand: { type: "string" },
      from: { ...isoTime, description: "Inclusive." },
      to: { ...isoTime, description: "Exclusive." },
      ratio: { type: "integer", description: "PV granted per UV." },
      ...statsCounts,
      ...ledger,
      byCard: {
        type: "array",
        items: counted({ card: cardId, title: { type: "string" }, kind: { type: "string", enum: KINDS }, surface, pvDelivered: count }),
      },
      bySurface: { type: "object", properties: Object.fromEntries(SURFACES.map((name) => [name, counted()])), required: [...SURFACES] },
      byDay: { type: "array", description: "Every UTC day of the range, oldest first.", items: counted({ day: { type: "string", format: "date" } }) },
      byQuality: {
        type: "object",
        description: "Every event counted, by quality; only `credited` ones earn UV and debit paid slots.",
        properties: Object.fromEntries(
          QUALITIES.map((name) => [name, { type: "object", properties: { impressions: count, clicks: count }, required: ["impressions", "clicks"] }]),
        ),
        required: [...QUALITIES],
      },
      ledger: { type: "object", properties: ledger, required: Object.keys(ledger) },
    },
    required: ["brand", "from", "to", "ratio", ...Object.keys(statsCounts), "pvGranted", "pvDelivered", "pvBalance", "byCard", "bySurface", "byDay", "byQuality", "ledger"],
  },
  {
    $id: "EventBatch",
    type: "object",
    description: "Impression and click beacons (`application/json`, or the same JSON as `text/plain`: what `navigator.sendBeacon` sends).",
    properties: {
      viewer: { type: "string", description: "A viewer pass the partner's server minted for the signed-in reader (`createPassMinter`)." },
      events: {
        type: "array",
        maxItems: MAX_EVENTS,
        description: `At most ${MAX_EVENTS} (\`too_many_events\` beyond). An event that does not fit is rejected on its own (\`invalid_event\`), not the batch.`,
        items: eventSchema,
      },
    },
    required: ["events"],
    additionalProperties: false,
  },
  {
    $id: "EventsResponse",
    type: "object",
    description: "What became of each event (docs/errors.md, per-event outcomes). `accepted` includes duplicates.",
    properties: {
      accepted: count,
      duplicates: count,
      rejected: count,
      credited: count,
      viewer: {
        type: "object",
        description: "The viewer pass's status: `valid` (with its `partner`), `missing`, or `invalid` with a `reason`.",
        properties: { status: { type: "string", enum: ["valid", "missing", "invalid"] }, partner: { type: "string" }, reason: { type: "string" } },
        required: ["status"],
      },
      results: {
        type: "array",
        description: "One per event, in order.",
        items: {
          type: "object",
          properties: {
            index: count,
            status: { type: "string", enum: ["accepted", "duplicate", "rejected"] },
            quality: { type: "string", enum: QUALITIES, description: "accepted: how much it is trusted." },
            slot: { type: "string", enum: EVENT_SLOTS, description: "accepted: where it was counted." },
            uv: { type: "boolean", const: true, description: "accepted: the click that made a new unique visitor." },
            reason: { type: "string", description: "accepted: why it earns nothing, or counted as organic." },
            queued: { type: "boolean", const: true, description: "accepted, with Redis: decided when the stream is folded." },
            code: { type: "string", description: "rejected: `invalid_event`, `stale_event`, `card_unknown`, `wrong_partner`, `card_unavailable`." },
            message: { type: "string" },
          },
          required: ["index", "status"],
        },
      },
      errors: {
        type: "array",
        description: "The rejected events alone.",
        items: { type: "object", properties: { index: count, code: { type: "string" }, message: { type: "string" } }, required: ["index", "code", "message"] },
      },
    },
    required: ["accepted", "duplicates", "rejected", "credited", "viewer", "results"],
  },
  {
    $id: "Jwk",
    type: "object",
    description: "A public JSON Web Key.",
    properties: {
      kty: { type: "string" },
      kid: { type: "string" },
      alg: { type: "string" },
      use: { type: "string" },
      crv: { type: "string" },
      x: { type: "string" },
      y: { type: "string" },
      n: { type: "string" },
      e: { type: "string" },
    },
    required: ["kty"],
  },
  { $id: "JwkSet", type: "object", properties: { keys: { type: "array", items: { $ref: "Jwk#" } } }, required: ["keys"] },
  { $id: "LimitPolicy", ...limitSchema },
  {
    $id: "Partner",
    type: "object",
    description: "A partner platform.",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      origins: { type: "array", items: { type: "string" } },
      surfaces: { type: "array", items: surface },
      limits: { type: "array", items: { $ref: "LimitPolicy#" }, description: "Absent: the default limits." },
      requireSharerPass: { type: "boolean" },
      createdAt: { type: "integer", description: "Epoch milliseconds." },
    },
    required: ["id", "name", "origins", "surfaces", "requireSharerPass", "createdAt"],
  },
  { $id: "CreatePartner", ...createPartnerSchema },
  { $id: "UpdatePartner", ...updatePartnerSchema },
  { $id: "CreateBrand", ...createBrandSchema },
  { $id: "UpdateBrand", ...updateBrandSchema },
  { $id: "RolloutUpdate", ...rolloutSchema },
  {
    $id: "Rollout",
    type: "object",
    properties: {
      categories: {
        type: "object",
        description: "Opening date (ISO 8601) per category; a category without one is closed.",
        properties: Object.fromEntries(CATEGORIES.map((category) => [category, { type: "string" }])),
      },
    },
    required: ["categories"],
  },
  {
    $id: "PublicKeyBody",
    type: "object",
    properties: { jwk: { $ref: "Jwk#" } },
    required: ["jwk"],
  },
  { $id: "KeyId", type: "object", properties: { kid: { type: "string" } }, required: ["kid"] },
] as const;
