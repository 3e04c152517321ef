/**
 * Bodies of the admin API, in the same schema subset as the card contract (and validated by
 * the same validator, so every error has the same `errors: [{ path, message }]` shape).
 */

import { SURFACES, appSchema, hosts, idSchema, sharerSchema, type Infer } from "@minicard/sdk";
import { CATEGORIES } from "./model.js";

const surfaces = { type: "array", items: { type: "string", enum: SURFACES }, minItems: 1, maxItems: 3, uniqueItems: true } as const;

/** A limit policy. */
export const limitSchema = {
  type: "object",
  properties: {
    scope: { type: "string", enum: ["sharer", "brand", "partner"] },
    surface: { type: "string", enum: SURFACES },
    max: { type: "integer", minimum: 1, maximum: 1_000_000 },
    windowSeconds: { type: "integer", minimum: 1, maximum: 31 * 24 * 3600 },
  },
  required: ["scope", "max", "windowSeconds"],
  additionalProperties: false,
} as const;

const limits = { type: "array", items: limitSchema, maxItems: 32 } as const;
const origins = {
  type: "array",
  items: { type: "string", minLength: 1, maxLength: 200, pattern: "^https?://[^/?#\\s]+$", errorMessage: "must be a web origin such as https://weibo.example" },
  maxItems: 32,
  uniqueItems: true,
} as const;
const name = { type: "string", minLength: 1, maxLength: 64, pattern: "^(?=[\\s\\S]*\\S)[^\\u0000-\\u001F\\u007F]*$", errorMessage: "must be plain text, not blank" } as const;
/**
 * A brand's mini-program: an Alipay appId as a plain string (the original form), or
 * `{ id, host }` for any host (`{ id, host: "alipay" }` is the same as the plain string). The
 * appId's pattern is the named host's, checked by the admin service.
 */
const app = {
  anyOf: [
    {
      type: "string",
      pattern: hosts.alipay.appIdPattern,
      errorMessage: 'must be an Alipay appId (16 digits), or { "id": …, "host": "wechat" } for a WeChat app',
    },
    {
      type: "object",
      properties: {
        id: { ...appSchema.properties.id, description: "The appId, in the pattern of its host." },
        host: appSchema.properties.host,
      },
      required: ["id", "host"],
      additionalProperties: false,
    },
  ],
} as const;
const apps = { type: "array", items: app, minItems: 1, maxItems: 100, uniqueItems: true } as const;
const logo = { type: "string", maxLength: 2048, format: "https-url" } as const;

/** `POST /v1/admin/partners`. */
export const createPartnerSchema = {
  type: "object",
  properties: { id: idSchema, name, origins, surfaces, limits, requireSharerPass: { type: "boolean" } },
  required: ["id", "name", "origins", "surfaces"],
  additionalProperties: false,
} as const;

/**
 * `PATCH /v1/admin/partners/:id`; `resetLimits: true` goes back to the default limits;
 * `requireSharerPass: true` makes every share name its sharer with a pass the partner signed.
 */
export const updatePartnerSchema = {
  type: "object",
  properties: { name, origins, surfaces, limits, resetLimits: { type: "boolean" }, requireSharerPass: { type: "boolean" } },
  additionalProperties: false,
} as const;

/** `POST /v1/admin/brands`. */
export const createBrandSchema = {
  type: "object",
  properties: {
    id: idSchema,
    name,
    category: { type: "string", enum: CATEGORIES },
    apps,
    surfaces,
    invited: { type: "boolean" },
    whitelisted: { type: "boolean" },
    logo,
  },
  required: ["id", "name", "category", "apps", "surfaces"],
  additionalProperties: false,
} as const;

/** `PATCH /v1/admin/brands/:id`. */
export const updateBrandSchema = {
  type: "object",
  properties: {
    name,
    category: { type: "string", enum: CATEGORIES },
    status: { type: "string", enum: ["active", "suspended"] },
    apps,
    surfaces,
    invited: { type: "boolean" },
    whitelisted: { type: "boolean" },
    logo,
  },
  additionalProperties: false,
} as const;

const isoDate = {
  type: "string",
  maxLength: 40,
  pattern: "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$",
  errorMessage: "must be an ISO 8601 date such as 2026-12-01 or 2026-12-01T08:00:00+08:00",
} as const;

/** `PUT /v1/admin/rollout`: opening dates by category (`DELETE /v1/admin/rollout/:category` closes one). */
export const rolloutSchema = {
  type: "object",
  properties: {
    categories: {
      type: "object",
      properties: Object.fromEntries(CATEGORIES.map((category) => [category, isoDate])) as Record<(typeof CATEGORIES)[number], typeof isoDate>,
      additionalProperties: false,
    },
  },
  required: ["categories"],
  additionalProperties: false,
} as const;

/** A sharer id in a path. */
export { sharerSchema };

/** Bodies, typed. */
export type CreatePartner = Infer<typeof createPartnerSchema>;
export type UpdatePartner = Infer<typeof updatePartnerSchema>;
export type CreateBrand = Infer<typeof createBrandSchema>;
export type UpdateBrand = Infer<typeof updateBrandSchema>;
