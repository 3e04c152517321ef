// Differential test of the hand-written card validator (src/card/json-schema.ts) against ajv,
// a full JSON Schema 2020-12 validator, on the card schemas (cardSchema, the token's `card`
// claim, and cardInputSchema, the body of POST /v1/cards). For any JSON value, and for valid
// cards with one field mutated, both accept or both refuse, and they name the same failing
// fields (JSON Pointers).
//
// ajv runs with ajv-formats and with our two extensions as ajv keywords: the format
// `https-url` and the keyword `x-maxBytes` (UTF-8 length), plus `errorMessage` declared as
// an annotation (it only words the message of a failed `pattern`). The rules across fields
// (a product needs a price, ...) are not JSON Schema: validateCard adds them on top and
// schema.test.ts checks them.
//
// Run counts are in RUNS.

import { Buffer } from "node:buffer";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateScalarSchema, validateSchema, type Schema } from "../../src/card/json-schema.js";
import { cardInputSchema, cardSchema, isHttpsUrl, type FieldError } from "../../src/index.js";

const RUNS = { json: 3000, cardLike: 3000, nearValid: 5000 } as const;

// ajv-formats is CommonJS: under Node's ESM its default import is `module.exports`, whose
// `default` is the plugin.
const addFormats = addFormatsPlugin.default;

function referenceValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  // The standard formats: a schema that starts using one (`uri`, `date-time`) is checked
  // here at once, and this test fails until the hand-written validator checks it too.
  addFormats(ajv);
  // Ours, defined by isHttpsUrl (its own properties are in security/properties.test.ts).
  ajv.addFormat("https-url", { type: "string", validate: isHttpsUrl });
  ajv.addKeyword({
    keyword: "x-maxBytes",
    type: "string",
    schemaType: "number",
    errors: false,
    validate: (maxBytes: number, data: string) => Buffer.byteLength(data, "utf8") <= maxBytes,
  });
  ajv.addKeyword({ keyword: "errorMessage", schemaType: "string" });
  return ajv;
}

const ajv = referenceValidator();

interface Subject {
  name: string;
  schema: Schema;
  reference: ValidateFunction;
  valid: Record<string, unknown>;
}

const FULL_APP = { id: "2021000000000001", page: "pages/detail/index?id=42&from=share", query: "utm_source=weibo&x=%E4%B8%AD" };

/** Valid for the schema alone: every field present (the rules across fields are not checked here). */
const SUBJECTS: Subject[] = [
  {
    name: "cardSchema",
    schema: cardSchema,
    reference: ajv.compile(cardSchema),
    valid: {
      v: 1,
      kind: "product",
      surface: "feed",
      app: FULL_APP,
      title: "Tonight's films 🎬",
      description: "Two seats, one price.",
      image: "https://cdn.example/cover.png",
      icon: "https://cdn.example/icon.png",
      sharer: "alice.w@weibo",
      cta: "Book",
      price: { amount: "29.90", currency: "CNY" },
      membership: { benefit: "Free popcorn", trialDays: 7 },
      brand: { name: "Cinema One", logo: "https://cdn.example/logo.png" },
    },
  },
  {
    name: "cardInputSchema",
    schema: cardInputSchema,
    reference: ajv.compile(cardInputSchema),
    valid: {
      partner: "weibo",
      kind: "membership",
      surface: "profile",
      app: FULL_APP,
      title: "Members' night",
      description: "Join now, pay later.",
      image: "https://cdn.example/cover.png",
      icon: "https://cdn.example/icon.png",
      sharer: "bob",
      cta: "Join",
      price: { amount: "0", currency: "USD" },
      membership: { benefit: "Early booking", trialDays: 366 },
      ttlSeconds: 3600,
      sharerPass: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJib2IifQ.c2ln",
    },
  },
];

function escapePointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The fields ajv names: `required` and `additionalProperties` point at the field itself, as ours do. */
function referencePaths(errors: readonly ErrorObject[]): string[] {
  const paths = errors.map((error) => {
    if (error.keyword === "required") return `${error.instancePath}/${escapePointer(String(error.params.missingProperty))}`;
    if (error.keyword === "additionalProperties") return `${error.instancePath}/${escapePointer(String(error.params.additionalProperty))}`;
    return error.instancePath;
  });
  return [...new Set(paths)].sort();
}

/**
 * Our fields as JSON Pointers. Ours names the whole value `/` when it is not an object (the
 * API's errors say so, and schema.test.ts checks it); as a JSON Pointer that is `""`, and
 * `/` is a property named "" (which ours also names `/`, as it should).
 */
function ourPaths(errors: readonly FieldError[], value: unknown): string[] {
  const rootIsObject = typeof value === "object" && value !== null && !Array.isArray(value);
  return [...new Set(errors.map((error) => (error.path === "/" && !rootIsObject ? "" : error.path)))].sort();
}

/** The verdicts of both validators on `value`: refused fields, as sorted sets of JSON Pointers. */
function verdicts(subject: Subject, value: unknown) {
  const ok = subject.reference(value);
  return {
    reference: ok ? [] : referencePaths(subject.reference.errors ?? []),
    ours: ourPaths(validateScalarSchema(subject.schema, value), value),
    // The bundle's validator and the server's (with booleans and arrays) must not drift apart either.
    full: ourPaths(validateSchema(subject.schema, value), value),
  };
}

function expectAgreement(subject: Subject, value: unknown): void {
  const { reference, ours, full } = verdicts(subject, value);
  expect({ valid: ours.length === 0, paths: ours }, JSON.stringify(value)).toEqual({ valid: reference.length === 0, paths: reference });
  expect(full).toEqual(ours);
}

// ---------------------------------------------------------------------------------------
// Where values come from

interface Field {
  /** Property names from the root. */
  at: string[];
  schema: Schema;
  /** Whether the parent object requires it. */
  required: boolean;
}

/** Every field of a schema, depth first. */
function fieldsOf(schema: Schema, at: string[] = []): Field[] {
  if (schema.type !== "object") return [];
  return Object.entries(schema.properties).flatMap(([name, field]) => [
    { at: [...at, name], schema: field, required: (schema.required ?? []).includes(name) },
    ...fieldsOf(field, [...at, name]),
  ]);
}

/** The objects of a schema (the root included), where a property can be added. */
function objectsOf(schema: Schema, at: string[] = []): string[][] {
  if (schema.type !== "object") return [];
  return [at, ...Object.entries(schema.properties).flatMap(([name, field]) => objectsOf(field, [...at, name]))];
}

/** A deep copy of `value` with the field at `at` replaced (or removed, for `undefined`). */
function withField(value: Record<string, unknown>, at: string[], replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let parent: Record<string, unknown> = copy;
  for (const name of at.slice(0, -1)) parent = parent[name] as Record<string, unknown>;
  const last = at[at.length - 1]!;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

const ANY_OTHER_TYPE = [null, true, false, 0, -1, 1.5, 1e300, "", "1", [], ["a"], {}, { a: 1 }];

/** Characters that stress counting and patterns: astral (two UTF-16 units), combining, bidi, controls, fillers, lone surrogates. */
const TRICKY = fc.constantFrom(..."a Z9_-.~%=&?/@:é中😀\u0301\u00A0\u3000\u115F\u3164\u2800\u00AD\u200B\u200E\u202E\u2066\uFEFF\u0000\n\t\u007F\u0085\u{E0041}\uD800\uDC00".split(/(?:)/u));
const trickyString = (maxLength: number) =>
  fc.oneof(fc.string({ unit: "binary", maxLength }), fc.string({ unit: TRICKY, maxLength }), fc.string({ unit: "grapheme-composite", maxLength }));

const BAD_URLS = [
  "http://cdn.example/a.png", "https:", "https://", "https:///a", "//cdn.example/a.png", "/a.png", "https://user:pw@cdn.example/a.png",
  "https://:pw@cdn.example/", " https://cdn.example/", "https://cdn.example/a b", "https://cdn.example/\u0000", "javascript:alert(1)",
  "HTTPS://CDN.EXAMPLE/A.PNG", "https://例え.jp/画像.png", "https://[::1]/", "https://cdn.example:99999/", "https://cdn.example/\u0085",
  `https://cdn.example/${"a".repeat(2030)}`, `https://cdn.example/${"a".repeat(2040)}`,
];

/** Values near what a field accepts: over and at its limits, of the wrong type, of a bad format or pattern, anything. */
function mutationOf(field: Field): fc.Arbitrary<unknown> {
  const { schema } = field;
  const options: fc.Arbitrary<unknown>[] = [fc.constantFrom(...ANY_OTHER_TYPE), fc.jsonValue({ maxDepth: 2 })];
  if (!field.required) options.push(fc.constant(undefined)); // removing an optional field keeps it valid
  else options.push(fc.constant(undefined)); // a missing required field
  if (schema.type === "string") {
    const max = schema.maxLength ?? schema["x-maxBytes"] ?? 64;
    options.push(trickyString(Math.min(max + 2, 80)));
    if (schema.maxLength !== undefined) {
      // At and over the limit, counted in code points (an astral character is one, not two).
      for (const unit of ["a", "😀", "é", "中"]) {
        options.push(fc.constantFrom(unit.repeat(schema.maxLength), unit.repeat(schema.maxLength + 1), unit.repeat(Math.max(0, schema.maxLength - 1))));
      }
    }
    if (schema["x-maxBytes"] !== undefined) {
      const bytes = schema["x-maxBytes"];
      options.push(fc.constantFrom(`a=${"b".repeat(bytes - 2)}`, `a=${"b".repeat(bytes - 1)}`, `a=${"%E4".repeat(Math.ceil(bytes / 3))}`, `a=${"中".repeat(bytes)}`));
    }
    if (schema.enum) options.push(fc.constantFrom(...schema.enum.map((value) => value.toUpperCase()), ...schema.enum.map((value) => ` ${value}`)));
    if (schema.format === "https-url") {
      options.push(fc.constantFrom(...BAD_URLS), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.webUrl().map((url) => url.replace(/^http:/, "https:")));
    }
  }
  if (schema.type === "integer") {
    const near = [schema.minimum, schema.maximum, schema.const].filter((value): value is number => value !== undefined);
    options.push(
      fc.constantFrom(...near.flatMap((value) => [value - 1, value, value + 1, value + 0.5]), -0, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1.0),
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
  }
  if (schema.type === "object") {
    options.push(fc.dictionary(fc.constantFrom(...Object.keys(schema.properties), "extra", "__proto__", "constructor", "a/b", "~"), fc.jsonValue({ maxDepth: 1 })));
  }
  return fc.oneof(...options);
}

/** A valid value with one field mutated, or one property added to one of its objects. */
function nearValid(subject: Subject): fc.Arbitrary<unknown> {
  const fields = fieldsOf(subject.schema);
  const objects = objectsOf(subject.schema);
  const mutated = fc
    .constantFrom(...fields)
    .chain((field) => mutationOf(field).map((replacement) => withField(subject.valid, field.at, replacement)));
  const extra = fc
    .tuple(fc.constantFrom(...objects), fc.oneof(fc.constantFrom("extra", "Title", "title ", "__proto__", "toString", "hasOwnProperty", "a~b/c"), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 1 }))
    .map(([at, name, value]) => {
      const copy = structuredClone(subject.valid);
      let target: Record<string, unknown> = copy;
      for (const step of at) target = target[step] as Record<string, unknown>;
      Object.defineProperty(target, name, { value, enumerable: true, configurable: true, writable: true });
      return copy;
    });
  // Two fields at once: the validators must name both.
  const twice = fc
    .tuple(fc.constantFrom(...fields), fc.constantFrom(...fields))
    .chain(([first, second]) =>
      fc.tuple(mutationOf(first), mutationOf(second)).map(([a, b]) => {
        const once = withField(subject.valid, first.at, a);
        // The second field's parent may be gone or replaced by the first mutation.
        const parent = second.at.slice(0, -1).reduce<unknown>((node, name) => (node as Record<string, unknown> | undefined)?.[name], once);
        return typeof parent === "object" && parent !== null && !Array.isArray(parent) ? withField(once, second.at, b) : once;
      }),
    );
  return fc.oneof({ arbitrary: mutated, weight: 6 }, { arbitrary: extra, weight: 2 }, { arbitrary: twice, weight: 2 });
}

/** Objects with the card's field names and any JSON values in them. */
function cardLike(subject: Subject): fc.Arbitrary<unknown> {
  const names = Object.keys(subject.valid);
  return fc
    .tuple(fc.subarray(names), fc.dictionary(fc.constantFrom(...names, "extra"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }))
    .map(([kept, replaced]) => ({ ...Object.fromEntries(kept.map((name) => [name, subject.valid[name]])), ...replaced }));
}

// ---------------------------------------------------------------------------------------

describe.each(SUBJECTS)("the hand-written validator agrees with ajv (JSON Schema 2020-12) on $name", (subject) => {
  it("accepts the valid value, as ajv does", () => {
    expect(verdicts(subject, subject.valid)).toEqual({ reference: [], ours: [], full: [] });
  });

  it("agrees on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectAgreement(subject, value)),
      { numRuns: RUNS.json },
    );
  });

  it("agrees on objects with the card's field names holding any JSON", () => {
    fc.assert(
      fc.property(cardLike(subject), (value) => expectAgreement(subject, value)),
      { numRuns: RUNS.cardLike },
    );
  });

  it("agrees on valid values with fields mutated: wrong type, too long, bad format or pattern, extra property, missing", () => {
    fc.assert(
      fc.property(nearValid(subject), (value) => expectAgreement(subject, value)),
      { numRuns: RUNS.nearValid },
    );
  });

  it.each(fieldsOf(subject.schema).map((field) => [field.at.join("/"), field] as const))("refuses /%s of a wrong type, both naming it", (_, field) => {
    for (const wrong of ANY_OTHER_TYPE) {
      const sameType =
        (field.schema.type === "string" && typeof wrong === "string") ||
        (field.schema.type === "integer" && typeof wrong === "number") ||
        (field.schema.type === "object" && typeof wrong === "object" && wrong !== null && !Array.isArray(wrong));
      if (sameType) continue;
      const value = withField(subject.valid, field.at, wrong);
      expectAgreement(subject, value);
      expect(verdicts(subject, value).ours).toEqual([`/${field.at.map(escapePointer).join("/")}`]);
    }
  });
});
