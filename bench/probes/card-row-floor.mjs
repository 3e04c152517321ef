// A probe, not a benchmark: what SQLite itself costs per issued card, on the store's own schema
// (migrated by `openSqliteStore`) and the same multi-row INSERT the group commit sends, in
// transactions of 25 cards (the bench's average group commit) with synchronous=FULL. No HTTP,
// no signing, no thread hand-off: only SQLite and the kernel. It tells what a change of the
// `cards` table could win before anyone writes a migration for it:
//
//   full      the table as it is (the card's JSON, its token, four secondary indexes)
//   nocard    without the `card` column (the JSON the token also carries)
//   noissued  without `cards_issued_idx`
//   noindex   without any secondary index
//
// The variants run in turn, ROUNDS times (default 3), each on a new database; each line gives
// the median of the process's CPU per card (user + system) and of the wall time per card.
//
//   npm run build && node bench/probes/card-row-floor.mjs      (ONLY=full,nocard to choose)
import { Kysely, SqliteDialect } from "kysely";
import { CARD_REQUEST } from "../lib/servers.mjs";
import { stats } from "../lib/stats.mjs";
import { openStoreFile } from "../lib/store-file.mjs";

const VARIANTS = {
  full: [],
  nocard: ["ALTER TABLE cards DROP COLUMN card"],
  noissued: ["DROP INDEX cards_issued_idx"],
  noindex: ["DROP INDEX cards_issued_idx", "DROP INDEX cards_brand_idx", "DROP INDEX cards_partner_idx", "DROP INDEX cards_kid_idx"],
};
const only = process.env.ONLY?.split(",");
const variants = Object.keys(VARIANTS).filter((name) => !only || only.includes(name));
const PER_TRANSACTION = 25;
const TRANSACTIONS = Number(process.env.TRANSACTIONS ?? 2000);

// A card as the bench issues it: its JSON, and a token of the same size as a real one.
const now = Date.now();
const card = JSON.stringify({ v: 1, ...CARD_REQUEST, partner: undefined, brand: { name: "Bench Brand" } });
const claims = { iss: "http://127.0.0.1:8787", aud: "bench", sub: "bench-brand", jti: "01JBENCH00000000000000000A", iat: 0, nbf: 0, exp: 0, card: JSON.parse(card) };
const token = `${Buffer.from('{"alg":"ES256","kid":"k1","typ":"minicard+jwt"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${"A".repeat(86)}`;

async function measure(name) {
  const storeFile = await openStoreFile("mc-cards-");
  const { db } = storeFile;
  try {
    for (const statement of VARIANTS[name]) db.exec(statement);
    const columns = db.prepare("SELECT name FROM pragma_table_info('cards')").all().map((row) => row.name);
    // The group commit's statement: one multi-row INSERT, compiled as the repository compiles it.
    const rows = Array.from({ length: PER_TRANSACTION }, () => Object.fromEntries(columns.map((column) => [column, null])));
    const sql = new Kysely({ dialect: new SqliteDialect({ database: db }) }).insertInto("cards").values(rows).compile().sql;
    const insert = db.prepare(sql);
    let serial = 0;
    const write = () => {
      const parameters = [];
      for (let i = 0; i < PER_TRANSACTION; i += 1) {
        const at = now + serial;
        // ULID-like: time first, so ids arrive in order, as `newId` makes them.
        const values = { id: `01J${(serial++).toString(32).padStart(10, "0")}${"R".repeat(13)}`, brand_id: "bench-brand", partner_id: "bench", surface: "dm", kind: "product", sharer: "bench-sharer", card, token, kid: "k1", issued_at: at, expires_at: at + 604_800_000, revoked_at: null };
        for (const column of columns) parameters.push(values[column]);
      }
      db.prepare("BEGIN IMMEDIATE").run();
      insert.run(parameters);
      db.prepare("COMMIT").run();
    };
    for (let n = 0; n < TRANSACTIONS / 5; n += 1) write(); // warm-up
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let n = 0; n < TRANSACTIONS; n += 1) write();
    const used = process.cpuUsage(cpu);
    const cards = TRANSACTIONS * PER_TRANSACTION;
    return { cpu: (used.user + used.system) / cards, wall: ((performance.now() - start) * 1000) / cards };
  } finally {
    storeFile.remove();
  }
}

const runs = Object.fromEntries(variants.map((name) => [name, []]));
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round += 1) {
  for (const name of round % 2 === 0 ? variants : [...variants].reverse()) runs[name].push(await measure(name));
}
for (const name of variants) {
  const cpu = stats(runs[name].map((run) => run.cpu)).median;
  const wall = stats(runs[name].map((run) => run.wall)).median;
  console.log(`${name.padEnd(9)} CPU ${cpu.toFixed(1)} µs per card, wall ${wall.toFixed(1)} µs | ${runs[name].map((run) => run.cpu.toFixed(1)).join(", ")}`);
}
