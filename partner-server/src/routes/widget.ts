/**
 * Serves the widget's built script: `/embed.js` (the stable URL partners paste, short cache
 * plus ETag) and `/widget/<file>` (content-hashed files such as the lazily loaded sheets and QR encoder,
 * cached for a year). The server does not import the widget's code; it serves its build
 * output (`embed-widget/dist`) as static files, streamed by `@fastify/static`.
 */

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { body, empty, fields, header, problemResponses } from "../openapi.js";
import { Problem } from "../problems.js";

/** A file of the widget's build: its type and the ETag of its content. */
interface Asset {
  type: string;
  etag: string;
}

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
      assets.set(name, { type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` });
    }),
  );
  return assets;
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
      reply.header("etag", asset.etag).header("cache-control", cacheControl);
      if (matches(request.headers["if-none-match"], asset.etag)) return reply.code(304).send();
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
