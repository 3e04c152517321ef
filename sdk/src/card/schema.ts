/**
 * @module card/schema — the card contract as data: one schema from which the server's
 * validation, the SDK's types, the verifier's render-time checks and `docs/card.md` all come.
 */

import type { FieldError } from "../errors.js";
import { validateScalarSchema, type Infer } from "./json-schema.js";
import { HOST_IDS, appHost } from "../links/hosts.js";

/** Where a card is shown on a partner platform; a card renders only on its own surface. */
export const SURFACES = ["dm", "profile", "feed"] as const;
/** What a card offers. */
export const KINDS = ["app", "product", "membership"] as const;

/**
 * Plain text: no control (`\p{Cc}`) or format (`\p{Cf}`) characters — C0, DEL, C1, bidi marks
 * and overrides, zero-width characters, U+00AD soft hyphen, U+061C Arabic letter mark,
 * U+180E Mongolian vowel separator, U+FFF9–FFFB interlinear annotation, tag characters —
 * nor U+034F combining grapheme joiner, U+2028/2029, U+2065 or any of U+E0000–E007F: they
 * spoof what a reader sees. Refused, never stripped: the text a brand sends is the text a
 * viewer sees. And not blank: at least one character that is neither whitespace nor a filler
 * that renders as nothing (U+115F, U+1160, U+3164, U+FFA0 Hangul fillers, U+2800 braille
 * blank); fillers stay allowed beside visible text. (`.` is enough in the look-ahead: line
 * terminators are refused anyway.)
 */
const PLAIN_TEXT =
  "^(?=.*[^\\s\\u115F\\u1160\\u2800\\u3164\\uFFA0])[^\\p{Cc}\\p{Cf}\\u034F\\u2028\\u2029\\u2065\\u{E0000}-\\u{E007F}]*$";
const PLAIN_TEXT_MESSAGE = "must be plain text: not blank, no control or invisible formatting characters";

/** One URL-encoded character: unreserved, a few sub-delimiters, or a `%XX` escape. */
const ENCODED = "(?:[A-Za-z0-9_\\-.~!*'()+]|%[0-9A-Fa-f]{2})";

const text = (maxLength: number, description: string) =>
  ({
    type: "string",
    description,
    minLength: 1,
    maxLength,
    pattern: PLAIN_TEXT,
    errorMessage: PLAIN_TEXT_MESSAGE,
  }) as const;

const httpsUrl = (description: string) =>
  ({ type: "string", description, maxLength: 2048, format: "https-url" }) as const;

/** A partner's or brand's id: lowercase letters, digits, `-` and `_`. */
export const idSchema = {
  type: "string",
  description: "An id: lowercase letters, digits, `-` and `_`, starting with a letter or digit.",
  minLength: 1,
  maxLength: 64,
  pattern: "^[a-z0-9][a-z0-9_\\-]*$",
  errorMessage: "must be lowercase letters, digits, - and _, starting with a letter or digit",
} as const;

/** A sharer's account id on the partner platform. */
export const sharerSchema = {
  type: "string",
  description: "The sharing account's id on the partner platform.",
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9][A-Za-z0-9_.@:\\-]*$",
  errorMessage: "must be letters, digits, _ . @ : and -, starting with a letter or digit",
} as const;

/** The mini-program a card opens. */
export const appSchema = {
  type: "object",
  description: "The mini-program to open: its appId, a page, an optional query and the host app it lives in.",
  properties: {
    id: {
      type: "string",
      description: "The mini-program's appId, in its host's pattern: Alipay 16 digits, WeChat `wx` and 16 lowercase hex digits.",
      minLength: 1,
      maxLength: 64,
      pattern: "^[A-Za-z0-9_.\\-]+$",
      errorMessage: "must be an appId of letters, digits, _ . and -",
    },
    page: {
      type: "string",
      description:
        "A relative page path of [A-Za-z0-9_-./], optionally followed by `?` and its own URL-encoded parameters; no `..`, no scheme.",
      minLength: 1,
      maxLength: 512,
      pattern: `^(?![/.])(?![^?]*\\.\\.)[A-Za-z0-9_\\-./]+(?:\\?(?:${ENCODED}|[=&])*)?$`,
      errorMessage: "must be a relative page path (e.g. pages/index/index?x=1) without .. or a scheme",
    },
    query: {
      type: "string",
      description: "`k=v&k2=v2`, URL-encoded, at most 1024 bytes.",
      minLength: 1,
      "x-maxBytes": 1024,
      pattern: `^${ENCODED}+=${ENCODED}*(?:&${ENCODED}+=${ENCODED}*)*$`,
      errorMessage: "must be URL-encoded k=v pairs joined by &",
    },
    host: {
      type: "string",
      description:
        "The host app that opens it: `alipay` or `wechat`; absent means `alipay`. The appId must fit that host's pattern, and a WeChat page is a path only (its parameters go in `query`).",
      enum: HOST_IDS,
    },
  },
  required: ["id", "page"],
  additionalProperties: false,
} as const;

/** The price of a product card. */
export const priceSchema = {
  type: "object",
  description: "A price: a decimal string and an ISO 4217 currency.",
  properties: {
    amount: {
      type: "string",
      description: 'A decimal string, e.g. "29.90".',
      maxLength: 20,
      pattern: "^(?:0|[1-9][0-9]{0,11})(?:\\.[0-9]{1,4})?$",
      errorMessage: 'must be a decimal string such as "29.90"',
    },
    currency: {
      type: "string",
      description: "ISO 4217 code, e.g. CNY.",
      pattern: "^[A-Z]{3}$",
      errorMessage: "must be an ISO 4217 code such as CNY",
    },
  },
  required: ["amount", "currency"],
  additionalProperties: false,
} as const;

/** The offer of a membership card: join now, enjoy the benefit, pay when the period ends. */
export const membershipSchema = {
  type: "object",
  description: "A light membership: join now, enjoy the benefit first, pay when the trial period ends.",
  properties: {
    benefit: text(64, "What the member enjoys at once."),
    trialDays: {
      type: "integer",
      description: "Days of benefits before the first payment.",
      minimum: 1,
      maximum: 366,
    },
  },
  required: ["benefit", "trialDays"],
  additionalProperties: false,
} as const;

const cardFields = {
  kind: { type: "string", description: "app | product | membership.", enum: KINDS },
  surface: { type: "string", description: "dm | profile | feed: the only surface it renders on.", enum: SURFACES },
  app: appSchema,
  title: text(64, "The card's title, plain text, 1–64 characters."),
  description: text(140, "Plain text, at most 140 characters."),
  image: httpsUrl("Cover image, https: only."),
  icon: httpsUrl("Small icon, https: only."),
  sharer: sharerSchema,
  cta: text(16, "Call to action, at most 16 characters."),
  price: priceSchema,
  membership: membershipSchema,
} as const;

/** The `card` claim inside a signed token. */
export const cardSchema = {
  type: "object",
  description: "The `card` claim of a Minicard token.",
  properties: {
    v: { type: "integer", description: "Contract version.", const: 1 },
    ...cardFields,
    brand: {
      type: "object",
      description: "The brand, as the whitelist names it (never taken from the request).",
      properties: {
        name: text(64, "The brand's display name."),
        logo: httpsUrl("The brand's logo, https: only."),
      },
      required: ["name"],
      additionalProperties: false,
    },
  },
  required: ["v", "kind", "surface", "app", "title", "brand"],
  additionalProperties: false,
} as const;

/** Lifetime bounds of a card, in seconds. */
export const CARD_TTL = { default: 7 * 24 * 3600, min: 60, max: 30 * 24 * 3600 } as const;

/** The body of `POST /v1/cards`. */
export const cardInputSchema = {
  type: "object",
  description: "A request to issue a card.",
  properties: {
    partner: { ...idSchema, description: "The partner platform's id (the token's audience)." },
    ...cardFields,
    ttlSeconds: {
      type: "integer",
      description: "Lifetime in seconds: default 7 days, at most 30.",
      minimum: CARD_TTL.min,
      maximum: CARD_TTL.max,
    },
    sharerPass: {
      type: "string",
      description: "A pass the partner signed for the sharing account (`sub` = the sharer); required by partners that attest sharers.",
      minLength: 1,
      maxLength: 4096,
      pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$",
      errorMessage: "must be a compact JWS (a pass the partner signed)",
    },
  },
  required: ["partner", "surface", "kind", "app", "title"],
  additionalProperties: false,
} as const;

/** Where a card is shown. */
export type Surface = (typeof SURFACES)[number];
/** What a card offers. */
export type CardKind = (typeof KINDS)[number];
/** The mini-program a card opens. */
export type AppTarget = Infer<typeof appSchema>;
/** A product card's price. */
export type Price = Infer<typeof priceSchema>;
/** A membership card's offer. */
export type Membership = Infer<typeof membershipSchema>;
/** The `card` claim of a token. */
export type Card = Infer<typeof cardSchema>;
/** The body of `POST /v1/cards`. */
export type CardInput = Infer<typeof cardInputSchema>;

/** Rules across fields, shared by issuance and render. */
function checkCardRules(card: Partial<Card>, errors: FieldError[]): void {
  // The schema passed, so `app` is there and names a built-in host.
  const { app } = card as Card;
  const host = appHost(app)!;
  if (!new RegExp(host.appIdPattern).test(app.id)) errors.push({ path: "/app/id", message: `must fit ${host.name}'s appId pattern ${host.appIdPattern}` });
  if (host.pathOnly && app.page.includes("?")) errors.push({ path: "/app/page", message: `must be a path only for ${host.name}: put its parameters in query` });
  if (card.kind === "product" && card.price === undefined) {
    errors.push({ path: "/price", message: "is required for a product card" });
  }
  if (card.kind === "membership" && card.membership === undefined) {
    errors.push({ path: "/membership", message: "is required for a membership card" });
  }
  if (card.kind !== "membership" && card.membership !== undefined) {
    errors.push({ path: "/membership", message: "is only for membership cards" });
  }
  if (card.kind === "app" && card.price !== undefined) {
    errors.push({ path: "/price", message: "is only for product and membership cards" });
  }
}

/**
 * Validates a `POST /v1/cards` body: the schema, then the rules across fields (the appId fits
 * the pattern of the host `app.host` names, a WeChat page carries no `?query`, a product needs
 * `price`, a membership needs `membership`, feed and profile shares need a `sharer`, or a
 * `sharerPass` that names one). Returns every failing field; an empty list means valid.
 */
export function validateCardInput(input: unknown): FieldError[] {
  const errors = validateScalarSchema(cardInputSchema, input);
  if (errors.length > 0) return errors;
  const card = input as CardInput;
  checkCardRules(card, errors);
  if ((card.surface === "feed" || card.surface === "profile") && card.sharer === undefined && card.sharerPass === undefined) {
    errors.push({ path: "/sharer", message: `is required for ${card.surface} shares (or a sharerPass naming the sharer)` });
  }
  return errors;
}

/** Validates the `card` claim of a token (the schema and the same rules across fields), as the verifier does before anything renders. */
export function validateCard(card: unknown): FieldError[] {
  const errors = validateScalarSchema(cardSchema, card);
  if (errors.length === 0) checkCardRules(card as Card, errors);
  return errors;
}
