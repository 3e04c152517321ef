/**
 * Entry for Deno and Bun: runs the conformance checks (conformance.mjs) and exits non-zero
 * when one fails. `MINICARD_LIVE` (JSON `{ server, apiKey, partner }`) names a live partner
 * server; run.mjs sets it.
 */

import { runConformance } from "./conformance.mjs";

const deno = globalThis.Deno;
const env = (name) => (deno ? deno.env.get(name) : globalThis.process?.env[name]);
const runtime = deno ? `deno ${deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `unknown (${navigator.userAgent})`;
const live = env("MINICARD_LIVE") ? JSON.parse(env("MINICARD_LIVE")) : undefined;

const report = await runConformance({ runtime, live });
console.log(`[${runtime}] ${report.passed} passed, ${report.failed} failed`);
if (report.failed > 0) (deno ? deno.exit : globalThis.process.exit)(1);
