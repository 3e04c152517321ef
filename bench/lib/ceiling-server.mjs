#!/usr/bin/env node
// The HTTP ceilings, as a Fastify server (the framework the partner server uses):
//   POST /sign    signs the same claims the partner server signs, with an ES256 key as a
//                 KeyObject, and answers { token } — issuance without auth, validation,
//                 limits or storage: what issuance would cost if everything else were free.
//   POST /drop    parses the JSON body and answers 202: a bare route that accepts and drops.

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
app.post("/drop", async (_request, reply) => {
  reply.code(202);
  return { accepted: 0 };
});
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`listening ${address}`);
const stop = () => app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
