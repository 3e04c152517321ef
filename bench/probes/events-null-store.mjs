// A probe, not a benchmark: the events route (batches of 50, 50 connections) with a store
// whose events.insert keeps nothing, beside the accept-and-drop ceiling, in one run. It tells
// what the request's own work (validation, cards, quality, ids, the 202's results) costs
// without storage. MODE=real runs the same with the SQLite store.
//
//   npm run build && node bench/probes/events-null-store.mjs     (MODE=real for the store)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, loadConfig, openSqliteStore } from "../../partner-server/dist/index.js";
import { spawnListening, seedBench, issueCard, ORIGIN, ADMIN_TOKEN } from "../lib/servers.mjs";
const load = (job) => new Promise((resolve) => {
  const c = spawn(process.execPath, [fileURLToPath(new URL("../lib/load.mjs", import.meta.url)), JSON.stringify(job)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = ""; c.stdout.on("data", (d) => (out += d)); c.on("exit", () => resolve(JSON.parse(out.trim().split("\n").pop())));
});
const dir = mkdtempSync(join(tmpdir(), "mc-accept-"));
const store = openSqliteStore(join(dir, "minicard.db"));
await store.migrate();
const real = store.events.insert.bind(store.events);
const mode = process.env.MODE ?? "null";
if (mode === "null") store.events.insert = async (events) => events.map((e) => ({ duplicate: false, slot: e.slot, uv: false }));
const config = loadConfig({ dataDir: dir, adminToken: ADMIN_TOKEN, logLevel: "silent", eventsPerMinute: 10000000 }, {}, dir);
const server = await createServer(config, { store });
const url = await server.app.listen({ port: 0, host: "127.0.0.1" });
const ceiling = await spawnListening(fileURLToPath(new URL("../lib/ceiling-server.mjs", import.meta.url)));
const apiKey = await seedBench(url);
const cards = []; for (let i = 0; i < 50; i++) cards.push((await issueCard(url, apiKey)).id);
const job = (u, path) => ({ urls: [u], path, method: "POST", headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN }, bodies: "events", cards, connections: 50, durationSeconds: 5 });
for (let i = 0; i < 2; i++) {
  const drop = await load(job(ceiling.url, "/drop"));
  const full = await load(job(url, "/v1/events"));
  console.log(`mode=${mode} drop ${Math.round(drop.perSecond)}/s, events route ${Math.round(full.perSecond)}/s, ratio ${(full.perSecond / drop.perSecond).toFixed(2)}, non2xx ${full.non2xx}`);
}
await ceiling.stop(); await server.close(); process.exit(0);
