// The widget's files as the server serves them: embed.js with an ETag and a short cache, its
// source map where embed.js says it is, and the content-hashed lazy chunks cached for a year.

import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { widgetDistDir } from "../src/routes/widget.js";
import { startServer, type LocalServer } from "./support/server.js";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

describe("widget files", () => {
  it("serves embed.js with an ETag, a short cache, and 304 on a matching If-None-Match", async () => {
    const first = await fetch(`${server.url}/embed.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(first.headers.get("cache-control")).toContain("max-age=300");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const body = await first.text();
    expect(body).toContain("sourceMappingURL=embed.js.map");

    const again = await fetch(`${server.url}/embed.js`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
  });

  it("serves the source map embed.js points to", async () => {
    const response = await fetch(`${server.url}/embed.js.map`);
    expect(response.status).toBe(200);
    const map = (await response.json()) as { version: number; sources: string[] };
    expect(map.version).toBe(3);
    expect(map.sources.length).toBeGreaterThan(0);
  });

  it("serves the content-hashed sheet chunk as immutable, and 404s unknown or path-like names", async () => {
    const sheet = readdirSync(widgetDistDir()!).find((name) => /^sheet\.[0-9a-f]+\.js$/.test(name));
    expect(sheet).toBeDefined();
    const response = await fetch(`${server.url}/widget/${sheet}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");

    for (const name of ["nope.js", "..%2Fpackage.json", "%2E%2E%2Fsrc%2Fembed.ts"]) {
      const missing = await fetch(`${server.url}/widget/${name}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
