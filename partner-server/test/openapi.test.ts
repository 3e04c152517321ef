/**
 * `GET /openapi.json`: a valid OpenAPI 3.1 document (checked with a maintained validator),
 * generated from the routes, with every route the app registers (so a new route without a
 * schema fails here), and true to what the server answers: live answers of real requests
 * validate against the document's response schemas, and name no field it does not document.
 */

import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsPlugin from "ajv-formats";
import { Validator } from "@seriousme/openapi-schema-validator";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isHttpsUrl } from "@minicard/sdk";
import { documentOnly } from "../src/openapi.js";
import { registeredRoutes } from "./support/routes.js";
import { cardInput, injectServer, postCard, seedWorld, type LocalServer } from "./support/server.js";

// ajv-formats is CommonJS: under Node's ESM its default import is `module.exports`.
const addFormats = addFormatsPlugin.default;

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const ORIGIN = "http://127.0.0.1:5999";
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

type Json = Record<string, any>;

/** The demo's routes: not part of the contract, left out of the document on purpose. */
const isDemo = (route: string) => {
  const path = route.split(" ")[1]!;
  return path === "/" || path.startsWith("/demo");
};

/** Fastify's `/v1/cards/:id` as OpenAPI's `/v1/cards/{id}`. */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

describe("GET /openapi.json", () => {
  let server: LocalServer;
  let document: Json;
  let response: Response;

  beforeAll(async () => {
    server = await injectServer({ config: { demo: true, issuer: "https://cards.example" } });
    response = await server.fetch("/openapi.json", { headers: { origin: "https://developer.example" } });
    document = JSON.parse(await response.text());
  });
  afterAll(() => server.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("names the configured issuer and the package's version; cacheable and open to every origin, like the JWKS", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([expect.objectContaining({ url: "https://cards.example" })]);
    expect(document.info.version).toBe(version);
    expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("documents every route the app registers, but the demo's", () => {
    const routes = registeredRoutes(server.server.app.printRoutes({ commonPrefix: false }));
    expect(routes).toContain("GET /demo/api/session");
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<Json>(document.paths)) {
      for (const method of METHODS) if (item[method]) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const contract = routes.filter((route) => !isDemo(route)).map((route) => `${route.split(" ")[0]} ${openApiPath(route.split(" ")[1]!)}`);
    expect(contract.filter((route) => !documented.has(route)), "routes missing from /openapi.json").toEqual([]);
    expect([...documented].filter((route) => !contract.includes(route)), "documented routes the app does not have").toEqual([]);
    expect(routes.filter(isDemo).length).toBeGreaterThan(3);
  });

  it("gives every operation a summary, a tag, a described success answer and the problem+json errors", () => {
    const problem = { $ref: "#/components/schemas/Problem" };
    for (const [path, item] of Object.entries<Json>(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const name = `${method.toUpperCase()} ${path}`;
        expect(operation.summary, name).toBeTruthy();
        expect(operation.tags, name).toHaveLength(1);
        const success = Object.entries<Json>(operation.responses).filter(([status]) => /^[23]/.test(status));
        expect(success.length, name).toBeGreaterThan(0);
        for (const [status, answer] of success) expect(answer.description, `${name} ${status}`).not.toBe("Default Response");
        expect(operation.responses.default?.content?.["application/problem+json"]?.schema, name).toEqual(problem);
        for (const [status, answer] of Object.entries<Json>(operation.responses)) {
          if (/^[45]/.test(status) && answer.content?.["application/problem+json"]) expect(answer.content["application/problem+json"].schema, `${name} ${status}`).toEqual(problem);
        }
        for (const parameter of (path.match(/\{(\w+)\}/g) ?? []).map((segment) => segment.slice(1, -1))) {
          expect(operation.parameters?.some((declared: Json) => declared.in === "path" && declared.name === parameter), `${name}: {${parameter}}`).toBe(true);
        }
      }
    }
  });

  it("names the credentials of each audience", () => {
    const { securitySchemes } = document.components;
    expect(Object.keys(securitySchemes).sort()).toEqual(["adminToken", "brandApiKey", "brandAssertion", "metricsToken"]);
    expect(securitySchemes.brandApiKey).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "mck_…" });
    expect(document.paths["/v1/cards"].post.security).toEqual([{ brandApiKey: [] }, { brandAssertion: [] }]);
    expect(document.paths["/v1/brands/me/stats"].get.security).toEqual([{ brandApiKey: [] }, { brandAssertion: [] }]);
    expect(document.paths["/v1/admin/brands"].post.security).toEqual([{ adminToken: [] }]);
    expect(document.paths["/metrics"].get.security).toEqual([{ metricsToken: [] }]);
    for (const path of ["/v1/events", "/v1/cards/status", "/.well-known/jwks.json", "/c/{id}", "/healthz"]) {
      expect(document.paths[path].get?.security ?? document.paths[path].post?.security, path).toBeUndefined();
    }
  });

  it("reuses the SDK's card schemas and documents the request parts", () => {
    const { schemas } = document.components;
    expect(schemas.Card.properties.app.properties.page.pattern).toBeTruthy();
    expect(schemas.CardInput.required).toContain("partner");
    const issue = document.paths["/v1/cards"].post;
    expect(issue.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/CardInput" });
    expect(issue.parameters).toContainEqual(expect.objectContaining({ in: "header", name: "Idempotency-Key" }));
    expect(Object.keys(issue.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "409", "422", "429", "503"]));
    expect(document.paths["/v1/events"].post.requestBody.content).toHaveProperty("text/plain");
    expect(document.paths["/v1/brands/me/stats"].get.parameters.map((parameter: Json) => parameter.name)).toEqual(["from", "to"]);
  });
});

describe("route schemas document only", () => {
  it("neither validate requests nor drop undocumented fields from answers", async () => {
    const app = Fastify();
    documentOnly(app);
    app.post(
      "/",
      {
        schema: {
          body: { type: "object", properties: { a: { type: "integer" } }, required: ["a"], additionalProperties: false },
          response: { 200: { type: "object", properties: { a: { type: "integer" } }, additionalProperties: false } },
        },
      },
      async (request) => ({ a: "not an integer", b: request.body }),
    );
    const answer = await app.inject({ method: "POST", url: "/", payload: { b: 1 } });
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe(JSON.stringify({ a: "not an integer", b: { b: 1 } }));
    await app.close();
  });
});

/** Live answers against the document. */
describe("what the server answers", () => {
  let server: LocalServer;
  let document: Json;
  let ajv: Ajv2020;
  const validators = new Map<string, ValidateFunction>();
  const checked: string[] = [];

  beforeAll(async () => {
    server = await injectServer();
    document = JSON.parse(await (await server.fetch("/openapi.json")).text());
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat("https-url", { type: "string", validate: isHttpsUrl });
    ajv.addSchema(document, "openapi.json");
  });
  afterAll(() => server.close());

  /** The operation of the document that serves `method path`. */
  function operationOf(method: string, path: string): { template: string; operation: Json } {
    const bare = path.split("?")[0]!;
    for (const [template, item] of Object.entries<Json>(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`);
      if (pattern.test(bare) && item[method.toLowerCase()]) return { template, operation: item[method.toLowerCase()] };
    }
    throw new Error(`no operation for ${method} ${bare} in /openapi.json`);
  }

  /** A JSON Pointer segment, as a URI fragment. */
  const segment = (text: string) => encodeURIComponent(text.replaceAll("~", "~0").replaceAll("/", "~1"));

  /** Resolves a local `$ref` of the document. */
  const resolve = (schema: Json): Json => (schema.$ref ? resolve(schema.$ref.slice(2).split("/").reduce((node: Json, key: string) => node[key], document)) : schema);

  /** Paths of `value` that `schema` does not declare (an object with `properties` declares those only). */
  function undocumented(schema: Json | undefined, value: unknown, at: string): string[] {
    if (!schema || value === null || typeof value !== "object") return [];
    const resolved = resolve(schema);
    if (resolved.allOf) {
      const merged = { type: "object", properties: Object.assign({}, ...resolved.allOf.map((part: Json) => resolve(part).properties ?? {})) };
      return undocumented(merged, value, at);
    }
    if (resolved.anyOf) return undocumented(resolved.anyOf.map(resolve).find((option: Json) => option.type === (Array.isArray(value) ? "array" : "object")), value, at);
    if (Array.isArray(value)) return value.flatMap((item, index) => undocumented(resolved.items, item, `${at}/${index}`));
    if (resolved.properties) {
      return Object.entries(value).flatMap(([key, field]) =>
        key in resolved.properties ? undocumented(resolved.properties[key], field, `${at}/${key}`) : [`${at}/${key}`],
      );
    }
    if (resolved.additionalProperties && typeof resolved.additionalProperties === "object") {
      return Object.entries(value).flatMap(([key, field]) => undocumented(resolved.additionalProperties, field, `${at}/${key}`));
    }
    return [];
  }

  /** Calls the server and checks the answer against the document: status, media type, body schema, no undocumented field. */
  async function call(method: string, path: string, init: RequestInit & { status: number }): Promise<Json | string | undefined> {
    const answer = await server.fetch(path, { ...init, method });
    expect(answer.status, `${method} ${path}`).toBe(init.status);
    const { template, operation } = operationOf(method, path);
    const status = String(answer.status);
    const response = operation.responses[status] ?? operation.responses.default;
    expect(response, `${method} ${template} ${status}: not documented`).toBeDefined();
    const text = await answer.text();
    if (!response.content) {
      expect(text, `${method} ${template} ${status}: a body, documented without one`).toBe("");
      return undefined;
    }
    const type = (answer.headers.get("content-type") ?? "").split(";")[0]!.trim();
    expect(Object.keys(response.content), `${method} ${template} ${status}`).toContain(type);
    if (!/json/.test(type)) return text;
    const body = JSON.parse(text) as unknown;
    const key = `${template} ${method} ${status} ${type}`;
    const responseKey = operation.responses[status] ? status : "default";
    let validate = validators.get(key);
    if (!validate) {
      const pointer = ["paths", template, method.toLowerCase(), "responses", responseKey, "content", type, "schema"].map(segment).join("/");
      validate = ajv.getSchema(`openapi.json#/${pointer}`)!;
      validators.set(key, validate);
    }
    expect(validate(body) ? [] : validate.errors, `${method} ${path} → ${status}: ${text.slice(0, 300)}`).toEqual([]);
    expect(undocumented(response.content[type].schema, body, ""), `${method} ${template} ${status}: fields missing from the document`).toEqual([]);
    checked.push(`${method} ${template} ${status}`);
    return body as Json;
  }

  it("validates issuance, reads, stats, events, the public documents and the errors", async () => {
    const { apiKey } = await seedWorld(server, { origins: [ORIGIN] });
    const brand = { authorization: `Bearer ${apiKey}` };
    const json = { ...brand, "content-type": "application/json" };

    // Issuance, and its errors.
    const issued = (await call("POST", "/v1/cards", {
      status: 201,
      headers: { ...json, "idempotency-key": "openapi-1" },
      body: JSON.stringify(cardInput({ surface: "feed", sharer: "alice", kind: "product", price: { amount: "29.90", currency: "CNY" }, description: "Two seats" })),
    })) as Json;
    await call("POST", "/v1/cards", { status: 201, headers: { ...json, "idempotency-key": "openapi-1" }, body: JSON.stringify(cardInput({ surface: "feed", sharer: "alice", kind: "product", price: { amount: "29.90", currency: "CNY" }, description: "Two seats" })) });
    const invalid = (await call("POST", "/v1/cards", { status: 400, headers: json, body: JSON.stringify(cardInput({ title: "" , app: { id: "x", page: "/abs" } })) })) as Json;
    expect(invalid.code).toBe("validation_failed");
    expect(invalid.errors.length).toBeGreaterThan(0);
    await call("POST", "/v1/cards", { status: 400, headers: json, body: "{" });
    await call("POST", "/v1/cards", { status: 401, headers: { "content-type": "application/json" }, body: JSON.stringify(cardInput()) });
    await call("POST", "/v1/cards", { status: 403, headers: json, body: JSON.stringify(cardInput({ partner: "nobody" })) });
    await call("POST", "/v1/cards", { status: 415, headers: { ...brand, "content-type": "application/xml" }, body: "<card/>" });
    await call("POST", "/v1/cards", { status: 429, headers: json, body: JSON.stringify(cardInput({ surface: "feed", sharer: "alice", title: "Again" })) });

    // The brand's reads.
    await call("GET", "/v1/cards?limit=1", { status: 200, headers: brand });
    await call("GET", "/v1/cards?limit=0", { status: 400, headers: brand });
    await call("GET", `/v1/cards/${issued.id}`, { status: 200, headers: brand });
    await call("GET", "/v1/cards/01KZZZZZZZZZZZZZZZZZZZZZZZ", { status: 404, headers: brand });
    await call("GET", "/v1/brands/me", { status: 200, headers: brand });

    // Beacons from the partner's page, then the stats they make.
    const visitor = "v-openapi";
    const events = (await call("POST", "/v1/events", {
      status: 202,
      headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN, "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148" },
      body: JSON.stringify({
        events: [
          { type: "impression", card: issued.id, visitor },
          { type: "impression", card: issued.id, visitor },
          { type: "click", card: issued.id, visitor },
          { type: "click", card: "nope", visitor },
        ],
      }),
    })) as Json;
    expect(events.results.map((result: Json) => result.status)).toEqual(["accepted", "duplicate", "accepted", "rejected"]);
    await call("POST", "/v1/events", { status: 403, headers: { "content-type": "application/json", origin: "https://elsewhere.example" }, body: JSON.stringify({ events: [] }) });
    await call("POST", "/v1/events", { status: 400, headers: { "content-type": "application/json", origin: ORIGIN }, body: JSON.stringify({ nope: 1 }) });
    const stats = (await call("GET", "/v1/brands/me/stats", { status: 200, headers: brand })) as Json;
    expect(stats.impressions).toBe(1);
    await call("GET", "/v1/brands/me/stats?from=yesterday", { status: 400, headers: brand });

    // Public documents.
    await call("GET", `/v1/cards/status?ids=${issued.id},01KZZZZZZZZZZZZZZZZZZZZZZZ`, { status: 200 });
    await call("GET", "/v1/cards/status", { status: 400 });
    await call("GET", "/.well-known/jwks.json", { status: 200 });
    await call("GET", "/.well-known/minicard-configuration", { status: 200 });
    await call("GET", "/v1/trending?partner=weibo&limit=5", { status: 200 });
    await call("GET", "/v1/trending?partner=nobody", { status: 404 });
    await call("GET", `/oembed?url=${encodeURIComponent(issued.url)}&maxwidth=300`, { status: 200 });
    await call("GET", `/oembed?url=${encodeURIComponent(issued.url)}&format=xml`, { status: 501 });
    await call("GET", `/c/${issued.id}`, { status: 200, headers: { accept: "application/json" } });
    await call("GET", `/c/${issued.id}`, { status: 200, headers: { accept: "text/html" } });
    await call("GET", "/c/01KZZZZZZZZZZZZZZZZZZZZZZZ", { status: 404, headers: { accept: "application/json" } });
    await call("GET", `/e/${issued.id}`, { status: 200 });
    await call("GET", "/healthz", { status: 200 });
    await call("GET", "/readyz", { status: 200 });
    await call("GET", "/metrics", { status: 404 });
    await call("GET", "/openapi.json", { status: 200 });

    // The operator's API.
    const admin = { authorization: "Bearer test-admin-token-0123456789" };
    await call("GET", "/v1/admin/partners", { status: 200, headers: admin });
    await call("GET", "/v1/admin/partners/weibo", { status: 200, headers: admin });
    await call("GET", "/v1/admin/partners/weibo/sharers", { status: 200, headers: admin });
    await call("GET", "/v1/admin/partners/weibo/keys", { status: 200, headers: admin });
    await call("PATCH", "/v1/admin/partners/weibo", { status: 200, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ limits: [{ scope: "brand", max: 100, windowSeconds: 60 }] }) });
    await call("GET", "/v1/admin/brands", { status: 200, headers: admin });
    await call("GET", "/v1/admin/brands/cinema", { status: 200, headers: admin });
    await call("POST", "/v1/admin/brands", { status: 409, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ id: "cinema", name: "Again", category: "campus", apps: ["2021000000000009"], surfaces: ["dm"] }) });
    await call("POST", "/v1/admin/brands", { status: 201, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ id: "noodles", name: "Noodles", category: "campus", apps: ["2021000000000009"], surfaces: ["dm"] }) });
    await call("GET", "/v1/admin/rollout", { status: 200, headers: admin });
    await call("PUT", "/v1/admin/rollout", { status: 200, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ categories: { campus: "2026-01-01" } }) });
    await call("GET", "/v1/admin/signing-keys", { status: 200, headers: admin });
    await call("GET", "/v1/admin/partners", { status: 401 });

    // Withdrawn: 204 without a body, then the share link's 410.
    await call("DELETE", `/v1/cards/${issued.id}`, { status: 204, headers: brand });
    await call("GET", `/c/${issued.id}`, { status: 410, headers: { accept: "application/json" } });
    await call("GET", `/c/${issued.id}`, { status: 410, headers: { accept: "text/html" } });

    expect(checked.length).toBeGreaterThan(40);
  });
});
