// The widget's files as the server serves them: embed.js with an ETag and a short cache, its
// source map where embed.js says it is, the content-hashed lazy chunks cached for a year, and
// the scripts precompressed (brotli, gzip) for clients that accept them.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync } from "node:zlib";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentOnly } from "../src/openapi.js";
import { chooseCoding, widgetDistDir, widgetRoutes } from "../src/routes/widget.js";
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

  it("sends the scripts precompressed to clients that accept it, each coding with its own ETag", async () => {
    const file = readFileSync(join(widgetDistDir()!, "embed.js"));
    const br = await raw("/embed.js", { "accept-encoding": "gzip, deflate, br, zstd" }); // what Chromium sends
    expect(br.status).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["vary"]).toMatch(/accept-encoding/i);
    expect(br.body.length).toBeLessThan(16 * 1024);
    expect(brotliDecompressSync(br.body).equals(file)).toBe(true);

    const gzip = await raw("/embed.js", { "accept-encoding": "gzip" });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.body).equals(file)).toBe(true);

    for (const acceptEncoding of [undefined, "identity", "deflate", "br;q=0, gzip;q=0"]) {
      const plain = await raw("/embed.js", acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding });
      expect(plain.headers["content-encoding"], String(acceptEncoding)).toBeUndefined();
      expect(plain.body.equals(file)).toBe(true);
      expect(plain.headers["vary"]).toMatch(/accept-encoding/i);
    }
    const tags = new Set([br.headers.etag, gzip.headers.etag, (await raw("/embed.js", {})).headers.etag]);
    expect(tags.size).toBe(3);

    // A 304 only for the representation the client would get: its coding's ETag.
    expect((await raw("/embed.js", { "accept-encoding": "br", "if-none-match": br.headers.etag! })).status).toBe(304);
    const other = await raw("/embed.js", { "accept-encoding": "gzip", "if-none-match": br.headers.etag! });
    expect(other.status).toBe(200);
    expect(other.headers["content-encoding"]).toBe("gzip");

    // The lazy chunks too; source maps (devtools only) go as they are.
    const sheet = readdirSync(widgetDistDir()!).find((name) => /^sheet\.[0-9a-f]+\.js$/.test(name))!;
    const chunk = await raw(`/widget/${sheet}`, { "accept-encoding": "br" });
    expect(chunk.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(chunk.body).equals(readFileSync(join(widgetDistDir()!, sheet)))).toBe(true);
    const map = await raw("/embed.js.map", { "accept-encoding": "br, gzip" });
    expect(map.headers["content-encoding"]).toBeUndefined();
    expect(map.headers["vary"]).toBeUndefined();
    // The compressed files themselves are not routes of their own.
    expect((await raw("/widget/embed.js.br", {})).status).toBe(404);
  });

  it("ignores a compressed form that does not decode to the file as it is (stale or damaged)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mc-widget-"));
    try {
      writeFileSync(join(dir, "embed.js"), "console.log('new build');");
      writeFileSync(join(dir, "embed.js.br"), brotliCompressSync("console.log('old build');")); // left from an earlier build
      writeFileSync(join(dir, "embed.js.gz"), Buffer.from("not gzip at all"));
      const app = Fastify();
      documentOnly(app); // the route schemas only document, as in the server
      await app.register(widgetRoutes(dir));
      const answer = await app.inject({ url: "/embed.js", headers: { "accept-encoding": "br, gzip" } });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["content-encoding"]).toBeUndefined();
      expect(answer.body).toBe("console.log('new build');");
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads Accept-Encoding by preference and q-value, and never fails on a malformed one", () => {
    const both = new Set(["br", "gzip"] as const);
    expect(chooseCoding(undefined, both)).toBeUndefined();
    expect(chooseCoding("gzip, br", both)).toBe("br");
    expect(chooseCoding("BR;Q=1", both)).toBe("br");
    expect(chooseCoding("br;q=0, gzip;q=0.1", both)).toBe("gzip");
    expect(chooseCoding("*", both)).toBe("br");
    expect(chooseCoding("*;q=0, gzip", both)).toBe("gzip");
    expect(chooseCoding("br", new Set(["gzip"] as const))).toBeUndefined();
    for (const junk of ["br;q=abc", ";;,,", "br;q=", "\u0000", "x".repeat(10_000)]) expect(chooseCoding(junk, both)).toBeUndefined();
  });
});

/** A request over plain `node:http`, so the body arrives as sent (fetch would decompress it). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers as Record<string, string | undefined>, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}
