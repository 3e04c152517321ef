#!/usr/bin/env node
/**
 * Runs the SDK's conformance checks (conformance.mjs) in other JavaScript runtimes, against
 * the built SDK (`npm run build` first) and a live partner server this script starts on
 * loopback (the built CLI, `start --demo`, in a temporary data folder).
 *
 *   node sdk/test/runtimes/run.mjs [--deno BIN] [--bun BIN] [--miniflare DIR] [--server-node BIN]
 *
 * Each flag names one runtime to run: the `deno` or `bun` binary (main.mjs runs in it), or
 * the `miniflare` package folder (worker.mjs is bundled with rollup and called in workerd;
 * Miniflare needs Node ≥ 22, so this script must then run on one). The partner server runs
 * on `--server-node` (default this Node): its better-sqlite3 is built for the Node that
 * installed it. .ci/run installs the runtimes (.ci/runtimes/package.json) and calls this.
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));
const { values: options } = parseArgs({
  options: { deno: { type: "string" }, bun: { type: "string" }, miniflare: { type: "string" }, "server-node": { type: "string" } },
});
if (!options.deno && !options.bun && !options.miniflare) {
  console.error("usage: run.mjs [--deno BIN] [--bun BIN] [--miniflare DIR] [--server-node BIN]");
  process.exit(2);
}

/** A free TCP port on loopback (bound, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the demo partner server on loopback; answers its URL, a brand's API key, the partner and `stop()`. */
async function startPartnerServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "minicard-runtimes-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(options["server-node"] ?? process.execPath, [join(root, "partner-server/dist/bin.js"), "start", "--demo", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir], {
    env: { ...process.env, MINICARD_ISSUER: url, MINICARD_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the partner server did not start in 60 s:\n${output}`)), 60_000);
    child.once("exit", (code) => reject(new Error(`the partner server exited with ${code}:\n${output}`)));
    const poll = setInterval(() => {
      if (!output.includes(`listening   ${url}`)) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 50);
  });
  const demo = JSON.parse(readFileSync(join(dataDir, "demo.json"), "utf8"));
  return {
    live: { server: url, apiKey: demo.brands["demo-cinema"], partner: demo.partner },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `bin args…` with `MINICARD_LIVE` set; resolves true when it exits 0. */
function runChild(bin, args, live) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, env: { ...process.env, MINICARD_LIVE: JSON.stringify(live) }, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code === 0));
  });
}

/** Bundles worker.mjs (SDK dist, jose, the TypeScript corpus transpiled) into one ES module. */
async function bundleWorker() {
  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const ts = (await import("typescript")).default;
  const typescript = {
    name: "transpile-typescript",
    transform(code, id) {
      if (!id.endsWith(".ts")) return null;
      const { outputText, sourceMapText } = ts.transpileModule(code, { fileName: id, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true } });
      return { code: outputText, map: sourceMapText };
    },
  };
  const bundle = await rollup({ input: join(here, "worker.mjs"), plugins: [nodeResolve({ browser: true, exportConditions: ["worker", "browser"] }), typescript] });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  return output[0].code;
}

async function runWorkerd(live) {
  const { Miniflare } = await import(pathToFileURL(join(options.miniflare, "dist/src/index.js")).href);
  const script = await bundleWorker();
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01", bindings: { LIVE: JSON.stringify(live) } });
  try {
    const response = await mf.dispatchFetch("http://conformance.test/");
    const text = await response.text();
    let report;
    try {
      report = JSON.parse(text);
    } catch {
      throw new Error(`the worker answered ${response.status}: ${text.slice(0, 2000)}`);
    }
    for (const line of report.lines) console.log(line);
    for (const result of report.results) if (!result.ok) console.log(result.error);
    console.log(`[${report.runtime}] ${report.passed} passed, ${report.failed} failed`);
    return report.failed === 0;
  } finally {
    await mf.dispose();
  }
}

const server = await startPartnerServer();
const outcomes = [];
try {
  const main = join(here, "main.mjs");
  if (options.deno) outcomes.push(["deno", await runChild(options.deno, ["run", "--no-prompt", "--allow-env=MINICARD_LIVE", "--allow-net=127.0.0.1", main], server.live)]);
  if (options.bun) outcomes.push(["bun", await runChild(options.bun, [main], server.live)]);
  if (options.miniflare) outcomes.push(["workerd", await runWorkerd(server.live).catch((error) => (console.error(error), false))]);
} finally {
  await server.stop();
}
const failed = outcomes.filter(([, ok]) => !ok).map(([name]) => name);
console.log(`runtimes: ${outcomes.map(([name, ok]) => `${name} ${ok ? "ok" : "FAILED"}`).join(", ")}`);
process.exit(failed.length > 0 ? 1 : 0);
