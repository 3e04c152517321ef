// Static files and security headers as @fastify/static and @fastify/helmet serve them: the
// demo's pages revalidate with a 304, odd paths are a 404 problem (never a file outside the
// folder, never a 500), a missing page carries the app's CSP rather than the page's, the
// widget's script answers HEAD and ranges, and each route group gets its own headers.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CSP } from "../src/routes/demo.js";
import { startServer, type LocalServer } from "./support/server.js";

let server: LocalServer;

beforeAll(async () => {
  server = await startServer({ config: { demo: true } });
});

afterAll(async () => {
  await server.close();
});

describe("demo pages", () => {
  it("serves a page with its CSP and no-cache, and answers a revalidation with a 304", async () => {
    const page = await fetch(`${server.url}/demo/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(page.headers.get("content-security-policy")).toContain(DEMO_CSP.split(";")[0]);
    const etag = page.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(await page.text()).toContain("<!doctype html>");

    // As a browser revalidates (fetch() would add `Cache-Control: no-cache`, a forced reload, to a conditional request).
    const again = await fetch(`${server.url}/demo/index.html`, { headers: { "if-none-match": etag!, "cache-control": "max-age=0" } });
    expect(again.status).toBe(304);
    const script = await fetch(`${server.url}/demo/js/ui.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  it("answers a path outside the folder, a dotfile or a folder with a 404 problem", async () => {
    for (const path of ["/demo/../package.json", "/demo/..%2F..%2Fpackage.json", "/demo/%2E%2E/src/app.ts", "/demo/.env", "/demo/js/", "/demo/nope.html"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type"), path).toContain("application/problem+json");
      // The page's CSP is set only once its file is found.
      expect(response.headers.get("content-security-policy"), path).toMatch(/^default-src 'none';\s*frame-ancestors 'none'$/);
    }
  });
});

describe("widget files", () => {
  it("answers HEAD and a byte range of embed.js", async () => {
    const head = await fetch(`${server.url}/embed.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toMatch(/^"[\w-]{22}"$/);
    const range = await fetch(`${server.url}/embed.js`, { headers: { range: "bytes=0-9" } });
    expect(range.status).toBe(206);
    expect((await range.text()).length).toBe(10);
  });

  it("answers If-None-Match with a list, a weak tag or * with a 304", async () => {
    const etag = (await fetch(`${server.url}/embed.js`, { method: "HEAD" })).headers.get("etag")!;
    for (const tag of [`"other", ${etag}`, `W/${etag}`, "*"]) {
      expect((await fetch(`${server.url}/embed.js`, { headers: { "if-none-match": tag } })).status, tag).toBe(304);
    }
    expect((await fetch(`${server.url}/embed.js`, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  });
});

describe("security headers by route group", () => {
  it("lets other origins load what they embed, and only this origin the rest", async () => {
    for (const path of ["/embed.js", "/assets/card-page.css"]) {
      expect((await fetch(`${server.url}${path}`)).headers.get("cross-origin-resource-policy"), path).toBe("cross-origin");
    }
    for (const path of ["/healthz", "/nope", "/demo/index.html"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get("cross-origin-resource-policy"), path).toBe("same-origin");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      // CSP frame-ancestors decides who may frame a page; X-Frame-Options could only contradict it.
      expect(response.headers.get("x-frame-options"), path).toBeNull();
    }
  });

  it("keeps nosniff and the default CSP on answers the router gives before any hook runs", async () => {
    const response = await fetch(`${server.url}/c/%zz`);
    expect(response.status).toBe(400);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
