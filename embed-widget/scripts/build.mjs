#!/usr/bin/env node
// Bundles the compiled widget (dist/tsc, emitted by `tsc -b`) into:
//   dist/embed.js           the classic script partners paste (IIFE: Preact and the SDK's verifier)
//   dist/sheet.<hash>.js    the sheets and the QR encoder, loaded on the first tap that shows one
//   dist/status.<hash>.js   the revocation checker, loaded when the first check is due
//   dist/trending.<hash>.js <mini-program-trending>, loaded when a page has one
//   dist/index.js       the ESM entry of @minicard/widget for framework users (dependencies external)
// and beside each script served to pages its brotli (`.br`) and gzip (`.gz`) forms, compressed
// once here at the highest levels, which the partner server sends to browsers that accept them.
// Then prints the sizes (`scripts/size.mjs` enforces the budget in `npm test`).

import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { rollup } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";

const dir = new URL("..", import.meta.url).pathname;
const dist = `${dir}dist`;
const { version } = JSON.parse(readFileSync(`${dir}package.json`, "utf8"));

const minify = terser({
  ecma: 2020,
  compress: { passes: 3, pure_getters: true, unsafe_arrows: true, unsafe_methods: true },
  format: { comments: false },
});

/** Replaces build-time constants (`__NAME__`) with JSON values. */
function constants(values) {
  return {
    name: "constants",
    transform(code) {
      let out = code;
      for (const [name, value] of Object.entries(values)) out = out.replaceAll(name, JSON.stringify(value));
      return out === code ? null : { code: out, map: null };
    },
  };
}

/**
 * Drops the card schema's `description` and `errorMessage` annotations from the SDK inside
 * embed.js: they document the contract (docs/card.md is generated from them) but never
 * affect validation. (The SDK marks its module-level `TextEncoder`s, `TextDecoder` and
 * `fetch.bind` pure itself, so bundles that do not use them drop them.)
 */
const dropDescriptions = {
  name: "drop-descriptions",
  transform(code, id) {
    if (!id.includes("/sdk/dist/")) return null;
    const string = `"(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*'`;
    const out = code
      .replace(new RegExp(`\\bdescription: (?:${string}|\`[^\`\\n]*\`),\\s*`, "g"), "")
      // The helpers' shorthand `description,` (text() on its own line, httpsUrl() inline).
      .replace(/\n\s*description,(?=\n)/g, "")
      .replace(/\btype: "string", description, /g, 'type: "string", ')
      // text(64, "…") and httpsUrl("…"): the schema helpers' description arguments.
      .replace(/\b(text\(\d+, |httpsUrl\()"(?:[^"\\\n]|\\.)*"\)/g, '$1"")')
      // A literal message, or a named constant (PLAIN_TEXT_MESSAGE), which then goes unused.
      .replace(new RegExp(`\\berrorMessage: (?:${string}|[A-Z_]+),\\s*`, "g"), "");
    return out === code ? null : { code: out, map: null };
  },
};

/**
 * Drops the newlines after each rule of the stylesheets (`CSS = \`…\``): they are there for
 * the source's reader, and each costs an escaped `\n` in a bundle.
 */
const compactCss = {
  name: "compact-css",
  transform(code) {
    const out = code.replace(/\bCSS = `[^`]*`/g, (css) => css.replaceAll("}\n", "}"));
    return out === code ? null : { code: out, map: null };
  },
};

for (const name of readdirSync(dist)) {
  if (/\.(js|map|br|gz)$/.test(name)) rmSync(`${dist}/${name}`);
}

async function bundle(input, output, plugins, external) {
  const build = await rollup({ input: `${dist}/tsc/${input}`, plugins, external, onwarn: (warning, warn) => warning.code !== "CIRCULAR_DEPENDENCY" && warn(warning) });
  const { output: files } = await build.write({ dir: dist, sourcemap: true, hashCharacters: "hex", ...output });
  await build.close();
  return files;
}

const resolve = () => nodeResolve({ browser: true });

const [sheet] = await bundle("sheet/index.js", { format: "es", entryFileNames: "sheet.[hash].js" }, [compactCss, resolve(), minify]);
const [status] = await bundle("status/check.js", { format: "es", entryFileNames: "status.[hash].js" }, [resolve(), minify]);
const [trending] = await bundle("trending/element.js", { format: "es", entryFileNames: "trending.[hash].js" }, [compactCss, resolve(), minify]);
await bundle("embed.js", { format: "iife", entryFileNames: "embed.js", generatedCode: "es2015" }, [
  constants({ __SHEET_FILE__: sheet.fileName, __STATUS_FILE__: status.fileName, __TRENDING_FILE__: trending.fileName, __VERSION__: version }),
  dropDescriptions,
  compactCss,
  resolve(),
  minify,
]);
await bundle("index.js", { format: "es", entryFileNames: "index.js", chunkFileNames: "esm/[name].[hash].js" }, [], (id) => !id.startsWith(".") && !id.startsWith("/"));

// The scripts pages load, precompressed (source maps are for devtools: sent as they are).
for (const name of readdirSync(dist).filter((file) => file.endsWith(".js"))) {
  const body = readFileSync(`${dist}/${name}`);
  writeFileSync(`${dist}/${name}.br`, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  writeFileSync(`${dist}/${name}.gz`, gzipSync(body, { level: 9 }));
}

// Report only: the budget is enforced by `node embed-widget/scripts/size.mjs` in `npm test`.
await import("./size.mjs");
process.exitCode = 0;
