#!/usr/bin/env node
// `npm run bench`: every figure next to a ceiling measured in the same run on this machine.
//
//   npm run bench                 full run: ≥ 3 repeats per figure, 10 s HTTP loads
//   npm run bench -- --quick      smoke test (CI): 1 repeat, 1 s loads; checks each benchmark runs
//   npm run bench -- --only issuance,verify
//
// HTTP load comes from a second process (bench/lib/load.mjs, autocannon) on loopback; every
// server is started here and stopped at the end. Prints a table and writes
// bench/results/latest.json (machine, Node, commit, each figure's min/median/max).
// Needs a build (`npm run build`); the scale-out figure needs PostgreSQL and Redis on
// loopback (MINICARD_BENCH_DATABASE_URL / MINICARD_BENCH_REDIS_URL to point elsewhere).
// The analytics figures load 10 M events into a SQLite store first (quick: 100 k): expect
// about 5 GB in the temporary folder and several minutes of loading on a full run.

import { execFileSync, execFile } from "node:child_process";
import { createPublicKey, generateKeyPairSync, sign, verify as cryptoVerify } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync, brotliCompressSync, constants as zlib } from "node:zlib";
import { loadEvents, maintain, storeFigures } from "./lib/load-events.mjs";
import { CARD_REQUEST, ORIGIN, adminCall, issueCard, seedBench, spawnListening, startPartnerServer, tempDir } from "./lib/servers.mjs";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args.find((arg) => arg.startsWith("--only"));
const only = onlyArg ? (onlyArg.includes("=") ? onlyArg.split("=")[1] : args[args.indexOf(onlyArg) + 1]).split(",") : undefined;
const REPEATS = quick ? 1 : 3;
const SECONDS = quick ? 1 : 10;
const CONNECTIONS = 50;

const figures = [];
const log = (...parts) => console.error("bench:", ...parts);

/** min/median/max of numbers. */
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], runs: sorted };
}

/** Records a figure; `ratio` is figure.median / ceiling.median unless given. */
function record({ name, unit, value, ceiling, ceilingName, target, met, note, ratio, extra }) {
  const figure = {
    name,
    unit,
    value: stats(value),
    ...(ceiling ? { ceiling: { name: ceilingName, ...stats(ceiling) } } : {}),
    ...(ratio !== undefined ? { ratio } : ceiling ? { ratio: stats(value).median / stats(ceiling).median } : {}),
    target,
    met,
    ...(note ? { note } : {}),
    ...(extra ? extra : {}),
  };
  figures.push(figure);
  return figure;
}

/** Runs one autocannon job in a second process. */
async function load(job) {
  const { stdout } = await run(process.execPath, [fileURLToPath(new URL("./lib/load.mjs", import.meta.url)), JSON.stringify(job)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop());
}

const cardJob = (urls, apiKey, path = "/v1/cards") => ({
  urls,
  path,
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
  body: JSON.stringify(CARD_REQUEST),
  connections: CONNECTIONS,
  durationSeconds: SECONDS,
});

/** Warm-up, then REPEATS measured loads; throws when any request failed. `afterWarmUp` runs between them. */
async function repeatLoad(job, label, afterWarmUp) {
  await load({ ...job, durationSeconds: Math.min(2, SECONDS) });
  afterWarmUp?.();
  const results = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const result = await load(job);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    results.push(result);
    log(`${label}: ${Math.round(result.perSecond)}/s, p99 ${result.p99} ms`);
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// Card issuance over HTTP, full path on SQLite, vs a Fastify route that only signs.

async function benchIssuance() {
  const ceilingServer = await spawnListening(fileURLToPath(new URL("./lib/ceiling-server.mjs", import.meta.url)));
  const server = await startPartnerServer();
  try {
    const apiKey = await seedBench(server.url);
    const ceiling = await repeatLoad({ ...cardJob([ceilingServer.url], "-", "/sign") }, "sign-only route");
    const full = await repeatLoad(cardJob([server.url], apiKey), "issuance (SQLite)");
    const rate = stats(full.map((r) => r.perSecond)).median;
    const ratio = rate / stats(ceiling.map((r) => r.perSecond)).median;
    const p99 = stats(full.map((r) => r.p99)).median;
    record({
      name: "card issuance, full path, SQLite, 50 connections",
      unit: "cards/s",
      value: full.map((r) => r.perSecond),
      ceiling: ceiling.map((r) => r.perSecond),
      ceilingName: "Fastify route that only signs the same claims",
      target: "≥ 10,000/s, ≥ 0.8 × ceiling, p99 < 15 ms",
      met: rate >= 10_000 && ratio >= 0.8 && p99 < 15,
      extra: { p99Ms: stats(full.map((r) => r.p99)), ceilingP99Ms: stats(ceiling.map((r) => r.p99)) },
    });
    // Every 201 is a stored card: count them.
    const listed = await fetch(`${server.url}/metrics`).then((r) => r.text()).catch(() => "");
    const issued = /minicard_cards_issued_total(?:\{[^}]*\})?\s+(\d+)/.exec(listed)?.[1];
    if (issued) log(`issuance: server counted ${issued} cards issued`);
  } finally {
    await server.stop();
    await ceilingServer.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Issuance on three instances vs one, same PostgreSQL + Redis.

async function benchScaleOut() {
  const pg = (await import("pg")).default;
  const base = process.env.MINICARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env.MINICARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const db = `minicard_bench_${process.pid}`;
  const adminClient = new pg.Client({ connectionString: base });
  await adminClient.connect();
  const results = { one: [], three: [] };
  try {
    for (const count of [1, 3]) {
      await adminClient.query(`DROP DATABASE IF EXISTS ${db}`);
      await adminClient.query(`CREATE DATABASE ${db}`);
      const url = new URL(base);
      url.pathname = `/${db}`;
      const prefix = `minicard-bench-${process.pid}-${count}:`;
      const env = { MINICARD_DATABASE_URL: url.href, MINICARD_REDIS_URL: redisUrl, MINICARD_REDIS_PREFIX: prefix };
      const servers = [];
      try {
        for (let i = 0; i < count; i += 1) servers.push(await startPartnerServer({ env }));
        const apiKey = await seedBench(servers[0].url);
        // Let the other instances see the new partner and brand (they cache lookups briefly).
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const runs = await repeatLoad(cardJob(servers.map((s) => s.url), apiKey), `issuance on ${count} instance(s), PostgreSQL + Redis`);
        results[count === 1 ? "one" : "three"] = runs;
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }
  } finally {
    await adminClient.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
    await adminClient.end();
  }
  const one = results.one.map((r) => r.perSecond);
  const three = results.three.map((r) => r.perSecond);
  const ratio = stats(three).median / stats(one).median;
  record({
    name: "card issuance on 3 instances, PostgreSQL + Redis, 50 connections",
    unit: "cards/s",
    value: three,
    ceiling: one,
    ceilingName: "one instance, same store",
    target: "≥ 1.6 × one instance",
    met: ratio >= 1.6,
    note: `${os.cpus().length} cores shared by the instances, PostgreSQL, Redis and the load generator`,
  });
}

// ---------------------------------------------------------------------------------------
// SDK verify vs raw crypto.verify (ES256) on the same token.

async function benchVerify() {
  const { createVerifier } = await import("@minicard/sdk");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench", alg: "ES256", use: "sig" };
  const issuer = "https://cards.example";
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: "bench", typ: "minicard+jwt" })).toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({
      iss: issuer,
      aud: "bench",
      sub: "bench-brand",
      jti: "01JBENCH00000000000000000A",
      iat: now,
      nbf: now,
      exp: now + 3600,
      card: { v: 1, kind: "product", surface: "dm", app: CARD_REQUEST.app, title: CARD_REQUEST.title, description: CARD_REQUEST.description, image: CARD_REQUEST.image, cta: CARD_REQUEST.cta, price: CARD_REQUEST.price, sharer: "bench-sharer", brand: { name: "Bench Brand" } },
    }),
  ).toString("base64url");
  const input = Buffer.from(`${header}.${payload}`);
  const signature = sign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" });
  const token = `${header}.${payload}.${signature.toString("base64url")}`;
  const verifier = createVerifier({
    issuer,
    audience: "bench",
    fetch: async () => new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } }),
  });
  await verifier.verify(token, { surface: "dm" });
  const key = createPublicKey(publicKey.export({ format: "pem", type: "spki" }));
  const N = quick ? 2000 : 20_000;

  const rawRuns = [];
  const sdkRuns = [];
  for (let r = 0; r < REPEATS; r += 1) {
    let start = performance.now();
    for (let i = 0; i < N; i += 1) {
      // The same work a hand-rolled check does: split, decode the signature, verify.
      const dot = token.lastIndexOf(".");
      if (!cryptoVerify("sha256", Buffer.from(token.slice(0, dot)), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(token.slice(dot + 1), "base64url"))) throw new Error("raw verify failed");
    }
    rawRuns.push(N / ((performance.now() - start) / 1000));
    start = performance.now();
    // 64 in flight, as a page verifying a screen of cards does.
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < N) {
          next += 1;
          await verifier.verify(token, { surface: "dm" });
        }
      }),
    );
    sdkRuns.push(N / ((performance.now() - start) / 1000));
    log(`verify: SDK ${Math.round(sdkRuns.at(-1))}/s, raw crypto.verify ${Math.round(rawRuns.at(-1))}/s`);
  }
  const ratio = stats(sdkRuns).median / stats(rawRuns).median;
  record({
    name: "SDK verify (signature, claims, card schema), ES256",
    unit: "verifications/s",
    value: sdkRuns,
    ceiling: rawRuns,
    ceilingName: "raw crypto.verify ES256 on the same token",
    target: "≥ 0.7 × ceiling",
    met: ratio >= 0.7,
  });
}

// ---------------------------------------------------------------------------------------
// Limiter decisions (three windows, all or nothing): in-process and Redis.

async function benchLimiter() {
  const { createMemoryLimiter } = await import(`${root}partner-server/dist/limits/memory.js`);
  const { createRedisLimiter } = await import(`${root}partner-server/dist/limits/redis.js`);
  const { connectRedis, whenReady } = await import(`${root}partner-server/dist/redis.js`);
  const Redis = (await import("ioredis")).default;
  const checks = (i) => [
    { key: `bench|sharer|dm|3600|s${i % 1000}`, name: "dm-sharer", max: 1_000_000_000, windowSeconds: 3600 },
    { key: `bench|brand|*|3600|b${i % 10}`, name: "brand", max: 1_000_000_000, windowSeconds: 3600 },
    { key: "bench|partner|*|3600|bench", name: "partner", max: 1_000_000_000, windowSeconds: 3600 },
  ];
  const N = quick ? 20_000 : 300_000;
  // The checks of 1000 sharers × 10 brands × one partner, built once (a server builds them per request anyway).
  const sets = Array.from({ length: 1000 }, (_, i) => checks(i));
  const ids = Array.from({ length: N }, (_, i) => `id${i}`);
  const memoryRuns = [];
  for (let r = -1; r < REPEATS; r += 1) {
    const limiter = createMemoryLimiter();
    const now = Date.now();
    const start = performance.now();
    for (let i = 0; i < N; i += 1) {
      const decision = await limiter.acquire(sets[i % 1000], ids[i], now + (i >> 4));
      if (!decision.allowed) throw new Error("in-process limiter refused");
    }
    const rate = N / ((performance.now() - start) / 1000);
    await limiter.close();
    if (r < 0) continue; // warm-up
    memoryRuns.push(rate);
    log(`limiter: in-process ${Math.round(rate)}/s`);
  }
  record({
    name: "limiter decisions, in-process (3 windows, all or nothing)",
    unit: "decisions/s",
    value: memoryRuns,
    target: "≥ 1,000,000/s",
    met: stats(memoryRuns).median >= 1_000_000,
  });

  const redisUrl = process.env.MINICARD_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `minicard-bench-${process.pid}:`;
  const connection = connectRedis(redisUrl);
  await whenReady(connection, 3000);
  const limiter = createRedisLimiter(connection, { prefix, history: async () => [] });
  const raw = new Redis(redisUrl);
  const noop = await raw.script("LOAD", "return 1");
  const M = quick ? 5_000 : 100_000;
  const inFlight = 64;
  async function drive(operation) {
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < M) {
          const i = next++;
          await operation(i);
        }
      }),
    );
    return M / ((performance.now() - start) / 1000);
  }
  const redisRuns = [];
  const noopRuns = [];
  try {
    for (let r = 0; r < REPEATS; r += 1) {
      noopRuns.push(await drive(() => raw.evalsha(noop, 0)));
      const now = Date.now();
      redisRuns.push(
        await drive(async (i) => {
          const decision = await limiter.acquire(checks(i), `r${r}-${i}`, now + i);
          if (!decision.allowed) throw new Error("Redis limiter refused");
        }),
      );
      log(`limiter: Redis ${Math.round(redisRuns.at(-1))}/s, EVALSHA no-op ${Math.round(noopRuns.at(-1))}/s`);
    }
  } finally {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
    await limiter.close();
    connection.disconnect();
  }
  record({
    name: "limiter decisions, Redis (3 windows, one script), 64 in flight",
    unit: "decisions/s",
    value: redisRuns,
    ceiling: noopRuns,
    ceilingName: "bare Redis EVALSHA no-op, 64 in flight",
    target: "≥ 50,000/s",
    met: stats(redisRuns).median >= 50_000,
  });
}

// ---------------------------------------------------------------------------------------
// embed.js size vs Preact alone.

async function benchSize() {
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

// ---------------------------------------------------------------------------------------
// Event ingestion, batches of 50, vs a bare route that accepts and drops.

/** Beacon batches of 50 events on `cards`, as the widget sends them from a partner page. */
const eventsJob = (url, path, cards) => ({
  urls: [url],
  path,
  method: "POST",
  headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN },
  bodies: "events",
  cards,
  connections: CONNECTIONS,
  durationSeconds: SECONDS,
});

async function benchEvents() {
  const ceilingServer = await spawnListening(fileURLToPath(new URL("./lib/ceiling-server.mjs", import.meta.url)));
  // One load generator is one client: lift the per-client beacon limit (default 120 a minute) for the run.
  const server = await startPartnerServer({ env: { MINICARD_EVENTS_PER_MINUTE: "10000000" } });
  try {
    const apiKey = await seedBench(server.url);
    const cards = [];
    for (let i = 0; i < 50; i += 1) {
      cards.push((await issueCard(server.url, apiKey)).id);
    }
    const job = (url, path) => eventsJob(url, path, cards);
    const ceiling = await repeatLoad(job(ceilingServer.url, "/drop"), "accept-and-drop route");
    const full = await repeatLoad(job(server.url, "/v1/events"), "event ingestion (SQLite)");
    const eventsPerSecond = full.map((r) => r.perSecond * 50);
    const ratio = stats(full.map((r) => r.perSecond)).median / stats(ceiling.map((r) => r.perSecond)).median;
    record({
      name: "event ingestion, batches of 50, SQLite, 50 connections",
      unit: "batches/s",
      value: full.map((r) => r.perSecond),
      ceiling: ceiling.map((r) => r.perSecond),
      ceilingName: "bare Fastify route that accepts and drops",
      target: "≥ 0.5 × ceiling",
      met: ratio >= 0.5,
      extra: { eventsPerSecond: stats(eventsPerSecond), p99Ms: stats(full.map((r) => r.p99)) },
    });
  } finally {
    await server.stop();
    await ceilingServer.stop();
  }
}

// ---------------------------------------------------------------------------------------
// In Chromium: script load → first verified card painted (vs the same card as static HTML),
// and how many cards of a 1000-card feed are verified on load.

async function benchBrowser() {
  const { chromium } = await import("@playwright/test");
  const { existsSync } = await import("node:fs");
  const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((path) => path && existsSync(path));
  const browser = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  const server = await startPartnerServer();
  const pages = createServer((request, response) => {
    const body = pageBodies.get(request.url ?? "/");
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body);
  });
  const pageBodies = new Map();
  await new Promise((resolve) => pages.listen(0, "127.0.0.1", resolve));
  const pagesUrl = `http://127.0.0.1:${pages.address().port}`;
  try {
    const apiKey = await seedBench(server.url);
    await adminCall(server.url, "PATCH", "/partners/bench", { origins: [ORIGIN, pagesUrl] });
    const tokens = [];
    for (let i = 0; i < (quick ? 60 : 1000); i += 1) {
      tokens.push((await issueCard(server.url, apiKey, { title: `Offer ${i + 1}` })).token);
    }
    const cardTag = (token) => `<mini-program-card token="${token}" surface="dm" partner="bench" lang="en" data-no-track></mini-program-card>`;
    pageBodies.set(
      "/one",
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>one card</title></head><body>
<script>
window.__t = {};
addEventListener("minicard:render", () => requestAnimationFrame(() => { window.__t.painted ??= performance.now(); }), { once: true });
</script>
${cardTag(tokens[0])}
<script src="${server.issuer}/embed.js" async></script></body></html>`,
    );
    // The same card as static HTML: what a page shows with no script at all.
    pageBodies.set(
      "/static",
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>static card</title>
<style>.c{display:block;width:248px;border:1px solid #ddd;border-radius:12px;font:14px/1.45 system-ui,sans-serif;padding:10px 12px}.t{font-weight:600}.p{color:#ff4d00}</style></head><body>
<a class="c" href="https://ds.alipay.com/"><span>Bench Brand</span><div class="t">${CARD_REQUEST.title}</div><div class="p">¥59.90</div><span>Buy now</span></a>
<script>requestAnimationFrame(() => { window.__t = { painted: performance.now() }; });</script></body></html>`,
    );
    pageBodies.set(
      "/feed",
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>1000 cards</title></head><body>
<script>window.__rendered = 0; addEventListener("minicard:render", () => window.__rendered++);</script>
${tokens.map(cardTag).join("\n")}
<script src="${server.issuer}/embed.js" async></script></body></html>`,
    );

    const scriptToCard = [];
    const staticPaint = [];
    const widgetPaint = [];
    for (let i = 0; i < (quick ? 1 : 7); i += 1) {
      // A fresh context each time: embed.js and the JWKS are fetched again, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 420, height: 860 } });
      const page = await context.newPage();
      page.on("console", (message) => message.type() === "warning" || message.type() === "error" ? log(`page: ${message.text()}`) : undefined);
      await page.goto(`${pagesUrl}/one`, { waitUntil: "load" });
      await page.waitForFunction(() => window.__t?.painted !== undefined, undefined, { timeout: 15_000 });
      const timing = await page.evaluate(() => {
        const script = performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/embed.js"));
        return { painted: window.__t.painted, scriptStart: script?.startTime ?? 0 };
      });
      scriptToCard.push(timing.painted - timing.scriptStart);
      widgetPaint.push(timing.painted);
      await page.goto(`${pagesUrl}/static`, { waitUntil: "load" });
      await page.waitForFunction(() => window.__t?.painted !== undefined);
      staticPaint.push(await page.evaluate(() => window.__t.painted));
      await context.close();
    }
    log(`first card: script load → painted ${stats(scriptToCard).median.toFixed(0)} ms; page start → painted ${stats(widgetPaint).median.toFixed(0)} ms vs static ${stats(staticPaint).median.toFixed(0)} ms`);
    record({
      name: "script load → first verified card painted (Chromium, one dm card)",
      unit: "ms",
      value: scriptToCard,
      target: "< 300 ms",
      met: stats(scriptToCard).median < 300,
      extra: { pageStartToCardMs: stats(widgetPaint), staticPageStartToCardMs: stats(staticPaint) },
      note: "ceiling: the same card as static HTML, page start → painted (staticPageStartToCardMs)",
    });

    // The demo partner app's feed (`start --demo`: 220 live cards, fetched by the page's own
    // script): embed.js requested → first verified card painted, on a first visit each time.
    const demo = await startPartnerServer({ args: ["--demo"] });
    try {
      const demoRuns = [];
      for (let i = 0; i < (quick ? 1 : 7); i += 1) {
        const visit = await browser.newContext({ viewport: { width: 420, height: 860 } });
        const page = await visit.newPage();
        await page.route(/^https:\/\//, (route) => route.abort()); // card images: no network here
        await page.addInitScript(() => {
          addEventListener("minicard:render", () => requestAnimationFrame(() => (window.__painted ??= performance.now())));
        });
        await page.goto(`${demo.issuer}/demo/`);
        await page.waitForFunction(() => window.__painted !== undefined, undefined, { timeout: 30_000 });
        demoRuns.push(
          await page.evaluate(() => window.__painted - performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/embed.js")).startTime),
        );
        await visit.close();
      }
      log(`demo feed: script load → first card painted ${stats(demoRuns).median.toFixed(0)} ms`);
      record({
        name: "demo feed (220 cards): script load → first verified card painted (Chromium)",
        unit: "ms",
        value: demoRuns,
        target: "< 300 ms",
        met: stats(demoRuns).median < 300,
      });
    } finally {
      await demo.stop();
    }

    const context = await browser.newContext({ viewport: { width: 420, height: 860 } });
    const feed = await context.newPage();
    await feed.goto(`${pagesUrl}/feed`, { waitUntil: "load" });
    await feed.waitForFunction(() => window.__rendered > 0, undefined, { timeout: 30_000 });
    await feed.waitForTimeout(2000);
    const rendered = await feed.evaluate(() => window.__rendered);
    const visible = await feed.evaluate(() => Math.ceil(innerHeight / (document.querySelector("mini-program-card")?.getBoundingClientRect().height || 1)));
    log(`feed: ${rendered} of ${tokens.length} cards verified on load (${visible} fit on one screen)`);
    record({
      name: `${tokens.length}-card feed: cards verified on load`,
      unit: "cards",
      value: [rendered],
      target: "only those within two screens of the viewport",
      met: rendered > 0 && rendered <= visible * 3 + 2,
      extra: { cardsOnPage: tokens.length, cardsPerScreen: visible },
    });
  } finally {
    await browser.close();
    pages.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Analytics at scale: the store with 10 M events (loaded through the store, over 90 days)
// against the same server with 100 k. The hot list and stats read rollups, so they should
// not care how many raw events there are; ingestion writes rollups in its transaction, so it
// should not slow down as they grow; and the server's memory should stay flat while it ingests.

/** The server of these runs: beacon and credit limits lifted, raw events kept ten years (retention would delete loaded history). */
const ANALYTICS_ENV = { MINICARD_EVENTS_PER_MINUTE: "10000000", MINICARD_EVENTS_RETENTION_DAYS: "3650", MINICARD_CREDITS_PER_IP_HOUR: "1000000" };
const ANALYTICS_CARDS = 200;
const HOT_LIST_PATH = "/v1/trending?partner=bench&surface=feed&limit=10";

/** The partner server's resident memory (VmRSS), in MB. */
function rssMb(pid) {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/**
 * A data folder holding partner `bench`, brand `bench-brand` and 200 feed cards issued over
 * HTTP (the server stopped again); `copies` more folders with the same database.
 */
async function seededStores(copies) {
  const dir = tempDir();
  const server = await startPartnerServer({ dataDir: dir.path, env: ANALYTICS_ENV });
  const cards = [];
  let apiKey;
  try {
    apiKey = await seedBench(server.url);
    for (let i = 0; i < ANALYTICS_CARDS; i += 1) cards.push((await issueCard(server.url, apiKey, { surface: "feed", title: `Offer ${i + 1}` })).id);
  } finally {
    await server.stop();
  }
  const dirs = [dir];
  for (let i = 0; i < copies; i += 1) {
    const copy = tempDir();
    cpSync(dir.path, copy.path, { recursive: true });
    dirs.push(copy);
  }
  return dirs.map((folder) => ({ dir: folder, file: `${folder.path}/minicard.db`, apiKey, cards }));
}

/**
 * Loads `count` events into a seeded store through the store (the server stopped), runs
 * retention's maintenance as the server would have run it over those days, and measures the
 * file: { loaded, maintenanceSeconds, size }.
 */
async function loadStore(store, count, label) {
  const loaded = await loadEvents({
    file: store.file,
    count,
    onProgress: ({ done, seconds }) => log(`${label}: ${done.toLocaleString("en-US")} of ${count.toLocaleString("en-US")} events loaded in ${seconds.toFixed(0)} s`),
  });
  log(`${label}: ${count.toLocaleString("en-US")} events loaded in ${loaded.seconds.toFixed(1)} s, ${Math.round(loaded.perSecond).toLocaleString("en-US")}/s`);
  const maintenance = await maintain({ file: store.file });
  const size = storeFigures(store.file);
  log(`${label}: ${(size.fileBytes / 2 ** 20).toFixed(0)} MB, ${size.bytesPerEvent.toFixed(0)} B per event, ${size.bytesPerRollupRow.toFixed(0)} B per rollup row`);
  return { ...store, loaded, maintenanceSeconds: maintenance.seconds, size };
}

/** Starts the server on a loaded store and waits until its hot list is computed (and retention's start-up pass is done). */
async function startAnalyticsServer(store) {
  const server = await startPartnerServer({ dataDir: store.dir.path, env: ANALYTICS_ENV });
  const response = await fetch(`${server.url}${HOT_LIST_PATH}`);
  const list = await response.json();
  if (response.status !== 200) throw new Error(`hot list answered ${response.status} ${JSON.stringify(list)}`);
  if (list.cards.length < 10) log(`hot list has only ${list.cards.length} entries`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { server, entries: list.cards.length, bytes: Buffer.byteLength(JSON.stringify(list)) };
}

/**
 * Runs a `repeatLoad` of `job` while sampling a process's RSS every 250 ms: its figures, and
 * the RSS when the measured loads start (after the warm-up), when they end, and at its peak.
 */
async function repeatLoadWithRss(pid, job, label) {
  const beforeWarmUpMb = rssMb(pid);
  let startMb;
  let peakMb = beforeWarmUpMb;
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 250);
  try {
    const result = await repeatLoad(job, label, () => (startMb = rssMb(pid)));
    const endMb = rssMb(pid);
    return { result, beforeWarmUpMb, startMb, endMb, peakMb: Math.max(peakMb, endMb) };
  } finally {
    clearInterval(timer);
  }
}

async function benchAnalytics() {
  const SMALL = quick ? 20_000 : 100_000;
  const LARGE = quick ? 100_000 : 10_000_000;
  // Stats requests take tens to hundreds of ms each: a 1 s quick load on 10 connections may complete none.
  const STATS_CONNECTIONS = quick ? 2 : 10;
  const ceilingServer = await spawnListening(fileURLToPath(new URL("./lib/ceiling-server.mjs", import.meta.url)));
  const stores = [];
  const hotListJob = (url, path = HOT_LIST_PATH) => ({ urls: [url], path, method: "GET", connections: CONNECTIONS, durationSeconds: SECONDS });
  try {
    // Both stores start as one seeded database: the same cards, brand and API key.
    const seeded = await seededStores(1);
    stores.push(...seeded);
    // The small store: the hot list, then ingestion (which adds events: the hot list goes first).
    const small = await loadStore(seeded[0], SMALL, "analytics, small store");
    const atSmall = await startAnalyticsServer(small);
    let hotSmall, ingestSmall;
    try {
      hotSmall = await repeatLoad(hotListJob(atSmall.server.url), `hot list, ${SMALL.toLocaleString("en-US")} events`);
      ingestSmall = await repeatLoadWithRss(atSmall.server.pid, eventsJob(atSmall.server.url, "/v1/events", small.cards.slice(0, 50)), `ingestion, ${SMALL.toLocaleString("en-US")} events`);
    } finally {
      await atSmall.server.stop();
    }
    small.dir.remove();

    // The large store: hot list, its static-document ceiling, stats over 90 days and 1 day, then ingestion.
    const large = await loadStore(seeded[1], LARGE, "analytics, large store");
    const atLarge = await startAnalyticsServer(large);
    let hotLarge, staticRoute, stats90, stats1, drop, ingestLarge;
    try {
      hotLarge = await repeatLoad(hotListJob(atLarge.server.url), `hot list, ${LARGE.toLocaleString("en-US")} events`);
      staticRoute = await repeatLoad(hotListJob(ceilingServer.url, "/static"), "static JSON route");
      const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
      const statsJob = (from, to) => ({
        urls: [atLarge.server.url],
        path: `/v1/brands/me/stats?from=${from}&to=${to}`,
        method: "GET",
        headers: { authorization: `Bearer ${large.apiKey}` },
        connections: STATS_CONNECTIONS,
        durationSeconds: SECONDS,
      });
      // 90 UTC days up to today, and yesterday alone (a whole day of every card's events).
      stats90 = await repeatLoad(statsJob(day(89), day(0)), "stats, 90 days");
      stats1 = await repeatLoad(statsJob(day(1), day(1)), "stats, 1 day");
      drop = await repeatLoad(eventsJob(ceilingServer.url, "/drop", large.cards.slice(0, 50)), "accept-and-drop route");
      ingestLarge = await repeatLoadWithRss(atLarge.server.pid, eventsJob(atLarge.server.url, "/v1/events", large.cards.slice(0, 50)), `ingestion, ${LARGE.toLocaleString("en-US")} events`);
    } finally {
      await atLarge.server.stop();
    }
    // A load in which no request completed has no latency: its p99 is infinite (and the run fails).
    const p99 = (r) => (r.ok > 0 ? r.p99 : Infinity);
    const median = (runs, key) => stats(runs.map((r) => (key === "p99" ? p99(r) : r[key]))).median;
    const mb = (value) => Math.round(value * 10) / 10;
    // Events the measured loads stored (every 2xx is a batch of 50).
    const stored = (run) => run.result.reduce((sum, r) => sum + r.ok * 50, 0);

    // 1. The loader: events per second into the store through its ingest path (the same
    // transaction as POST /v1/events: raw rows, rollups, visits, credits, debits, ledgers).
    // The size figures are of the large store after loading: file (+ WAL) / events, the events
    // table with its indexes / events, and the rollup tables with their indexes / rollup rows.
    record({
      name: `loader: ${LARGE.toLocaleString("en-US")} events over 90 days into SQLite through the store`,
      unit: "events/s",
      value: [large.loaded.perSecond],
      target: `${LARGE.toLocaleString("en-US")} events loaded${quick ? " (full run: 10,000,000)" : ""}; rate reported`,
      // Every event stored, or skipped as a duplicate (a dedup-key collision, as ingestion would skip it).
      met: large.loaded.stored + large.loaded.duplicates === LARGE && large.size.events === large.loaded.stored,
      extra: {
        seconds: large.loaded.seconds,
        stored: large.loaded.stored,
        duplicates: large.loaded.duplicates,
        smallStore: { events: SMALL, perSecond: small.loaded.perSecond, seconds: small.loaded.seconds, ...small.size },
        maintenanceSeconds: large.maintenanceSeconds,
        sqliteFileBytes: large.size.fileBytes,
        bytesPerEvent: large.size.bytesPerEvent,
        eventTableBytesPerEvent: large.size.eventTableBytesPerEvent,
        bytesPerRollupRow: large.size.bytesPerRollupRow,
        tables: large.size.tables,
      },
    });

    // 2. Hot-list p99 with 10 M events vs with 100 k (same cards, same list length), and vs a
    // static JSON document of the same size: the list is precomputed, so a read should cost
    // about what serving a fixed document costs, however many events are stored.
    const p99Small = median(hotSmall, "p99");
    const p99Large = median(hotLarge, "p99");
    const p99Static = median(staticRoute, "p99");
    record({
      name: `hot list p99, GET /v1/trending (10 entries), ${LARGE.toLocaleString("en-US")} events, 50 connections`,
      unit: "ms",
      value: hotLarge.map(p99),
      ceiling: staticRoute.map(p99),
      ceilingName: "Fastify route answering a fixed JSON document of the same size",
      target: `≤ 2 × p99 at ${SMALL.toLocaleString("en-US")} events, ≤ 3 × static route`,
      met: p99Large <= 2 * p99Small && p99Large <= 3 * p99Static,
      extra: {
        ratioToSmall: p99Large / p99Small,
        p99AtSmallMs: stats(hotSmall.map(p99)),
        requestsPerSecond: stats(hotLarge.map((r) => r.perSecond)),
        requestsPerSecondAtSmall: stats(hotSmall.map((r) => r.perSecond)),
        staticRequestsPerSecond: stats(staticRoute.map((r) => r.perSecond)),
        entries: { small: atSmall.entries, large: atLarge.entries },
        responseBytes: atLarge.bytes,
      },
    });

    // 3. A brand's stats over 90 days vs over 1 day, on the large store: rollups make the cost
    // follow the number of days read, not of events; the target asks that 90 days cost at most
    // twice one day.
    const p99Stats90 = median(stats90, "p99");
    const p99Stats1 = median(stats1, "p99");
    record({
      name: `brand stats p99, 90 days, ${LARGE.toLocaleString("en-US")} events, ${STATS_CONNECTIONS} connections`,
      unit: "ms",
      value: stats90.map(p99),
      ceiling: stats1.map(p99),
      ceilingName: "the same brand's stats over 1 day",
      target: "≤ 2 × the 1-day p99",
      met: p99Stats90 <= 2 * p99Stats1,
      extra: { requestsPerSecond: stats(stats90.map((r) => r.perSecond)), oneDayRequestsPerSecond: stats(stats1.map((r) => r.perSecond)) },
    });

    // 4. Ingestion (batches of 50, as in `events`) with 10 M events stored vs with 100 k: the
    // rollups it updates grow with history, its rate should not drop; and vs the bare route
    // that accepts and drops (the same ceiling as `events`).
    const ingestSmallRate = ingestSmall.result.map((r) => r.perSecond * 50);
    const ingestLargeRate = ingestLarge.result.map((r) => r.perSecond * 50);
    const vsSmall = stats(ingestLargeRate).median / stats(ingestSmallRate).median;
    record({
      name: `event ingestion at ${LARGE.toLocaleString("en-US")} events vs at ${SMALL.toLocaleString("en-US")}, batches of 50, 50 connections`,
      unit: "events/s",
      value: ingestLargeRate,
      ceiling: ingestSmallRate,
      ceilingName: `the same load on the store with ${SMALL.toLocaleString("en-US")} events`,
      target: "≥ 0.9 × (does not slow down)",
      met: vsSmall >= 0.9,
      extra: { p99Ms: stats(ingestLarge.result.map(p99)), p99AtSmallMs: stats(ingestSmall.result.map(p99)) },
    });
    const vsDrop = median(ingestLarge.result, "perSecond") / median(drop, "perSecond");
    record({
      name: `event ingestion at ${LARGE.toLocaleString("en-US")} events vs accept-and-drop, batches of 50, 50 connections`,
      unit: "batches/s",
      value: ingestLarge.result.map((r) => r.perSecond),
      ceiling: drop.map((r) => r.perSecond),
      ceilingName: "bare Fastify route that accepts and drops",
      target: "≥ 0.5 × ceiling",
      met: vsDrop >= 0.5,
    });

    // 5. The server's resident memory (VmRSS, sampled every 250 ms) over that ingestion: from
    // the start of the measured loads (after the warm-up, so JIT, caches and SQLite's page
    // cache are in use) to their end. Growth there is what ingesting keeps in memory.
    const growth = ingestLarge.endMb - ingestLarge.startMb;
    const rss = (run) => ({ beforeWarmUpMb: mb(run.beforeWarmUpMb), startMb: mb(run.startMb), endMb: mb(run.endMb), peakMb: mb(run.peakMb), eventsIngested: stored(run) });
    record({
      name: `partner server RSS growth while ingesting at ${LARGE.toLocaleString("en-US")} events`,
      unit: "MB",
      value: [growth],
      target: "< 50 MB",
      met: growth < 50,
      extra: { ...rss(ingestLarge), atSmall: rss(ingestSmall) },
    });
    log(`RSS while ingesting: ${JSON.stringify(rss(ingestLarge))}`);
  } finally {
    for (const store of stores) store.dir.remove();
    await ceilingServer.stop();
  }
}

// ---------------------------------------------------------------------------------------

const BENCHMARKS = {
  issuance: benchIssuance,
  "scale-out": benchScaleOut,
  verify: benchVerify,
  limiter: benchLimiter,
  size: benchSize,
  browser: benchBrowser,
  events: benchEvents,
  analytics: benchAnalytics,
};

const failures = [];
for (const [name, bench] of Object.entries(BENCHMARKS)) {
  if (only && !only.includes(name)) continue;
  log(`— ${name}`);
  try {
    await bench();
  } catch (error) {
    failures.push(name);
    console.error(`bench: ${name} failed:`, error);
  }
}

const fmt = (value, unit) => (unit === "ms" ? value.toFixed(0) : Math.round(value).toLocaleString("en-US"));
console.log("\n| figure | median (min–max) | ceiling, same run | ratio | target | met |\n|---|---|---|---|---|---|");
for (const f of figures) {
  const value = `${fmt(f.value.median, f.unit)} ${f.unit}${f.value.runs.length > 1 ? ` (${fmt(f.value.min, f.unit)}–${fmt(f.value.max, f.unit)})` : ""}`;
  const ceiling = f.ceiling ? `${fmt(f.ceiling.median, f.unit)}: ${f.ceiling.name}` : "—";
  console.log(`| ${f.name} | ${value} | ${ceiling} | ${f.ratio !== undefined ? f.ratio.toFixed(2) + " ×" : "—"} | ${f.target} | ${f.met ? "yes" : "no"} |`);
}

let commit = "unknown";
try {
  commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
} catch {
  // not a git checkout
}
const result = {
  date: new Date().toISOString(),
  command: `npm run bench${quick ? " -- --quick" : ""}`,
  quick,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()} ${os.arch()}` },
  node: process.version,
  commit,
  repeats: REPEATS,
  loadSeconds: SECONDS,
  connections: CONNECTIONS,
  figures,
  failures,
};
// Only a full run of every benchmark is the record (latest.json); quick and partial runs go beside it.
const file = quick ? "quick" : only ? "partial" : "latest";
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/${file}.json`, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten: bench/results/${file}.json`);
if (failures.length > 0 || figures.some((f) => !f.value.runs.every(Number.isFinite))) {
  console.error(`bench: failed: ${failures.join(", ")}`);
  process.exitCode = 1;
}
