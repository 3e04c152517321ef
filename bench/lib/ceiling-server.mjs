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

import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import Fastify from "fastify";

const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const key = createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" }));
const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: "bench-kid", typ: "minicard+jwt" })).toString("base64url");

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
app.post("/sign", async (request, reply) => {
  const input = request.body;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: "http://127.0.0.1",
    aud: input.partner,
    sub: "bench-brand",
    jti: randomBytes(13).toString("hex").toUpperCase().slice(0, 26),
    iat: now,
    nbf: now,
    exp: now + 7 * 24 * 3600,
    card: { v: 1, kind: input.kind, surface: input.surface, app: input.app, title: input.title, description: input.description, image: input.image, cta: input.cta, price: input.price, sharer: input.sharer, brand: { name: "Bench Brand" } },
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  reply.code(201);
  return { id: claims.jti, token: `${header}.${payload}.${signature}` };
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
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`listening ${address}`);
const stop = () => app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
