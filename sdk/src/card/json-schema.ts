/**
 * @module card/json-schema — the small JSON Schema subset the card contract is written in,
 * the TypeScript types inferred from it, and its validator.
 *
 * Why not ajv or TypeBox: the verifier runs in the widget, whose whole script has a 16 KB
 * budget. The contract needs only `type`, `properties`, `required`,
 * `additionalProperties: false`, `enum`, `const`, `minLength`/`maxLength` (in code points,
 * as JSON Schema counts), `pattern`, `minimum`/`maximum`, plus two annotations of ours:
 * `format: "https-url"` (parsed with `URL`, `https:` only) and `x-maxBytes` (UTF-8 length).
 * A schema written in that subset is still a valid JSON Schema (2020-12), so the server
 * publishes it as is and the docs are generated from it.
 */

import type { FieldError } from "../errors.js";

/** A string field. */
export interface StringSchema {
  readonly type: "string";
  readonly description?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** `https-url`: an absolute `https:` URL without credentials. */
  readonly format?: "https-url";
  /** At most this many bytes once UTF-8 encoded. */
  readonly "x-maxBytes"?: number;
  readonly enum?: readonly string[];
  /** The message shown when `pattern` does not match. */
  readonly errorMessage?: string;
}

/** An integer field. */
export interface IntegerSchema {
  readonly type: "integer";
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly const?: number;
}

/** An object with known fields only. */
export interface ObjectSchema {
  readonly type: "object";
  readonly description?: string;
  readonly properties: { readonly [name: string]: Schema };
  readonly required?: readonly string[];
  readonly additionalProperties: false;
}

/** A true/false field. */
export interface BooleanSchema {
  readonly type: "boolean";
  readonly description?: string;
}

/** A list. */
export interface ArraySchema {
  readonly type: "array";
  readonly description?: string;
  readonly items: Schema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
}

/**
 * One of several schemas of different `type`s, told apart by the value's JSON type: a value is
 * checked against the one of its type (the admin API's `apps` take an appId string or
 * `{ id, host }`). Only {@link validateSchema} knows it; the card's schemas do not use it.
 */
export interface AnyOfSchema {
  readonly anyOf: readonly (StringSchema | IntegerSchema | BooleanSchema | ArraySchema | ObjectSchema)[];
  readonly description?: string;
  readonly type?: undefined;
}

/** A field of the card contract. */
export type Schema = StringSchema | IntegerSchema | BooleanSchema | ArraySchema | ObjectSchema | AnyOfSchema;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type InferObject<S extends ObjectSchema> = S extends {
  readonly properties: infer P;
  readonly required: readonly (infer R)[];
}
  ? Simplify<
      { -readonly [K in keyof P & R]: Infer<P[K]> } & {
        -readonly [K in Exclude<keyof P, R>]?: Infer<P[K]>;
      }
    >
  : { -readonly [K in keyof S["properties"]]?: Infer<S["properties"][K]> };

/** The TypeScript type of the values a schema accepts. */
export type Infer<S> = S extends { readonly anyOf: readonly (infer A)[] }
  ? Infer<A>
  : S extends { readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly const: infer C }
    ? C
    : S extends StringSchema
      ? string
      : S extends IntegerSchema
        ? number
        : S extends BooleanSchema
          ? boolean
          : S extends { readonly type: "array"; readonly items: infer I }
            ? Infer<I>[]
            : S extends ObjectSchema
              ? InferObject<S>
              : never;

const encoder = /* @__PURE__ */ new TextEncoder();

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const patterns = new Map<string, RegExp>();

/** `pattern` compiled once (a schema has a handful; every request checks them). */
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (regex === undefined) patterns.set(pattern, (regex = new RegExp(pattern, "u")));
  return regex;
}

/** High surrogates: only text with one has fewer code points than UTF-16 units. */
const SURROGATE = /[\uD800-\uDBFF]/;

function checkString(schema: StringSchema, value: string, path: string, errors: FieldError[]): void {
  // Lengths count code points; most text has no surrogate pair, and then no array is built.
  const length = SURROGATE.test(value) ? [...value].length : value.length;
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push({ path, message: `must be one of: ${schema.enum.join(", ")}` });
    return;
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push({
      path,
      message: schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters`,
    });
    return;
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push({ path, message: `must be at most ${schema.maxLength} characters` });
    return;
  }
  const maxBytes = schema["x-maxBytes"];
  // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4): most values
  // are short enough that they need not be encoded to be counted.
  if (maxBytes !== undefined && value.length * 3 > maxBytes && encoder.encode(value).length > maxBytes) {
    errors.push({ path, message: `must be at most ${maxBytes} bytes` });
    return;
  }
  if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) {
    errors.push({ path, message: schema.errorMessage ?? `must match ${schema.pattern}` });
    return;
  }
  if (schema.format === "https-url" && !isHttpsUrl(value)) {
    errors.push({ path, message: "must be an absolute https: URL" });
  }
}

/**
 * True for an absolute `https:` URL with a host and no credentials, written without spaces or
 * control characters (the URL parser would silently strip them: `"\u0000https://…"` and
 * `"java\tscript:"` are filter-evasion spellings, never something a brand means).
 */
export function isHttpsUrl(value: string): boolean {
  if (/[\u0000-\u0020\u007F-\u009F]/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
}

/** Checks the types beyond strings, integers and objects; see {@link validateSchema}. */
type Extension = (schema: Schema, value: unknown, path: string, errors: FieldError[], check: Check) => void;
type Check = (schema: Schema, value: unknown, path: string) => void;

function check(schema: Schema, value: unknown, path: string, errors: FieldError[], extension?: Extension): void {
  switch (schema.type) {
    case "string":
      if (typeof value !== "string") errors.push({ path, message: "must be a string" });
      else checkString(schema, value, path, errors);
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) {
        errors.push({ path, message: "must be an integer" });
      } else if (schema.const !== undefined && value !== schema.const) {
        errors.push({ path, message: `must be ${schema.const}` });
      } else if (schema.minimum !== undefined && value < schema.minimum) {
        errors.push({ path, message: `must be at least ${schema.minimum}` });
      } else if (schema.maximum !== undefined && value > schema.maximum) {
        errors.push({ path, message: `must be at most ${schema.maximum}` });
      }
      return;
    case "object": {
      if (!isPlainObject(value)) {
        errors.push({ path: path || "/", message: "must be an object" });
        return;
      }
      for (const name of schema.required ?? []) {
        if (value[name] === undefined) errors.push({ path: `${path}/${name}`, message: "is required" });
      }
      for (const name in value) {
        if (!Object.hasOwn(value, name)) continue;
        const field = value[name];
        if (!Object.hasOwn(schema.properties, name)) errors.push({ path: `${path}/${escapePointer(name)}`, message: "is not a known field" });
        // The schema's own names need no escaping (none holds `~` or `/`).
        else if (field !== undefined) check(schema.properties[name]!, field, `${path}/${name}`, errors, extension);
      }
      return;
    }
    default:
      if (extension) extension(schema, value, path, errors, (inner, item, at) => check(inner, item, at, errors, extension));
      else errors.push({ path, message: `has an unsupported schema type ${schema.type}` });
  }
}

/** Booleans, arrays and `anyOf` (the admin API's schemas have them; the card's do not). */
const booleansAndArrays: Extension = (schema, value, path, errors, check) => {
  if (schema.type === undefined) {
    const type = Array.isArray(value) ? "array" : typeof value === "number" ? "integer" : value === null ? "null" : typeof value;
    const branch = schema.anyOf.find((inner) => inner.type === type);
    if (branch) check(branch, value, path);
    else errors.push({ path, message: `must be ${schema.anyOf.map((inner) => `${/^[aeiou]/.test(inner.type) ? "an" : "a"} ${inner.type}`).join(" or ")}` });
  } else if (schema.type === "boolean") {
    if (typeof value !== "boolean") errors.push({ path, message: "must be true or false" });
  } else if (schema.type === "array") {
    if (!Array.isArray(value)) {
      errors.push({ path, message: "must be a list" });
    } else if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push({ path, message: `must have at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}` });
    } else if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push({ path, message: `must have at most ${schema.maxItems} items` });
    } else {
      value.forEach((item, index) => check(schema.items, item, `${path}/${index}`));
      if (schema.uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
        errors.push({ path, message: "must not repeat an item" });
      }
    }
  }
};

function escapePointer(name: string): string {
  return /[~/]/.test(name) ? name.replaceAll("~", "~0").replaceAll("/", "~1") : name;
}

/**
 * Checks `value` against `schema` and lists every failing field (JSON Pointer paths).
 * An empty list means the value is valid.
 */
export function validateSchema(schema: Schema, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  check(schema, value, "", errors, booleansAndArrays);
  return errors;
}

/**
 * {@link validateSchema} for schemas of strings, integers and objects only (the card's): the
 * same checks without the code for booleans and arrays, so a browser bundle that validates
 * cards does not carry it.
 */
export function validateScalarSchema(schema: Schema, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  check(schema, value, "", errors);
  return errors;
}
