// A probe, not a benchmark: what SQLite itself costs per stored event, on the store's own
// schema and the store's own INSERT (`createEventStatements`), in transactions of 2,500
// events with synchronous=FULL, as the group commit writes them. It answers two questions:
//   - how the de-duplication key's order shapes the cost once many events are stored
//     (KEY=card: the card first, as keys were until 2026-12-05; KEY=minute: the minute first,
//     as `dedupKey` builds them now);
//   - the floor under ingestion: no HTTP, no validation, no thread hand-off, only SQLite.
//
//   npm run build && node bench/probes/sqlite-floor.mjs                 (KEY=minute, PREFILL=500000)
//   KEY=card PREFILL=500000 node bench/probes/sqlite-floor.mjs
//   KEY=card SPREAD_DAYS=90 PREFILL=2000000 node bench/probes/sqlite-floor.mjs   (the prefill spread over 90 days, oldest first)
import { Kysely, SqliteDialect } from "kysely";
import { createEventStatements } from "../../partner-server/dist/store/sql/event-statements.js";
import { openStoreFile } from "../lib/store-file.mjs";

const KEY = process.env.KEY ?? "minute";
const PREFILL = Number(process.env.PREFILL ?? 500_000);
const TRANSACTIONS = Number(process.env.TRANSACTIONS ?? 40);
const PER_TRANSACTION = 2_500;

const storeFile = await openStoreFile("mc-floor-");
const { db } = storeFile;
const { claimStatements } = createEventStatements(new Kysely({ dialect: new SqliteDialect({ database: db }) }), "sqlite");
const prepared = new Map();
const run = (query) => {
  let statement = prepared.get(query.sql);
  if (!statement) prepared.set(query.sql, (statement = db.prepare(query.sql)));
  return statement.reader ? statement.all(query.parameters) : statement.run(query.parameters);
};

// The prefill is an hour older than the measured events: its minutes are all earlier.
const now = Date.now();
let serial = 0;
function events(at) {
  const minute = Math.floor(at / 60_000);
  return Array.from({ length: PER_TRANSACTION }, (_, i) => {
    const card = `card${i % 50}`;
    const who = `w_${Math.floor(Math.random() * 4e6).toString(36)}`;
    const click = i % 10 === 0;
    return {
      id: `${at.toString(36)}${(serial++).toString(36).padStart(12, "0")}`,
      type: click ? "click" : "impression",
      cardId: card, brandId: "brand", partnerId: "partner", surface: "feed", slot: "organic", quality: "unverified",
      visitor: who, viewer: undefined, placement: undefined, at,
      dedupKey: click ? undefined : KEY === "card" ? `${card}|${who}|organic|${minute}` : `${minute}|${card}|${who}|organic`,
    };
  });
}
function write(batch, n) {
  const { stored } = claimStatements(batch, n);
  db.prepare("BEGIN IMMEDIATE").run();
  const a = performance.now();
  for (const query of stored) run(query);
  const b = performance.now();
  db.prepare("COMMIT").run();
  return { insert: b - a, commit: performance.now() - b };
}

const SPREAD = Number(process.env.SPREAD_DAYS ?? 0) * 86_400_000;
for (let n = 0; n < PREFILL / PER_TRANSACTION; n++) write(events(now - 3_600_000 - SPREAD + Math.floor((n * SPREAD) / (PREFILL / PER_TRANSACTION)) + n), n + 1);
db.pragma("wal_checkpoint(TRUNCATE)");
let insert = 0;
let commit = 0;
for (let n = 0; n < TRANSACTIONS; n++) {
  const took = write(events(now + n), 1e6 + n);
  insert += took.insert;
  commit += took.commit;
}
const perEvent = (ms) => ((ms * 1000) / (TRANSACTIONS * PER_TRANSACTION)).toFixed(1);
console.log(`KEY=${KEY} PREFILL=${PREFILL}: insert ${perEvent(insert)} µs + commit ${perEvent(commit)} µs = ${perEvent(insert + commit)} µs per stored event`);
storeFile.remove();
