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

/**
 * A compiled schema: pushes onto `errors` what is wrong with `value`, at `path`, or at the
 * field `name` of `path` when there is one (joined only when something is wrong, or to descend).
 */
type Validate = (value: unknown, errors: FieldError[], path: string, name?: string) => void;
type Compile = (schema: Schema) => Validate;

/** The JSON Pointer of `name` in `path`. */
const at = (path: string, name: string | undefined) => (name === undefined ? path : `${path}/${name}`);

/** High surrogates: only text with one has fewer code points than UTF-16 units. */
const SURROGATE = /[\uD800-\uDBFF]/;

function compileString(schema: StringSchema): Validate {
  const { enum: allowed, minLength, maxLength, format, errorMessage } = schema;
  const maxBytes = schema["x-maxBytes"];
  const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, "u");
  return (value, errors, path, name) => {
    if (typeof value !== "string") return void errors.push({ path: at(path, name), message: "must be a string" });
    // Lengths count code points; most text has no surrogate pair, and then no array is built.
    const length = SURROGATE.test(value) ? [...value].length : value.length;
    let message: string | undefined;
    if (allowed && !allowed.includes(value)) message = `must be one of: ${allowed.join(", ")}`;
    else if (minLength !== undefined && length < minLength) {
      message = minLength === 1 ? "must not be empty" : `must be at least ${minLength} characters`;
    } else if (maxLength !== undefined && length > maxLength) message = `must be at most ${maxLength} characters`;
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4): most values
    // are short enough that they need not be encoded to be counted.
    else if (maxBytes !== undefined && value.length * 3 > maxBytes && encoder.encode(value).length > maxBytes) {
      message = `must be at most ${maxBytes} bytes`;
    } else if (pattern && !pattern.test(value)) message = errorMessage ?? `must match ${schema.pattern}`;
    else if (format === "https-url" && !isHttpsUrl(value)) message = "must be an absolute https: URL";
    if (message !== undefined) errors.push({ path: at(path, name), message });
  };
}

function compileInteger({ const: exactly, minimum, maximum }: IntegerSchema): Validate {
  return (value, errors, path, name) => {
    let message: string | undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value)) message = "must be an integer";
    else if (exactly !== undefined && value !== exactly) message = `must be ${exactly}`;
    else if (minimum !== undefined && value < minimum) message = `must be at least ${minimum}`;
    else if (maximum !== undefined && value > maximum) message = `must be at most ${maximum}`;
    if (message !== undefined) errors.push({ path: at(path, name), message });
  };
}

function compileObject(schema: ObjectSchema, compile: Compile): Validate {
  const required = schema.required ?? [];
  const fields = new Map(Object.entries(schema.properties).map(([name, inner]) => [name, compile(inner)]));
  return (value, errors, parent, own) => {
    const path = at(parent, own);
    if (!isPlainObject(value)) return void errors.push({ path: path || "/", message: "must be an object" });
    for (const name of required) {
      if (value[name] === undefined) errors.push({ path: `${path}/${name}`, message: "is required" });
    }
    for (const name in value) {
      if (!Object.hasOwn(value, name)) continue;
      const field = value[name];
      const validate = fields.get(name);
      if (!validate) errors.push({ path: `${path}/${escapePointer(name)}`, message: "is not a known field" });
      // The schema's own names need no escaping (none holds `~` or `/`).
      else if (field !== undefined) validate(field, errors, path, name);
    }
  };
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

/** Compiles the types beyond strings, integers and objects; see {@link validateSchema}. */
type Extension = (schema: Schema, compile: Compile) => Validate | undefined;

/**
 * The compiler of schemas, with `extension` for the types it does not know itself. Each schema
 * object is compiled once, on its first use: its limits and patterns are read then, and a
 * value is checked by closures over them (reading them from the schema on every value cost
 * more than the checks themselves). A schema must not be changed once used.
 */
function compiler(extension?: Extension): Compile {
  const compiled = new WeakMap<Schema, Validate>();
  const build = (schema: Schema): Validate => {
    switch (schema.type) {
      case "string":
        return compileString(schema);
      case "integer":
        return compileInteger(schema);
      case "object":
        return compileObject(schema, compile);
    }
    const unsupported: Validate = (_value, errors, path, name) => void errors.push({ path: at(path, name), message: `has an unsupported schema type ${schema.type}` });
    return extension?.(schema, compile) ?? unsupported;
  };
  const compile: Compile = (schema) => {
    let validate = compiled.get(schema);
    if (validate === undefined) compiled.set(schema, (validate = build(schema)));
    return validate;
  };
  return compile;
}

/** Booleans, arrays and `anyOf` (the admin API's schemas have them; the card's do not). */
const booleansAndArrays: Extension = (schema, compile) => {
  if (schema.type === undefined) {
    const branches = schema.anyOf.map((inner) => ({ type: inner.type, validate: compile(inner) }));
    const expected = `must be ${schema.anyOf.map((inner) => `${/^[aeiou]/.test(inner.type) ? "an" : "a"} ${inner.type}`).join(" or ")}`;
    return (value, errors, path, name) => {
      const type = Array.isArray(value) ? "array" : typeof value === "number" ? "integer" : value === null ? "null" : typeof value;
      const branch = branches.find((inner) => inner.type === type);
      if (branch) branch.validate(value, errors, path, name);
      else errors.push({ path: at(path, name), message: expected });
    };
  }
  if (schema.type === "boolean") {
    return (value, errors, path, name) => void (typeof value !== "boolean" && errors.push({ path: at(path, name), message: "must be true or false" }));
  }
  if (schema.type === "array") {
    const { minItems, maxItems, uniqueItems } = schema;
    const items = compile(schema.items);
    return (value, errors, parent, own) => {
      const path = at(parent, own);
      if (!Array.isArray(value)) errors.push({ path, message: "must be a list" });
      else if (minItems !== undefined && value.length < minItems) {
        errors.push({ path, message: `must have at least ${minItems} item${minItems === 1 ? "" : "s"}` });
      } else if (maxItems !== undefined && value.length > maxItems) errors.push({ path, message: `must have at most ${maxItems} items` });
      else {
        value.forEach((item, index) => items(item, errors, path, String(index)));
        if (uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
          errors.push({ path, message: "must not repeat an item" });
        }
      }
    };
  }
  return undefined;
};

const compileAll = /* @__PURE__ */ compiler(booleansAndArrays);
const compileScalar = /* @__PURE__ */ compiler();

function escapePointer(name: string): string {
  return /[~/]/.test(name) ? name.replaceAll("~", "~0").replaceAll("/", "~1") : name;
}

/**
 * Checks `value` against `schema` and lists every failing field (JSON Pointer paths).
 * An empty list means the value is valid.
 *
 * A schema object is compiled on its first use and the result kept as long as the object
 * lives: to change a schema, make a new object rather than editing one already used.
 */
export function validateSchema(schema: Schema, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  compileAll(schema)(value, errors, "");
  return errors;
}

/**
 * {@link validateSchema} for schemas of strings, integers and objects only (the card's): the
 * same checks without the code for booleans and arrays, so a browser bundle that validates
 * cards does not carry it.
 */
export function validateScalarSchema(schema: Schema, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  compileScalar(schema)(value, errors, "");
  return errors;
}
