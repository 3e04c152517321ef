// embed.js size vs Preact alone.

import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync, brotliCompressSync, constants as zlib } from "node:zlib";
import { log } from "../lib/log.mjs";
import { record } from "../lib/results.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

export async function benchSize() {
  // size.mjs exits 1 over budget; the figure is still recorded (and marked not met).
  const { stdout } = await run(process.execPath, [`${root}embed-widget/scripts/size.mjs`, "--json"]).catch((error) => error);
  const sizes = JSON.parse(stdout.trim().split("\n").pop());
  const embed = sizes["embed.js"];
  // Preact alone, bundled and minified the way embed.js is.
  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const terser = (await import("@rollup/plugin-terser")).default;
  // Inside the widget package, so `preact` resolves exactly as it does for embed.js.
  const dir = { path: `${root}embed-widget/dist/.preact-alone`, remove: () => rmSync(`${root}embed-widget/dist/.preact-alone`, { recursive: true, force: true }) };
  mkdirSync(dir.path, { recursive: true });
  try {
    const entry = `${dir.path}/preact-alone.js`;
    writeFileSync(entry, 'import { h, render, Component } from "preact"; window.__p = [h, render, Component];\n');
    const build = await rollup({ input: entry, plugins: [nodeResolve({ browser: true }), terser({ ecma: 2020, compress: { passes: 3 } })] });
    const { output } = await build.generate({ format: "iife" });
    await build.close();
    const preact = Buffer.from(output[0].code);
    const preactGzip = gzipSync(preact, { level: 9 }).length;
    const preactBrotli = brotliCompressSync(preact, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
    record({
      name: "embed.js, min + gzip (Preact, verifier, layouts, beacons)",
      unit: "bytes",
      value: [embed.gzip],
      ceiling: [preactGzip],
      ceilingName: "Preact alone, min + gzip",
      target: "≤ 16 KB (16,384 bytes)",
      met: embed.gzip <= 16 * 1024,
      extra: { min: embed.min, brotli: embed.brotli, preactBrotli, lazy: Object.fromEntries(Object.entries(sizes).filter(([name]) => name !== "embed.js" && name !== "budget")) },
    });
    log(`size: embed.js ${embed.gzip} B gzip, ${embed.brotli} B brotli; Preact alone ${preactGzip} B gzip`);
  } finally {
    dir.remove();
  }
}
