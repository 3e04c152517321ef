/**
 * Serves the widget's built script: `/embed.js` (the stable URL partners paste, short cache
 * plus ETag) and `/widget/<file>` (content-hashed files such as the lazily loaded sheets and QR encoder,
 * cached for a year). The server does not import the widget's code; it serves its build
 * output (`embed-widget/dist`) as static files, streamed by `@fastify/static`.
 *
 * The build also writes each script's brotli and gzip forms (`embed.js.br`, `embed.js.gz`),
 * compressed once at the highest levels: a browser that accepts one gets it (`embed.js` is
 * 40 KB as it is, 14 KB in brotli), with `Content-Encoding`, `Vary: Accept-Encoding` and an
 * ETag of its own. Nothing is compressed per request.
 */

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { promisify } from "node:util";
import { brotliDecompress, gunzip } from "node:zlib";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { body, empty, fields, header, problemResponses } from "../openapi.js";
import { Problem } from "../problems.js";

/** A content coding the build precompresses, in the server's order of preference. */
type Coding = "br" | "gzip";
const CODINGS: ReadonlyArray<{ coding: Coding; suffix: string; decode: (body: Buffer) => Promise<Buffer> }> = [
  { coding: "br", suffix: ".br", decode: promisify(brotliDecompress) },
  { coding: "gzip", suffix: ".gz", decode: promisify(gunzip) },
];

/** A file of the widget's build: its type, the ETag of its content, and its precompressed forms. */
interface Asset {
  type: string;
  etag: string;
  encoded: Map<Coding, { body: Buffer; etag: string }>;
}

const etagOf = (body: Buffer) => `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;

/** The widget's build folder, found through its package. */
export function widgetDistDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("@minicard/widget/package.json")), "dist");
  } catch {
    return undefined;
  }
}

/** The files served, by extension (the build folder also holds type declarations and build info). */
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** A content-hashed file name (`sheet.9187ef9a.js`): its content never changes. */
const HASHED = /\.[0-9a-z]{8,}\.m?js$/i;

/**
 * The build's files and their ETags, read once. The ETag is a hash of the content, not the
 * file's size and time as `@fastify/static` would make it: every instance behind a balancer
 * then gives the same file the same ETag, so a partner's visitors revalidate with a 304
 * whichever instance answers. The build does not change under a running server: restart it
 * after rebuilding the widget.
 */
async function catalogue(dir: string | undefined): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const names = dir ? await readdir(dir).catch(() => []) : [];
  await Promise.all(
    names.map(async (name) => {
      const type = TYPES[extname(name)];
      if (!type || !dir) return;
      const body = await readFile(join(dir, name));
      const encoded = new Map<Coding, { body: Buffer; etag: string }>();
      for (const { coding, suffix, decode } of CODINGS) {
        const packed = await readFile(join(dir, name + suffix)).catch(() => undefined);
        // Only a form that decodes to the file as it is now: one left from an earlier build, or
        // damaged, is ignored, and clients get the file itself.
        const same = packed && (await decode(packed).catch(() => undefined))?.equals(body);
        if (packed && same) encoded.set(coding, { body: packed, etag: etagOf(packed) });
      }
      assets.set(name, { type, etag: etagOf(body), encoded });
    }),
  );
  return assets;
}

/**
 * The coding to send, of those `available`: the most preferred one (br, then gzip) that
 * `Accept-Encoding` accepts with a q-value above 0, by name or by `*` (RFC 9110, section
 * 12.5.3); none (the file as it is) without the header or when nothing acceptable is available.
 */
export function chooseCoding(acceptEncoding: string | undefined, available: { has(coding: Coding): boolean }): Coding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...parameters] = part.split(";").map((piece) => piece.trim());
    if (!name) continue;
    const q = parameters.find((parameter) => /^q\s*=/.test(parameter));
    const weight = q === undefined ? 1 : Number(q.replace(/^q\s*=\s*/, ""));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  return CODINGS.map(({ coding }) => coding).find((coding) => available.has(coding) && (weights.get(coding) ?? weights.get("*") ?? 0) > 0);
}

/** True when an `If-None-Match` header names `etag` (RFC 9110, section 13.1.2: weak comparison, or `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

const revalidated = { 304: empty("Not modified (`If-None-Match` named the ETag).", { ETag: header("A hash of the content: the same on every instance.") }) };
const file = (summary: string, description: string, types: string[]) => ({
  summary,
  response: { 200: body(description, { type: "string" }, { types, headers: { ETag: header("A hash of the content.") } }), ...revalidated, ...problemResponses("not_found") },
});

/** The widget routes' schemas, for `/openapi.json`. */
const embedJsSchema = file("The widget script", "`embed.js`: cached 5 minutes, then revalidated.", ["text/javascript"]);
const sourceMapSchema = file("The widget script's source map", "For devtools; no CORS.", ["application/json"]);
const widgetFileSchema = {
  ...file("The widget's other built files", "Content-hashed names are `immutable` for a year.", ["text/javascript", "application/json", "text/css"]),
  params: fields({ file: { type: "string" } }, ["file"]),
};

/** The widget routes; `dir` defaults to the installed widget's build. */
export function widgetRoutes(dir: string | undefined = widgetDistDir()): FastifyPluginAsync {
  return async (app) => {
    // `reply.sendFile` only: the routes below choose what is served and how long it is cached.
    await app.register(fastifyStatic, { serve: false });
    let assets: Promise<Map<string, Asset>> | undefined;

    const send = async (request: FastifyRequest, reply: FastifyReply, name: string, cacheControl: string) => {
      const built = await (assets ??= catalogue(dir));
      const asset = built.get(name);
      if (!asset) throw new Problem("not_found", built.size === 0 ? "the widget is not built: run npm run build" : `no widget file ${name}`);
      const coding = chooseCoding(request.headers["accept-encoding"], asset.encoded);
      const encoded = coding ? asset.encoded.get(coding) : undefined;
      const etag = encoded?.etag ?? asset.etag;
      reply.header("etag", etag).header("cache-control", cacheControl);
      // Caches keep one copy per coding of a file that has several.
      if (asset.encoded.size > 0) {
        const vary = reply.getHeader("vary");
        reply.header("vary", vary ? `${String(vary)}, Accept-Encoding` : "Accept-Encoding");
      }
      if (matches(request.headers["if-none-match"], etag)) return reply.code(304).send();
      if (encoded) return reply.type(asset.type).header("content-encoding", coding).send(encoded.body);
      // The file is streamed from disk; the ETag and the type are ours (see `catalogue`).
      return reply.type(asset.type).sendFile(name, dir!, { etag: false, lastModified: false, cacheControl: false, contentType: false });
    };

    // Partners paste this URL once: a short cache and an ETag let new versions reach them within minutes.
    app.get("/embed.js", { config: { securityHeaders: "embeddable" }, schema: embedJsSchema }, (request, reply) =>
      send(request, reply, "embed.js", "public, max-age=300, stale-while-revalidate=86400"),
    );

    // The source map embed.js names (`//# sourceMappingURL=embed.js.map`, relative to /embed.js); for devtools, so no CORS.
    app.get("/embed.js.map", { config: { cors: false, securityHeaders: "embeddable" }, schema: sourceMapSchema }, (request, reply) => send(request, reply, "embed.js.map", "public, max-age=300"));

    app.get<{ Params: { file: string } }>("/widget/:file", { config: { securityHeaders: "embeddable" }, schema: widgetFileSchema }, (request, reply) => {
      const name = request.params.file;
      return send(request, reply, name, HASHED.test(name) ? "public, max-age=31536000, immutable" : "public, max-age=300");
    });
  };
}
