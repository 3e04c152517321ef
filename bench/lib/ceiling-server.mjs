#!/usr/bin/env node
// The HTTP ceilings, as a Fastify server (the framework the partner server uses):
//   POST /sign    signs the same claims the partner server signs, with an ES256 key as a
//                 KeyObject, and answers { token } — issuance without auth, validation,
//                 limits or storage: what issuance would cost if everything else were free.
//   POST /drop    parses the JSON body and answers 202: a bare route that accepts and drops.
//                 Beacons come as `text/plain` (what `navigator.sendBeacon` sends without a
//                 preflight), so it parses that as JSON too, as the events route does: Fastify's
//                 own `text/plain` parser only reads the string.
//   GET /static   answers a fixed JSON document shaped and sized like a 10-entry hot list
//                 (GET /v1/trending, about 11 KB), serialized once at start: what the hot list
//                 would cost if reading it were free.
//   POST /sign-durable, POST /sign-then-durable
//                 only when started with a SQLite file (`ceiling-server.mjs <file>`, a store
//                 file the partner server migrated): /sign, plus the card's row written as the
//                 partner server writes it (time-ordered ids, every column), fsynced before the
//                 answer. Issuance without auth, validation or limits: what it would cost if
//                 everything but signing and the durable write were free. The cards of one turn
//                 of the event loop go to a worker thread in one message (one out at a time; the
//                 next forms meanwhile), which inserts their rows in one transaction (WAL,
//                 `synchronous=FULL`) and answers once it has committed. /sign-durable has the
//                 worker sign them first, as the partner server's SQLite thread does;
//                 /sign-then-durable signs each on the main thread, as /sign does.

import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import Fastify from "fastify";

const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const key = createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }));
const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: "bench-kid", typ: "minicard+jwt" })).toString("base64url");

/** The compact JWS of `input` (its header and payload, base64url), signed with the key. */
const compact = (input) => `${input}.${sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
/** The claims /sign and the durable routes sign for a card request. */
function claimsOf(input, now, jti = randomBytes(13).toString("hex").toUpperCase().slice(0, 26)) {
  return {
    iss: "http://127.0.0.1",
    aud: input.partner,
    sub: "bench-brand",
    jti,
    iat: now,
    nbf: now,
    exp: now + 7 * 24 * 3600,
    card: { v: 1, kind: input.kind, surface: input.surface, app: input.app, title: input.title, description: input.description, image: input.image, cta: input.cta, price: input.price, sharer: input.sharer, brand: { name: "Bench Brand" } },
  };
}
app.post("/sign", async (request, reply) => {
  const claims = claimsOf(request.body, Math.floor(Date.now() / 1000));
  reply.code(201);
  return { id: claims.jti, token: compact(`${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`) };
});
// Ten entries as the hot list answers them: a signed card token (its claims a feed card's), the
// card's fields, its landing URL, a score and a placement.
const STATIC = JSON.stringify({
  partner: "bench",
  surface: "feed",
  generatedAt: new Date().toISOString(),
  halfLifeSeconds: 21600,
  cards: Array.from({ length: 10 }, (_, i) => {
    const id = `01M8QQ7EXC1X0M3NEPJA5DZA${String(i).padStart(2, "0")}`;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: "http://localhost:40000",
      aud: "bench",
      sub: "bench-brand",
      jti: id,
      iat: now,
      nbf: now,
      exp: now + 7 * 24 * 3600,
      card: {
        v: 1,
        kind: "product",
        surface: "feed",
        app: { id: "2021000000000001", page: "pages/item/index", query: "sku=42&from=bench" },
        title: `Offer ${i + 1}`,
        brand: { name: "Bench Brand" },
        description: "Tonight only, at every Starlight Cinema in town.",
        image: "https://img.example/cover.jpg",
        sharer: "bench-sharer",
        cta: "Buy now",
        price: { amount: "59.90", currency: "CNY" },
      },
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return {
      rank: i + 1,
      id,
      token: `${header}.${payload}.${randomBytes(64).toString("base64url")}`,
      surface: "feed",
      kind: "product",
      brand: "bench-brand",
      title: `Offer ${i + 1}`,
      url: `http://localhost:40000/c/${id}`,
      score: 40.633206 / (i + 1),
      placement: `p1.tpcihz.${randomBytes(12).toString("base64url")}.${randomBytes(16).toString("base64url")}`,
    };
  }),
});
app.get("/static", async (_request, reply) => {
  reply.header("content-type", "application/json; charset=utf-8");
  return STATIC;
});
app.addContentTypeParser("text/plain", { parseAs: "string" }, (_request, body, done) => {
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(error, undefined);
  }
});
app.post("/drop", async (_request, reply) => {
  reply.code(202);
  return { accepted: 0 };
});
if (process.argv[2]) {
  const requireFromServer = createRequire(new URL("../../partner-server/package.json", import.meta.url));
  // The worker: signs each card that came without its token, then inserts the batch's rows (the
  // partner server's `cards` columns, in its order) in one transaction, one prepared statement
  // per batch size.
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const { createPrivateKey, sign } = require("node:crypto");
    const Database = require(workerData.driver);
    const key = createPrivateKey(workerData.key);
    const db = new Database(workerData.file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const COLUMNS = "(id, brand_id, partner_id, surface, kind, sharer, card, token, kid, issued_at, expires_at, revoked_at)";
    const inserts = new Map();
    const insert = (n) => {
      let statement = inserts.get(n);
      if (!statement) inserts.set(n, (statement = db.prepare("INSERT INTO cards " + COLUMNS + " VALUES " + Array(n).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", "))));
      return statement;
    };
    const write = db.transaction((values, n) => insert(n).run(values));
    parentPort.on("message", ({ inputs, tokens: given, rows }) => {
      const tokens = inputs.map((input, i) => given[i] ?? input + "." + sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url"));
      const values = [];
      rows.forEach((row, i) => values.push(row[0], row[1], row[2], row[3], row[4], row[5], row[6], tokens[i], row[7], row[8], row[9], null));
      write.immediate(values, rows.length);
      parentPort.postMessage(tokens);
    });
    `,
    {
      eval: true,
      workerData: {
        driver: requireFromServer.resolve("better-sqlite3"),
        file: process.argv[2],
        key: privateKey.export({ format: "pem", type: "pkcs8" }),
      },
    },
  );
  worker.unref();
  let queue = [];
  let batch;
  const flush = () => {
    if (batch || queue.length === 0) return;
    batch = queue;
    queue = [];
    worker.postMessage({ inputs: batch.map((card) => card.input), tokens: batch.map((card) => card.token), rows: batch.map((card) => card.row) });
  };
  worker.on("message", (tokens) => {
    const done = batch;
    batch = undefined;
    done.forEach((card, i) => card.resolve(tokens[i]));
    if (queue.length > 0) setImmediate(flush);
  });
  worker.on("error", (error) => {
    console.error(error);
    process.exit(1);
  });
  // Time-ordered ids, as the partner server's cards have: rows go in at the end of each index.
  // (Their random part does not matter here: Math.random spares the OS call per character that
  // ulid's default source makes.)
  const newId = requireFromServer("ulid").monotonicFactory(() => Math.random());
  const durable = (signHere) => async (request, reply) => {
    const now = Date.now();
    const claims = claimsOf(request.body, Math.floor(now / 1000), newId(now));
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    const row = [claims.jti, claims.sub, claims.aud, claims.card.surface, claims.card.kind, claims.card.sharer ?? null, JSON.stringify(claims.card), "bench-kid", now, claims.exp * 1000];
    const signed = signHere ? compact(input) : undefined;
    const token = await new Promise((resolve) => {
      queue.push({ input, row, token: signed, resolve });
      // The requests parsed in this turn of the event loop join the batch.
      if (!batch && queue.length === 1) setImmediate(flush);
    });
    reply.code(201);
    return { id: claims.jti, token };
  };
  app.post("/sign-durable", durable(false));
  app.post("/sign-then-durable", durable(true));
}
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`listening ${address}`);
const stop = () => app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
