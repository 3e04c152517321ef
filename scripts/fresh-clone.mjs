#!/usr/bin/env node
// The README's first steps on a fresh clone, as a new user takes them: clone this
// repository's HEAD into a temporary folder, `npm ci` there (which builds, through the root
// `prepare` script), then `npx --no-install minicard-server --help` and `migrate`. It guards
// the bin link: npm links workspace bins before `prepare` builds `dist/`, so a bin pointing
// into `dist/` was never linked and `npx` fetched a public package of that name (issue 12).
//
// Real but slow (about 1–2 minutes: better-sqlite3 compiles, the build runs), so it is a step
// of `.ci/run`, not part of `npm test`. It installs from the npm cache first
// (`--prefer-offline`). Committed work only: the clone sees HEAD, not the working tree.
// `node scripts/fresh-clone.mjs [--keep]` (`--keep` leaves the clone for inspection).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "minicard-fresh-clone-"));
const clone = join(work, "minicard");

/** Runs a command, echoing it; answers its standard output. Throws with its output on failure. */
function run(command, args, cwd, env = process.env) {
  process.stdout.write(`fresh-clone$ ${command} ${args.join(" ")}\n`);
  const started = Date.now();
  const out = execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(`fresh-clone   (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return out;
}

function fail(message) {
  process.stderr.write(`fresh-clone: ${message}\n`);
  process.exitCode = 1;
}

try {
  run("git", ["clone", "--quiet", "--no-hardlinks", root, clone], work);
  if (existsSync(join(clone, "partner-server", "dist"))) fail("the clone already has partner-server/dist: is dist/ committed?");
  // No MINICARD_* setting of this machine leaks into the new user's first run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MINICARD_")));
  run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel", "error"], clone, env);
  const link = join(clone, "node_modules", ".bin", "minicard-server");
  if (!existsSync(link)) fail(`npm ci did not link ${link}`);
  // --no-install: fail here rather than fetch a public package of the same name.
  const help = run("npx", ["--no-install", "minicard-server", "--help"], clone, env);
  if (!help.includes("Usage: minicard-server <command>")) fail(`npx minicard-server --help printed:\n${help}`);
  const migrated = run("npx", ["--no-install", "minicard-server", "migrate", "--data-dir", join(work, "data")], clone, env);
  if (!/"migrated": "sqlite"/.test(migrated)) fail(`npx minicard-server migrate printed:\n${migrated}`);
  if (!process.exitCode) process.stdout.write("fresh-clone: ok — npm ci, then npx minicard-server --help and migrate work on a fresh clone\n");
} catch (error) {
  fail(error.message);
} finally {
  if (keep) process.stdout.write(`fresh-clone: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
