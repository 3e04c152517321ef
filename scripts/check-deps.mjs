#!/usr/bin/env node
// Keeps the packages' dependencies pointing one way:
//   sdk            → jose only, and no Node built-ins (it runs in browsers and workers)
//   embed-widget   → @minicard/sdk, preact and uqr (the QR encoder, loaded lazily); no Node built-ins
//   partner-server → @minicard/sdk and server libraries; never the widget's code (it resolves
//                    the widget's package only to serve its built files). @fastify/swagger
//                    generates /openapi.json from the route schemas (src/openapi.ts); no UI.
//   test-corpus    → @minicard/sdk only: the corpora several packages' tests share
//   e2e            → public entry points only: package names as their `exports` publish them,
//                    and relative paths that stay in e2e/ or test-corpus/ (never another
//                    package's src/ or test/)
// An allowed package that no source imports is refused too, so the table cannot go stale.
// Fails with a list of offending imports. Like Playwright's DEPS.list, but one table.
// `node scripts/check-deps.mjs [root]` checks the checkout at `root` (default: this one).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinModules } from "node:module";

const root = resolve(process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url)));

/**
 * Per folder of source: the packages it may import (`allow`), the packages it may only
 * resolve for their files (`resolve`), and whether Node built-ins are allowed.
 */
const RULES = {
  "sdk/src": { allow: ["jose"], node: false },
  "embed-widget/src": { allow: ["@minicard/sdk", "preact", "uqr"], node: false },
  "partner-server/src": {
    allow: ["@minicard/sdk", "fastify", "@fastify/cors", "helmet", "@fastify/static", "@fastify/swagger", "prom-client", "kysely", "better-sqlite3", "pg", "ioredis", "ulid", "jose", "uqr", "isbot"],
    resolve: ["@minicard/widget"],
    node: true,
  },
  "test-corpus": { allow: ["@minicard/sdk"], node: false },
};

/** Folders e2e may reach with a relative import. */
const E2E_REACH = ["e2e", "test-corpus"];

const builtins = new Set(builtinModules);
/** Static imports and re-exports, side-effect imports, `import()` and `require()`: code that is loaded. */
const IMPORT = /(?:^|[^.\w])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']|(?:^|[^.\w])require\(\s*["']([^"']+)["']\s*\)/gm;
/** `require.resolve()` and `createRequire(…).resolve()`: a package's files are located, not loaded. */
const RESOLVE = /\b(?:require|createRequire\([^()]*\))\.resolve\(\s*["']([^"']+)["']\s*\)/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

/** Every specifier in `text`, with whether it is loaded (`import`) or only located (`resolve`). */
function* specifiers(text) {
  for (const match of text.matchAll(IMPORT)) yield { specifier: match[1] ?? match[2] ?? match[3] ?? match[4], kind: "import" };
  for (const match of text.matchAll(RESOLVE)) yield { specifier: match[1], kind: "resolve" };
}

function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const inside = (path, folder) => path === join(root, folder) || path.startsWith(join(root, folder) + sep);

const problems = [];
for (const [folder, rule] of Object.entries(RULES)) {
  const packageFolder = folder.split("/")[0];
  const unused = new Set([...rule.allow, ...(rule.resolve ?? [])]);
  for (const file of sourceFiles(join(root, folder))) {
    const where = relative(root, file);
    for (const { specifier, kind } of specifiers(readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) {
        if (!inside(resolve(dirname(file), specifier), packageFolder)) problems.push(`${where}: reaches into another package (${specifier})`);
        continue;
      }
      const name = packageOf(specifier);
      if (specifier.startsWith("node:") || builtins.has(name)) {
        if (!rule.node) problems.push(`${where}: imports the Node built-in ${specifier} (this package must run in browsers)`);
        continue;
      }
      const allowed = rule.allow.includes(name) || (kind === "resolve" && rule.resolve?.includes(name));
      if (allowed) unused.delete(name);
      else problems.push(`${where}: ${kind === "resolve" ? "resolves" : "imports"} ${specifier}, not allowed in ${packageFolder}`);
    }
  }
  for (const name of unused) problems.push(`${folder}: allows ${name}, which nothing there uses (remove it from scripts/check-deps.mjs)`);
}

/** `@minicard/<name>` → the subpaths its package.json `exports` publishes (".", "./package.json", …). */
const published = new Map();
for (const folder of ["sdk", "embed-widget", "partner-server"]) {
  const manifest = JSON.parse(readFileSync(join(root, folder, "package.json"), "utf8"));
  const exports = typeof manifest.exports === "object" && manifest.exports !== null ? Object.keys(manifest.exports) : ["."];
  published.set(manifest.name, new Set(exports.filter((key) => key.startsWith("."))));
}

// e2e may use any package, but only through what the workspace packages publish.
for (const file of sourceFiles(join(root, "e2e"))) {
  const where = relative(root, file);
  for (const { specifier } of specifiers(readFileSync(file, "utf8"))) {
    if (specifier.startsWith(".")) {
      const target = resolve(dirname(file), specifier);
      if (!E2E_REACH.some((folder) => inside(target, folder))) problems.push(`${where}: imports ${specifier}; use the package's public entry point (or test-corpus/ for shared corpora)`);
      continue;
    }
    const name = packageOf(specifier);
    if (!published.has(name)) continue;
    const subpath = specifier === name ? "." : `.${specifier.slice(name.length)}`;
    if (!published.get(name).has(subpath)) problems.push(`${where}: imports ${specifier}; use the package's public entry point`);
  }
}

if (problems.length > 0) {
  console.error(`Dependency rules broken (scripts/check-deps.mjs):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("dependency rules: ok");
