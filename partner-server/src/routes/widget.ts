/**
 * Serves the widget's built script: `/embed.js` (the stable URL partners paste, short cache
 * plus ETag) and `/widget/<file>` (content-hashed files such as the lazily loaded sheets and QR encoder,
 * cached for a year). The server does not import the widget's code; it serves its build
 * output (`embed-widget/dist`) as static files.
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Problem } from "../problems.js";

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
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

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

function load(dir: string | undefined): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!dir || !existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) {
  reply.header("etag", asset.etag).header("cache-control", cacheControl).header("cross-origin-resource-policy", "cross-origin");
  if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

/** The widget routes; `dir` defaults to the installed widget's build. */
export function widgetRoutes(dir: string | undefined = widgetDistDir()): FastifyPluginAsync {
  return async (app) => {
    let assets: Map<string, Asset> | undefined;
    const get = (name: string) => (assets ??= load(dir)).get(name);

    app.get("/embed.js", async (request, reply) => {
      const asset = get("embed.js");
      if (!asset) throw new Problem("not_found", "the widget is not built: run npm run build");
      // Partners paste this URL once: a short cache and an ETag let new versions reach them within minutes.
      return send(request, reply, asset, "public, max-age=300, stale-while-revalidate=86400");
    });

    // The source map embed.js names (`//# sourceMappingURL=embed.js.map`, relative to /embed.js).
    app.get("/embed.js.map", async (request, reply) => {
      const asset = get("embed.js.map");
      if (!asset) throw new Problem("not_found", "the widget is not built: run npm run build");
      return send(request, reply, asset, "public, max-age=300");
    });

    app.get<{ Params: { file: string } }>("/widget/:file", async (request, reply) => {
      const asset = /^[\w.-]+$/.test(request.params.file) ? get(request.params.file) : undefined;
      if (!asset) throw new Problem("not_found", `no widget file ${request.params.file}`);
      const hashed = /\.[0-9a-z]{8,}\.m?js$/i.test(request.params.file);
      return send(request, reply, asset, hashed ? "public, max-age=31536000, immutable" : "public, max-age=300");
    });
  };
}
