// Event ingestion rate: POST /v1/events with batches of 50 (unique visitors, 10% clicks)
// from a partner origin for 10 s on 4 connections, against the built CLI on SQLite.
// Prints requests/s, events/s, p99 latency and what the stats read back. `node bench/events-ingest.mjs`
// The per-client beacon limit (MINICARD_EVENTS_PER_MINUTE) is lifted: this measures the store path.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = mkdtempSync(join(tmpdir(), "mc-bench-"));
const token = "bench-admin-token-0123456789";
const child = spawn(process.execPath, [new URL("../partner-server/dist/bin.js", import.meta.url).pathname, "start", "--host", "127.0.0.1", "--port", "18787", "--data-dir", dir], { env: { ...process.env, MINICARD_ADMIN_TOKEN: token, MINICARD_LOG_LEVEL: "warn", MINICARD_EVENTS_PER_MINUTE: "1000000" }, stdio: ["ignore", "pipe", "inherit"] });
await new Promise((r) => child.stdout.on("data", (d) => /listening/.test(String(d)) && r()));
const url = "http://127.0.0.1:18787";
const admin = (p, b) => fetch(url + "/v1/admin" + p, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(b) }).then((r) => r.json());
await admin("/partners", { id: "weibo", name: "W", origins: ["https://weibo.example"], surfaces: ["dm", "profile", "feed"] });
const { apiKey } = await admin("/brands", { id: "b", name: "B", category: "campus", apps: ["2021000000000001"], surfaces: ["dm"], invited: true });
const card = await (await fetch(url + "/v1/cards", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ partner: "weibo", surface: "dm", kind: "app", app: { id: "2021000000000001", page: "pages/index" }, title: "t" }) })).json();
const events = Array.from({ length: 50 }, (_, i) => ({ type: i % 10 === 0 ? "click" : "impression", card: card.id, visitor: `v[<id>]_${i}` }));
const result = await autocannon({ url: url + "/v1/events", method: "POST", connections: 4, duration: 10, idReplacement: true, headers: { origin: "https://weibo.example", "content-type": "text/plain" }, body: JSON.stringify({ events }) });
const stored = await (await fetch(`${url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${apiKey}` } })).json();
console.log(JSON.stringify({ requestsPerSec: result.requests.average, eventsPerSec: result.requests.average * 50, p99ms: result.latency.p99, non2xx: result.non2xx, storedImpressions: stored.impressions, storedClicks: stored.clicks }));
child.kill("SIGTERM");
