#!/usr/bin/env node
// Keeps the packages' dependencies pointing one way (DESIGN.md, "Packages"):
//   sdk            → jose only, and no Node built-ins (it runs in browsers and workers)
//   embed-widget   → @minicard/sdk, preact, jose (and its lazily loaded QR encoder)
//   partner-server → @minicard/sdk and server libraries; never the widget's code
//   e2e            → public entry points only (package names, never another package's src/)
// Fails with a list of offending imports. Like Playwright's DEPS.list, but one table.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { builtinModules } from "node:module";

const root = new URL("..", import.meta.url).pathname;

/** Allowed bare imports per package folder; `node:` means Node built-ins are allowed. */
const RULES = {
  sdk: { allow: ["jose"], node: false },
  "embed-widget": { allow: ["@minicard/sdk", "preact", "jose", "uqr", "lean-qr", "qrcode-generator"], node: false },
  "partner-server": {
    allow: ["@minicard/sdk", "fastify", "@fastify/cors", "@fastify/helmet", "@fastify/static", "prom-client", "kysely", "better-sqlite3", "pg", "ioredis", "ulid", "jose", "uqr", "isbot"],
    node: true,
  },
};

const builtins = new Set(builtinModules);
const IMPORT = /(?:^|[^.\w])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) yield path;
  }
}

function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const problems = [];
for (const [folder, rule] of Object.entries(RULES)) {
  for (const file of sourceFiles(join(root, folder, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith(".")) {
        const target = join(file, "..", specifier);
        if (!target.startsWith(join(root, folder))) problems.push(`${relative(root, file)}: reaches into another package (${specifier})`);
        continue;
      }
      const isBuiltin = specifier.startsWith("node:") || builtins.has(packageOf(specifier));
      if (isBuiltin) {
        if (!rule.node) problems.push(`${relative(root, file)}: imports the Node built-in ${specifier} (this package must run in browsers)`);
        continue;
      }
      if (!rule.allow.includes(packageOf(specifier))) problems.push(`${relative(root, file)}: imports ${specifier}, not allowed in ${folder}`);
    }
  }
}

// e2e and tests may use anything, but only through package entry points.
for (const folder of ["e2e"]) {
  let files = [];
  try {
    files = [...sourceFiles(join(root, folder))].filter((file) => !file.includes("node_modules"));
  } catch {
    continue;
  }
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (/^@minicard\/[^/]+\/src\//.test(specifier) || /\.\.\/(sdk|partner-server|embed-widget)\/src\//.test(specifier)) {
        problems.push(`${relative(root, file)}: imports ${specifier}; use the package's public entry point`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`Dependency rules broken (scripts/check-deps.mjs):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("dependency rules: ok");
