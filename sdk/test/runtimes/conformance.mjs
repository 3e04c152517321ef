/**
 * The SDK's conformance checks, runtime-neutral: only web APIs (`crypto.subtle`, `fetch`,
 * `TextEncoder`, `URL`), no Node built-ins and no test framework, so the same module runs
 * in Deno, Bun and workerd (run.mjs starts them). It imports the built SDK (`dist/`, through
 * the package's `exports`) and the shared forged-token corpus.
 *
 * Checked: every token of the forged-token corpus is refused with its code (ES256 and EdDSA
 * keys made in the runtime, the JWKS served through the verifier's `fetch` option); a
 * genuine card verifies; deep links are built exactly; and, against a live partner server
 * on loopback, the brand client issues, reads and revokes a card whose token the verifier
 * accepts after fetching the server's real JWKS.
 */

import { buildDeepLink, createBrandClient, createVerifier, encodeQuery, hosts, isMinicardError, MAX_TOKEN_LENGTH } from "@minicard/sdk";
import { CORPUS_SURFACE, forgeTokens, genuineToken } from "../../../test-corpus/forged-tokens.ts";

const AUDIENCE = "weibo";
const ISSUER = "https://cards.conformance.test";
const APP_ID = "2021000000000001";

/** A tiny harness: named checks, each passes or fails with a message; nothing stops at the first failure. */
function harness(log) {
  const results = [];
  return {
    results,
    async check(name, body) {
      const started = Date.now();
      try {
        const note = await body();
        results.push({ name, ok: true });
        log(`ok   ${name}${note ? ` (${note})` : ""} ${Date.now() - started} ms`);
      } catch (error) {
        results.push({ name, ok: false, error: String(error?.stack ?? error) });
        let message = String(error?.message ?? error);
        for (let cause = error?.cause; cause; cause = cause.cause) message += ` (cause: ${String(cause?.message ?? cause)})`;
        log(`FAIL ${name}: ${message}`);
      }
    },
  };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** The code `promise` is refused with, or "ACCEPTED". */
async function refusal(promise) {
  try {
    await promise;
    return "ACCEPTED";
  } catch (error) {
    return isMinicardError(error) ? error.code : `not a MinicardError: ${String(error)}`;
  }
}

/** A JWKS endpoint in memory: the verifier's `fetch` option, so the corpus needs no server. */
function jwksFetch(publicJwks) {
  const state = { requests: 0 };
  const fetch = async (url) => {
    state.requests += 1;
    if (String(url) !== `${ISSUER}/.well-known/jwks.json`) return new Response("not found", { status: 404 });
    return new Response(JSON.stringify({ keys: publicJwks }), { headers: { "content-type": "application/json" } });
  };
  return { fetch, state };
}

async function makeKit(alg) {
  const algorithm = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const pair = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const kid = `${alg.toLowerCase()}-genuine`;
  const publicJwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid, alg, use: "sig" };
  delete publicJwk.key_ops;
  delete publicJwk.ext;
  return { issuer: ISSUER, audience: AUDIENCE, kid, alg, privateKey: pair.privateKey, publicJwk, appId: APP_ID };
}

/**
 * Runs every check. `live` (optional) is a partner server on loopback:
 * `{ server, apiKey, partner }` with a brand's API key and the partner its cards are for.
 * Answers `{ runtime, passed, failed, results }`.
 */
export async function runConformance({ runtime, live, log = (line) => console.log(line) }) {
  const { check, results } = harness((line) => log(`[${runtime}] ${line}`));

  for (const alg of ["ES256", "EdDSA"]) {
    let kit;
    await check(`${alg}: a genuine card verifies`, async () => {
      kit = await makeKit(alg);
      const { fetch } = jwksFetch([kit.publicJwk]);
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, fetch });
      const token = await genuineToken(kit);
      const verified = await verifier.verify(token, { surface: CORPUS_SURFACE });
      equal([verified.alg, verified.kid, verified.partner, verified.surface], [alg, kit.kid, AUDIENCE, CORPUS_SURFACE], "verified card");
      equal(verified.card.app, { id: APP_ID, page: "pages/index/index" }, "card app");
      assert(verified.expiresAt instanceof Date && verified.expiresAt > new Date(), "expiresAt is a future Date");
    });
    if (!kit) continue;

    await check(`${alg}: the forged-token corpus is refused, each token with its code`, async () => {
      const corpus = await forgeTokens(kit);
      assert(corpus.length >= 120, `the corpus has ${corpus.length} tokens, expected at least 120`);
      assert(corpus.some((entry) => entry.token.length > MAX_TOKEN_LENGTH), "the corpus has an oversize token");
      const { fetch } = jwksFetch([kit.publicJwk]);
      const wrong = [];
      for (const entry of corpus) {
        const verifier = createVerifier({ issuer: ISSUER, audience: entry.audience ?? AUDIENCE, fetch, cooldownMs: 60_000 });
        const got = await refusal(verifier.verify(entry.token, { surface: entry.surface ?? CORPUS_SURFACE }));
        if (got !== entry.code) wrong.push(`${entry.name}: expected ${entry.code}, got ${got}`);
      }
      assert(wrong.length === 0, `${wrong.length} of ${corpus.length} tokens answered wrongly:\n  ${wrong.join("\n  ")}`);
      return `${corpus.length} tokens, 0 accepted`;
    });

    await check(`${alg}: a token refused before the key lookup never fetches the JWKS`, async () => {
      const { fetch, state } = jwksFetch([kit.publicJwk]);
      const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, fetch });
      const genuine = await genuineToken(kit);
      const [header, payload] = genuine.split(".");
      for (const token of ["", "..", `${header}.${payload}`, `${genuine}==`, "a".repeat(MAX_TOKEN_LENGTH + 1)]) {
        equal(await refusal(verifier.verify(token, { surface: CORPUS_SURFACE })), "malformed", `code of ${JSON.stringify(token.slice(0, 20))}`);
      }
      equal(state.requests, 0, "JWKS requests");
    });
  }

  await check("verify: an unreachable issuer is issuer_unreachable, not a crash", async () => {
    const kit = await makeKit("ES256");
    const fetch = async () => {
      throw new TypeError("network down");
    };
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, fetch });
    equal(await refusal(verifier.verify(await genuineToken(kit), { surface: CORPUS_SURFACE })), "issuer_unreachable", "code");
  });

  await check("deep links: the documented scheme, web hop and Android intent, exactly", async () => {
    const link = buildDeepLink({ id: APP_ID, page: "pages/movie/detail?id=42", query: "from=weibo" }, { host: hosts.alipay });
    const scheme = "alipays://platformapi/startapp?appId=2021000000000001&page=pages%2Fmovie%2Fdetail%3Fid%3D42&query=from%3Dweibo";
    equal(link.scheme, scheme, "scheme");
    equal(link.web, `https://ds.alipay.com/?scheme=${encodeURIComponent(scheme)}`, "web");
    assert(link.intent.startsWith("intent://platformapi/startapp?") && link.intent.includes("package=com.eg.android.AlipayGphone"), `intent: ${link.intent}`);
    equal(encodeQuery({ city: "上海", q: "a&b=c #1" }), "city=%E4%B8%8A%E6%B5%B7&q=a%26b%3Dc%20%231", "encodeQuery");
    const params = new URL(buildDeepLink({ id: APP_ID, page: "pages/x/y?a=1&b=2", query: encodeQuery({ 城市: "北京 🎬" }) }).scheme).searchParams;
    equal([params.get("page"), params.get("query")], ["pages/x/y?a=1&b=2", "%E5%9F%8E%E5%B8%82=%E5%8C%97%E4%BA%AC%20%F0%9F%8E%AC"], "round trip");
    equal(await refusal(Promise.resolve().then(() => buildDeepLink({ id: "wx1234567890abcdef", page: "pages/index/index" }))), "invalid_argument", "foreign appId");
    equal(await refusal(Promise.resolve().then(() => buildDeepLink({ id: APP_ID, page: "pages/\uD800" }))), "invalid_argument", "lone surrogate");
  });

  if (live) {
    await check("live server: the brand client issues, reads and revokes a card; the verifier fetches the real JWKS", async () => {
      const brand = createBrandClient({ server: live.server, apiKey: live.apiKey });
      const input = { partner: live.partner, surface: "dm", kind: "app", app: { id: APP_ID, page: "pages/index/index", query: "from=conformance" }, title: `Conformance in ${runtime}` };
      const issued = await brand.createCard(input, { idempotencyKey: crypto.randomUUID() });
      assert(/^[0-9A-HJKMNP-TV-Z]{26}$/.test(issued.id), `card id ${issued.id}`);
      equal(issued.url, `${live.server}/c/${issued.id}`, "card url");

      const verifier = createVerifier({ issuer: live.server, audience: live.partner });
      const verified = await verifier.verify(issued.token, { surface: "dm" });
      equal([verified.id, verified.partner, verified.card.title], [issued.id, live.partner, input.title], "verified card");
      equal(await refusal(verifier.verify(issued.token, { surface: "feed" })), "wrong_surface", "the same card on a feed");
      equal(await refusal(createVerifier({ issuer: live.server, audience: "another-partner" }).verify(issued.token, { surface: "dm" })), "wrong_audience", "another partner");

      const record = await brand.getCard(issued.id);
      equal([record.id, record.state, record.surface], [issued.id, "active", "dm"], "card record");
      await brand.revokeCard(issued.id);
      equal((await brand.getCard(issued.id)).state, "revoked", "state after revoke");

      const stranger = createBrandClient({ server: live.server, apiKey: "mck_not_a_real_key_0123456789abcdef" });
      equal(await refusal(stranger.createCard(input)), "unauthorized", "a wrong API key");
      equal(await refusal(brand.createCard({ ...input, title: "" })), "validation_failed", "an empty title");
      return `card ${issued.id}`;
    });
  }

  const failed = results.filter((result) => !result.ok).length;
  return { runtime, passed: results.length - failed, failed, results };
}
