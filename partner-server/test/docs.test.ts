/**
 * Docs that must not drift from the code: every problem code in `src/problems.ts` is in
 * `docs/errors.md` with the same status (and nothing else is), and every route the app
 * registers is in the partner server README's HTTP API tables.
 */

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../src/problems.js";
import { registeredRoutes } from "./support/routes.js";
import { injectServer, type LocalServer } from "./support/server.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** `code → status` from the "Server codes" table of docs/errors.md. */
function documentedCodes(): Map<string, number> {
  const markdown = read("docs/errors.md");
  const section = markdown.split(/^## Server codes$/m)[1]?.split(/^## /m)[0] ?? "";
  const codes = new Map<string, number>();
  for (const match of section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) codes.set(match[1]!, Number(match[2]));
  return codes;
}

describe("docs/errors.md", () => {
  it("lists every code of problems.ts with its status", () => {
    const documented = documentedCodes();
    const missing = Object.keys(PROBLEMS).filter((code) => !documented.has(code));
    expect(missing, "codes missing from docs/errors.md").toEqual([]);
    for (const [code, { status }] of Object.entries(PROBLEMS)) expect(`${code} ${documented.get(code)}`).toBe(`${code} ${status}`);
  });

  it("lists no code that problems.ts does not have", () => {
    const unknown = [...documentedCodes().keys()].filter((code) => !(code in PROBLEMS));
    expect(unknown, "codes in docs/errors.md but not in problems.ts").toEqual([]);
  });

  it("is linked from the README's error section", () => {
    const errors = read("README.md").split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? "";
    expect(errors).toContain("(docs/errors.md)");
  });
});

describe("the partner server README", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await injectServer({ config: { demo: true } });
  });
  afterAll(() => server.close());

  it("documents every route the app registers", () => {
    const readme = read("partner-server/README.md");
    const routes = registeredRoutes(server.server.app.printRoutes({ commonPrefix: false }));
    expect(routes).toContain("POST /v1/cards");
    expect(routes).toContain("PUT /v1/admin/partners/:id/sharers/:sharer");
    // The demo app's own routes are summed up in one row: they are not part of the contract.
    const contract = routes.filter((route) => !route.split(" ")[1]!.startsWith("/demo"));
    const missing = contract.filter((route) => !readme.includes(`\`${route}\``));
    expect(missing, "routes missing from partner-server/README.md").toEqual([]);
    if (routes.length > contract.length) expect(readme).toContain("`GET /demo/…`");
  });
});
