#!/usr/bin/env node
// The analytics loader: puts N synthetic widget events into a partner server's SQLite store
// through the store itself (`openSqliteStore(file).events.insert`, the path POST /v1/events
// ends in: the same transaction writes the raw events, hourly and daily rollups, unique
// visits, credits, debits and ledgers), without HTTP. The server must be stopped meanwhile:
// one writer at a time.
//
//   node bench/lib/load-events.mjs <sqlite file> <count> [--days 90] [--batch 5000] [--viewers 1000000]
//
// Events are spread evenly over the last `days` days and written oldest first (ids are
// ULID-shaped, so the primary key, the (brand, at) and day indexes grow at their ends), over
// the live cards already in the store (or `cards` when called as a module), card popularity
// skewed so the hot list has a ranking. The mix: 10% clicks; 80% credited (viewers from a
// pool of `viewers`), 12% unverified, 6% bot, 2% suspect; 1% of credited impressions in a
// trending slot with a placement id, so they claim debits as paid impressions do. Impressions
// carry the dedup key ingestion gives them (card, viewer or visitor, slot, minute): the rare
// collision is skipped by the store as a duplicate, as ingestion would, and counted.
// Prints one JSON line: count, stored, duplicates, seconds, perSecond.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const DAY_MS = 86_400_000;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** better-sqlite3 as the partner server resolves it. */
export function openDatabase(file, options = { readonly: true, fileMustExist: true }) {
  const Database = createRequire(`${root}partner-server/package.json`)("better-sqlite3");
  return new Database(file, options);
}

/** The live cards of a store file (what events may name). */
export function liveCards(file, now = Date.now()) {
  const db = openDatabase(file);
  try {
    return db
      .prepare("SELECT id, brand_id AS brandId, partner_id AS partnerId, surface FROM cards WHERE revoked_at IS NULL AND expires_at > ? ORDER BY id")
      .all(now);
  } finally {
    db.close();
  }
}

/** `value` in Crockford base32, `length` characters (ULID's alphabet). */
function base32(value, length) {
  let out = "";
  for (let i = 0; i < length; i += 1) {
    out = CROCKFORD[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/** A small, fast, seeded PRNG (mulberry32): the same seed loads the same mix. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Loads `count` events into the SQLite store at `file`; answers { count, stored, duplicates,
 * seconds, perSecond } (`perSecond`: events offered per second, duplicates included).
 * `batch` events per `insert` call (the store splits its statements under SQLite's limit of
 * 32,766 bound values), `group` calls per transaction (the store's group commit joins calls
 * made together).
 */
export async function loadEvents({
  file,
  count,
  cards = liveCards(file),
  days = 90,
  now = Date.now(),
  batch = 5000,
  group = 4,
  viewers = 1_000_000,
  seed = 1,
  onProgress = () => {},
}) {
  if (cards.length === 0) throw new Error(`no live cards in ${file}: issue some first`);
  const { openSqliteStore } = await import(`${root}partner-server/dist/store/sqlite.js`);
  const { dedupKey } = await import(`${root}partner-server/dist/domain/counting.js`);
  const store = openSqliteStore(file);
  await store.migrate();
  const random = prng(seed);
  // Unique across loads into the same file: 5 characters of the run, then a counter.
  const run = base32(Math.floor(Math.random() * 32 ** 5), 5);
  const start = now - days * DAY_MS;
  const span = days * DAY_MS - 1;
  let made = 0;
  let duplicates = 0;
  const countDuplicates = (outcomes) => {
    for (const outcome of outcomes) if (outcome.duplicate) duplicates += 1;
  };

  function nextEvents(n) {
    const events = new Array(n);
    for (let i = 0; i < n; i += 1, made += 1) {
      // Oldest first, evenly over the span (each event's own instant within its step).
      const at = start + Math.floor(((made + random()) * span) / count);
      // Popularity skew: a few cards get most events.
      const card = cards[Math.floor(random() ** 2 * cards.length)];
      const type = random() < 0.1 ? "click" : "impression";
      const q = random();
      const quality = q < 0.8 ? "credited" : q < 0.92 ? "unverified" : q < 0.98 ? "bot" : "suspect";
      const visitor = `w_${Math.floor(random() * 4 * viewers).toString(36)}`;
      const viewer = quality === "credited" ? `u_${Math.floor(random() * viewers).toString(36)}` : undefined;
      const trending = quality === "credited" && type === "impression" && random() < 0.01;
      const slot = trending ? "trending" : "organic";
      const who = viewer === undefined ? visitor : `v=${viewer}`;
      events[i] = {
        id: `${base32(at, 10)}${run}${base32(made, 11)}`,
        type,
        cardId: card.id,
        brandId: card.brandId,
        partnerId: card.partnerId,
        surface: card.surface,
        slot,
        quality,
        visitor,
        viewer,
        placement: trending ? base32(Math.floor(random() * 2 ** 40), 8) + base32(made, 8) : undefined,
        at,
        dedupKey: type === "impression" ? dedupKey(card.id, who, slot, at) : undefined,
      };
    }
    return events;
  }

  const began = performance.now();
  let lastReport = began;
  // Two transactions in flight: `group` insert calls made in one turn of the event loop go
  // into one transaction (group commit), and the next group is made while it is written.
  let previous = Promise.resolve();
  try {
    while (made < count) {
      const writes = [];
      for (let j = 0; j < group && made < count; j += 1) writes.push(store.events.insert(nextEvents(Math.min(batch, count - made))).then(countDuplicates));
      await previous;
      previous = Promise.all(writes);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        onProgress({ done: made, count, seconds: (lastReport - began) / 1000 });
      }
    }
    await previous;
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - began) / 1000;
  return { count, stored: count - duplicates, duplicates, seconds, perSecond: count / seconds };
}

/**
 * Retention's maintenance on a loaded store, as the running server would have done it hourly
 * over those days: deletes the visit keys of closed days (and raw events beyond
 * `retentionDays`). Answers { seconds }.
 */
export async function maintain({ file, retentionDays = 3650, now = Date.now() }) {
  const { openSqliteStore } = await import(`${root}partner-server/dist/store/sqlite.js`);
  const store = openSqliteStore(file);
  const began = performance.now();
  try {
    const beforeDay = Math.floor(now / DAY_MS) - retentionDays + 1;
    while ((await store.events.purge(beforeDay, 5000, now)) >= 5000);
  } finally {
    await store.close();
  }
  return { seconds: (performance.now() - began) / 1000 };
}

/** The tables whose rows the figures count: raw events and what ingestion rolls them up into. */
const TABLES = ["events", "rollup_hours", "rollup_days", "uniques_hours", "uniques_days", "credits", "visits", "debits", "ledgers"];

/**
 * What a store file holds (the server stopped): its size on disk (with the WAL), each table's
 * rows and bytes (pages of the table and of its indexes, from SQLite's `dbstat`), and bytes
 * per raw event (whole file, and the events table with its indexes) and per rollup row.
 */
export function storeFigures(file) {
  const { statSync, existsSync } = createRequire(import.meta.url)("node:fs");
  const db = openDatabase(file);
  try {
    const fileBytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
    const bytes = Object.fromEntries(
      db
        .prepare("SELECT m.tbl_name AS tbl, SUM(s.pgsize) AS bytes FROM dbstat s JOIN sqlite_schema m ON m.name = s.name GROUP BY m.tbl_name")
        .all()
        .map((row) => [row.tbl, row.bytes]),
    );
    const tables = Object.fromEntries(TABLES.map((name) => [name, { rows: db.prepare(`SELECT count(*) AS n FROM ${name}`).get().n, bytes: bytes[name] ?? 0 }]));
    const rollups = ["rollup_hours", "rollup_days"];
    const rollupRows = rollups.reduce((sum, name) => sum + tables[name].rows, 0);
    const rollupBytes = rollups.reduce((sum, name) => sum + tables[name].bytes, 0);
    return {
      fileBytes,
      events: tables.events.rows,
      bytesPerEvent: fileBytes / tables.events.rows,
      eventTableBytesPerEvent: tables.events.bytes / tables.events.rows,
      bytesPerRollupRow: rollupBytes / rollupRows,
      tables,
    };
  } finally {
    db.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, countArg, ...rest] = process.argv.slice(2);
  if (!file || !countArg) {
    console.error("usage: node bench/lib/load-events.mjs <sqlite file> <count> [--days 90] [--batch 5000] [--viewers 1000000]");
    process.exit(2);
  }
  const option = (name, fallback) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? Number(rest[i + 1]) : fallback;
  };
  const result = await loadEvents({
    file,
    count: Number(countArg.replace(/_/g, "")),
    days: option("days", 90),
    batch: option("batch", 5000),
    viewers: option("viewers", 1_000_000),
    onProgress: ({ done, count, seconds }) => console.error(`load-events: ${done.toLocaleString("en-US")} / ${count.toLocaleString("en-US")} in ${seconds.toFixed(0)} s`),
  });
  console.log(JSON.stringify(result));
}
