/**
 * The fraud drill: counted traffic is a currency, so every way of printing it is tried
 * against the real server over HTTP on loopback, and each must credit nothing:
 * - a script that sets a partner's `Origin` and sends events with invented visitors;
 * - a corpus of bad viewer passes (each kind named by the reason the server gives);
 * - crawlers, link-preview fetchers, headless browsers and HTTP tools carrying valid passes;
 * - many valid passes from one client (capped per brand and hour);
 * - hot-list impressions without a placement, with a forged, foreign, expired or reused one.
 *
 * The route guards and the origin flood have their own file (`route-guards.test.ts`). Each
 * test prints one `[drill]` line with its figures (the closing note quotes them).
 */

import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VIEWER_PASS_TYPE } from "@minicard/sdk";
import { admin } from "../support/server.js";
import { registerPassKey, type PartnerPasses } from "../support/passes.js";
import { DAY_ONE, HOUR, ORIGIN, growthWorld, type GrowthWorld } from "../growth/support.js";

const DOUYIN_ORIGIN = "https://douyin.example";

describe("fraud drill", () => {
  let world: GrowthWorld;
  let douyin: PartnerPasses;
  let card: { id: string; surface: "feed" };
  let other: { id: string; surface: "feed" };
  const ledger = async () =>
    (await (await fetch(`${world.server.url}/v1/brands/me/stats?from=2026-11-19&to=2026-11-21`, { headers: { authorization: `Bearer ${world.apiKey}` } })).json()) as {
      uv: number;
      ledger: { uv: number; pvDelivered: number };
      byQuality: Record<string, { impressions: number; clicks: number }>;
    };
  const click = (visitor: string, extra: Record<string, unknown> = {}) => ({ type: "click", card: card.id, visitor, ts: world.clock.now, ...extra });
  const impression = (visitor: string, extra: Record<string, unknown> = {}) => ({ type: "impression", card: card.id, visitor, ts: world.clock.now, ...extra });

  beforeAll(async () => {
    // The default cap (20 viewers per client IP, brand and hour); clients are told apart by
    // the balancer's X-Forwarded-For.
    world = await growthWorld({ start: DAY_ONE + 10 * HOUR, config: { creditsPerIpHour: 20, trustProxy: true, eventsPerMinute: 1_000_000 } });
    await admin(world.server.url).createPartner({ id: "douyin", name: "Douyin", origins: [DOUYIN_ORIGIN], surfaces: ["dm", "feed"] });
    douyin = await registerPassKey(world.server.url, "douyin");
    card = { id: (await world.issue({ surface: "feed", title: "Fraud target" })).id, surface: "feed" };
    other = { id: (await world.issue({ surface: "feed", title: "Another card" })).id, surface: "feed" };
  });
  afterAll(() => world.server.close());

  it("credits nothing to 1,200 events with invented visitors from a script on the partner's origin", async () => {
    const before = await ledger();
    let sent = 0;
    let credited = 0;
    for (let batch = 0; batch < 24; batch++) {
      const events = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? click : impression)(`invented-${batch}-${i}`));
      // Spread over 24 client addresses, as a botnet would: no pass, no credit, whatever the IP.
      const { status, body } = await world.send(events, { viewer: null, headers: { "x-forwarded-for": `198.51.100.${batch + 1}` } });
      expect(status).toBe(202);
      expect(body.accepted).toBe(50);
      expect(body.viewer).toEqual({ status: "missing" });
      sent += events.length;
      credited += body.credited;
      expect(body.results.every((result: { quality: string; reason: string }) => result.quality === "unverified" && result.reason === "viewer_pass_missing")).toBe(true);
    }
    const after = await ledger();
    expect(credited).toBe(0);
    expect(after.ledger).toEqual(before.ledger);
    expect(after.byQuality.unverified!.clicks - before.byQuality.unverified!.clicks).toBe(600);
    // The hot list ranks credited engagement only: the flood did not put the card on it.
    const hot = await (await fetch(`${world.server.url}/v1/trending?partner=weibo`)).json();
    expect(hot.cards.map((entry: { id: string }) => entry.id)).not.toContain(card.id);
    console.log(`[drill] invented visitors: ${sent} events tried, ${credited} credited, UV ${before.ledger.uv} → ${after.ledger.uv}`);
  });

  it("credits nothing to a corpus of bad viewer passes, and says why for each", async () => {
    const now = Math.floor(world.clock.now / 1000);
    const { privateKey: strangerKey } = await generateKeyPair("ES256");
    const weiboKey = world.passes.privateKey;
    const kid = world.passes.kid;
    const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: CryptoKey = weiboKey) =>
      new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid, typ: VIEWER_PASS_TYPE, ...header }).sign(key);
    const good = { iss: "weibo", aud: world.server.url, sub: "reader-1", iat: now, exp: now + 3600 };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const valid = await sign(good);
    const [h, p, sig] = valid.split(".") as [string, string, string];
    const { publicKey, privateKey: embeddedKey } = await generateKeyPair("ES256", { extractable: true });

    const corpus: Array<[string, string | Promise<string>, string]> = [
      ["key never registered", new SignJWT(good).setProtectedHeader({ alg: "ES256", kid: "not-registered", typ: VIEWER_PASS_TYPE }).sign(strangerKey), "unknown_key"],
      ["registered kid, another key's signature", sign(good, {}, strangerKey as CryptoKey), "invalid_signature"],
      ["aud of another service", sign({ ...good, aud: "https://elsewhere.example" }), "wrong_audience"],
      ["aud as a list", sign({ ...good, aud: [world.server.url, "https://elsewhere.example"] }), "wrong_audience"],
      ["iss of no partner", sign({ ...good, iss: "nobody" }), "wrong_issuer"],
      ["another partner's pass on this partner's page", douyin.mint("reader-1", { now: new Date(world.clock.now) }), "wrong_issuer"],
      ["expired", sign({ ...good, iat: now - 7200, exp: now - 3600 }), "expired"],
      ["lifetime over 24 h", sign({ ...good, exp: now + 25 * 3600 }), "lifetime_too_long"],
      ["issued in the future", sign({ ...good, iat: now + 3600, exp: now + 7200 }), "issued_in_future"],
      ["typ JWT", sign(good, { typ: "JWT" }), "wrong_type"],
      ["typ of a card", sign(good, { typ: "minicard+jwt" }), "wrong_type"],
      ["payload tampered after signing", `${h}.${b64({ ...good, sub: "someone-else" })}.${sig}`, "invalid_signature"],
      ["alg none", `${b64({ alg: "none", typ: VIEWER_PASS_TYPE, kid })}.${p}.`, "unsupported_algorithm"],
      ["HS256 keyed with the public JWK", `${b64({ alg: "HS256", typ: VIEWER_PASS_TYPE, kid })}.${p}.${sig}`, "unsupported_algorithm"],
      ["embedded jwk header", sign(good, { jwk: await exportJWK(publicKey) }, embeddedKey as CryptoKey), "malformed"],
      ["no sub", sign({ ...good, sub: undefined }), "missing_claim"],
      ["sub is an email", sign({ ...good, sub: "reader@example.com" }), "bad_subject"],
      ["sub is a phone number", sign({ ...good, sub: "13800138000" }), "personal_subject"],
      ["not a JWS", "definitely-not-a-pass", "malformed"],
      ["over 4 KB", sign({ ...good, pad: "x".repeat(5000) }), "too_long"],
    ];
    const before = await ledger();
    const seen: string[] = [];
    for (const [name, pass, reason] of corpus) {
      const { status, body } = await world.send([click(`corpus-${seen.length}`), impression(`corpus-${seen.length}`)], { viewer: await pass });
      expect(status, name).toBe(202);
      expect(body.viewer, name).toEqual({ status: "invalid", reason });
      expect(body.credited, name).toBe(0);
      expect(body.results.map((result: { quality: string }) => result.quality), name).toEqual(["unverified", "unverified"]);
      seen.push(reason);
    }
    // The good pass, for contrast, is credited.
    const control = await world.send([click("control")], { viewer: valid });
    expect(control.body).toMatchObject({ credited: 1, viewer: { status: "valid", partner: "weibo" }, results: [{ quality: "credited", uv: true }] });
    const after = await ledger();
    expect(after.ledger.uv - before.ledger.uv).toBe(1);
    console.log(`[drill] bad passes: ${corpus.length} passes of ${new Set(seen).size} kinds tried, 0 credited (${[...new Set(seen)].join(", ")})`);
  });

  it("credits nothing to crawlers, link-preview fetchers, headless browsers and tools, even with valid passes", async () => {
    const agents = [
      "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
      "Twitterbot/1.0",
      "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      "WhatsApp/2.23.20.0",
      "TelegramBot (like TwitterBot)",
      "Discordbot/2.0; +https://discordapp.com",
      "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
      "curl/8.5.0",
      "Wget/1.21.4",
      "python-requests/2.32.3",
      "Go-http-client/1.1",
      "node",
      "axios/1.7.2",
      "PostmanRuntime/7.39.0",
      "okhttp/4.12.0",
      "",
    ];
    const before = await ledger();
    let credited = 0;
    for (const [i, userAgent] of agents.entries()) {
      const { body } = await world.send([click(`botv-${i}`), impression(`botv-${i}`)], { userAgent, headers: { "x-forwarded-for": `192.0.2.${i + 1}` } });
      expect(body.viewer.status, userAgent).toBe("valid");
      expect(body.results.map((result: { quality: string; reason: string }) => [result.quality, result.reason]), userAgent).toEqual([
        ["bot", "bot_user_agent"],
        ["bot", "bot_user_agent"],
      ]);
      credited += body.credited;
    }
    const after = await ledger();
    expect(credited).toBe(0);
    expect(after.ledger.uv).toBe(before.ledger.uv);
    expect(after.byQuality.bot!.clicks - before.byQuality.bot!.clicks).toBe(agents.length);
    console.log(`[drill] bot user agents: ${agents.length} tried with valid passes, ${credited} credited`);
  });

  it("caps the distinct credited viewers one client brings a brand in an hour, IPv6 by /64", async () => {
    const before = await ledger();
    const outcomes: string[] = [];
    for (let i = 0; i < 60; i++) {
      const { body } = await world.send([click(`capped-${i}`)], { headers: { "x-forwarded-for": "203.0.113.77" } });
      outcomes.push(body.results[0].quality);
    }
    expect(outcomes.filter((quality) => quality === "credited")).toHaveLength(20);
    expect(outcomes.slice(20).every((quality) => quality === "suspect")).toBe(true);
    // A viewer already credited from this client stays credited (a reader coming back).
    const again = await world.send([click("capped-3")], { headers: { "x-forwarded-for": "203.0.113.77" } });
    expect(again.body.results[0]).toMatchObject({ quality: "credited" });
    // Another client is not affected; rotating IPv6 addresses inside one /64 does not help.
    expect((await world.send([click("elsewhere-1")], { headers: { "x-forwarded-for": "203.0.113.78" } })).body.results[0].quality).toBe("credited");
    const v6: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { body } = await world.send([click(`v6-${i}`)], { headers: { "x-forwarded-for": `2001:db8:aa:bb:${((i * 7919) % 0x10000).toString(16)}::${i + 1}` } });
      v6.push(body.results[0].quality);
    }
    expect(v6.filter((quality) => quality === "credited")).toHaveLength(20);
    // The window rolls: an hour later the client may bring new viewers again.
    world.clock.now += HOUR + 60_000;
    expect((await world.send([click("capped-next-hour")], { headers: { "x-forwarded-for": "203.0.113.77" } })).body.results[0].quality).toBe("credited");
    const after = await ledger();
    expect(after.ledger.uv - before.ledger.uv).toBe(20 + 1 + 20 + 1);
    console.log(`[drill] one client, 60 valid passes: 20 credited, 40 suspect; IPv6 /64 with 30 addresses: 20 credited`);
  });

  it("debits a paid slot only with a valid placement of that card, once per placement and viewer", async () => {
    // Earn a balance first (a credited visit), so the brand is in the hot list's paid slots.
    await world.send([click("placement-buyer", { card: other.id })]);
    const start = await ledger();
    const hot = await (await fetch(`${world.server.url}/v1/trending?partner=weibo&surface=feed`)).json();
    const entry = hot.cards.find((listed: { id: string }) => listed.id === other.id);
    expect(entry.placement).toMatch(/^p1\./);
    const trending = (visitor: string, placement?: string, id = other.id) => impression(visitor, { card: id, slot: "trending", ...(placement === undefined ? {} : { placement }) });
    const forged = `${entry.placement.slice(0, -4)}AAAA`;
    const foreign = world.placement(card); // a real placement, but of another card
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["no placement", trending("pl-1"), "placement_missing"],
      ["forged signature", trending("pl-2", forged), "placement_invalid"],
      ["another card's placement", trending("pl-3", foreign), "placement_invalid"],
      ["not a placement", trending("pl-4", "p1.zzzz.not-a-placement.AAAAAAAAAAAAAAAAAAAAAA"), "placement_invalid"],
    ];
    for (const [name, event, reason] of cases) {
      const { body } = await world.send([event]);
      expect(body.results[0], name).toMatchObject({ status: "accepted", quality: "credited", slot: "organic", reason });
    }
    // Without a pass, a real placement debits nothing either: a paid slot needs a credited viewer.
    expect((await world.send([trending("pl-anon", entry.placement)], { viewer: null })).body.results[0]).toMatchObject({ quality: "unverified", slot: "organic" });
    // The real placement debits once for a viewer; a reuse by the same viewer a minute later does not.
    expect((await world.send([trending("pl-5", entry.placement)])).body.results[0]).toMatchObject({ slot: "trending" });
    world.clock.now += 61_000;
    expect((await world.send([trending("pl-5", entry.placement)])).body.results[0]).toMatchObject({ slot: "organic", reason: "placement_reused" });
    // Another viewer through the same placement is another paid view.
    expect((await world.send([trending("pl-6", entry.placement)])).body.results[0]).toMatchObject({ slot: "trending" });
    // After 10 minutes the placement has expired.
    world.clock.now += 10 * 60_000;
    expect((await world.send([trending("pl-7", entry.placement)])).body.results[0]).toMatchObject({ slot: "organic", reason: "placement_invalid" });
    const end = await ledger();
    expect(end.ledger.pvDelivered - start.ledger.pvDelivered).toBe(2);
    console.log(`[drill] trending impressions: ${cases.length + 4} without a valid or unused placement, 0 debited; 2 genuine placements debited 2`);
  });

  it("keeps a partner's origin, its passes and its cards together", async () => {
    // Douyin's pass on Douyin's page, for a card issued for Weibo: the card is refused.
    const { body } = await world.send([click("cross-1")], { origin: DOUYIN_ORIGIN, viewer: await douyin.mint("cross-1", { now: new Date(world.clock.now) }) });
    expect(body).toMatchObject({ accepted: 0, rejected: 1, results: [{ code: "wrong_partner" }] });
    expect(ORIGIN).not.toBe(DOUYIN_ORIGIN);
  });
});
