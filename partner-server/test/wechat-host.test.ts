/**
 * The WeChat host over real HTTP on loopback, SQLite in a temp folder: brands register apps
 * with their host (`POST /v1/admin/brands` takes a plain Alipay appId or `{ id, host }`), a
 * card names its host in `app.host`, issuance checks the appId against that host's pattern
 * and against the apps the brand registered with that host, and an Alipay card's claim stays
 * as it was before hosts were named. Plus the pure ownership rule, which no HTTP request can
 * reach while the two hosts' appId patterns are disjoint.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDeepLink, createVerifier, hosts } from "@minicard/sdk";
import { checkIssuance } from "../src/domain/issuance.js";
import { ownsApp, type Brand, type Partner } from "../src/domain/model.js";
import { countRows } from "./support/db.js";
import { admin, APP_ID, cardInput, postCard, seedWorld, startServer, type LocalServer } from "./support/server.js";

const WX = "wx0123456789abcdef";
const OTHER_WX = "wx00000000000000ff";

let server: LocalServer;
let api: ReturnType<typeof admin>;
let alipayKey: string;
let wechatKey: string;
let bothKey: string;

function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

function brand(id: string, apps: unknown[]) {
  return api.createBrand({ id, name: `Brand ${id}`, category: "commercial-brand", apps, surfaces: ["dm", "profile", "feed"], invited: true });
}

beforeAll(async () => {
  server = await startServer();
  ({ api, apiKey: alipayKey } = await seedWorld(server.url));
  wechatKey = (await brand("teahouse", [{ id: WX, host: "wechat" }])).apiKey;
  bothKey = (await brand("both", [APP_ID, { id: WX, host: "wechat" }])).apiKey;
});
afterAll(() => server.close());

const wechatApp = { id: WX, page: "pages/movie/detail", query: "id=42&from=weibo", host: "wechat" };

describe("POST /v1/admin/brands: apps with their host", () => {
  it("keeps a plain appId string as an Alipay app, and answers { id, host } for a WeChat app", async () => {
    const created = await api.call("POST", "/brands", { id: "mixed", name: "Mixed", category: "campus", apps: [APP_ID, { id: WX, host: "wechat" }], surfaces: ["dm"] });
    expect(created.status).toBe(201);
    expect(created.body.brand?.apps ?? created.body.apps).toEqual([APP_ID, { id: WX, host: "wechat" }]);
  });

  it("stores { id, host: alipay } in the plain form, so an Alipay app has one form", async () => {
    const created = await api.call("POST", "/brands", { id: "explicit", name: "Explicit", category: "campus", apps: [{ id: "2021000000000005", host: "alipay" }], surfaces: ["dm"] });
    expect(created.status).toBe(201);
    expect(created.body.brand?.apps ?? created.body.apps).toEqual(["2021000000000005"]);
  });

  it.each([
    ["a WeChat appId as a plain string (plain strings are Alipay's)", [WX], "/apps/0"],
    ["an Alipay appId registered as WeChat's", [{ id: APP_ID, host: "wechat" }], "/apps/0/id"],
    ["a WeChat appId registered as Alipay's", [{ id: WX, host: "alipay" }], "/apps/0/id"],
    ["a host outside the allowlist", [{ id: WX, host: "line" }], "/apps/0/host"],
    ["an app without its host", [{ id: WX }], "/apps/0/host"],
    ["an unknown field", [{ id: WX, host: "wechat", package: "com.tencent.mm" }], "/apps/0/package"],
    ["a number", [42], "/apps/0"],
    ["the same Alipay app in both forms", [APP_ID, { id: APP_ID, host: "alipay" }], "/apps/1"],
  ])("refuses %s: 400 validation_failed naming the item, and stores nothing", async (_name, apps, path) => {
    const before = countRows(server.config.dataDir, "brands");
    const refused = await api.call("POST", "/brands", { id: "refused", name: "Refused", category: "campus", apps, surfaces: ["dm"] });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("validation_failed");
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(countRows(server.config.dataDir, "brands")).toBe(before);
  });

  it("PATCH replaces the apps with both forms, and refuses a wrong-host app without changing the brand", async () => {
    await brand("patched", [APP_ID]);
    const patched = await api.call("PATCH", "/brands/patched", { apps: [{ id: OTHER_WX, host: "wechat" }, "2021000000000007"] });
    expect(patched.status).toBe(200);
    expect(patched.body.apps).toEqual([{ id: OTHER_WX, host: "wechat" }, "2021000000000007"]);
    const refused = await api.call("PATCH", "/brands/patched", { apps: [{ id: "2021000000000007", host: "wechat" }] });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("validation_failed");
    const brands = (await api.call("GET", "/brands")).body;
    const list = Array.isArray(brands) ? brands : brands.brands;
    expect(list.find((item: { id: string }) => item.id === "patched").apps).toEqual([{ id: OTHER_WX, host: "wechat" }, "2021000000000007"]);
  });
});

describe("POST /v1/cards with app.host", () => {
  it("a brand with a WeChat app gets a wechat card the SDK verifier accepts, whose deep link is WeChat's", async () => {
    const issued = await postCard(server.url, wechatKey, cardInput({ app: wechatApp }));
    expect(issued.status).toBe(201);
    const claims = claimsOf(issued.body.token);
    expect(claims.card.app).toEqual(wechatApp);

    const verifier = createVerifier({ issuer: server.url, audience: "weibo" });
    const { card, id } = await verifier.verify(issued.body.token, { surface: "dm" });
    const links = buildDeepLink(card.app, { landing: issued.body.url });
    expect(links.scheme).toBe("weixin://dl/business/?appid=wx0123456789abcdef&path=pages%2Fmovie%2Fdetail&query=id%3D42%26from%3Dweibo");
    expect(links.web).toBe(`${server.url}/c/${id}`);
    // A verifier of Alipay cards only does not take it.
    await expect(createVerifier({ issuer: server.url, audience: "weibo", host: hosts.alipay }).verify(issued.body.token, { surface: "dm" })).rejects.toMatchObject({ code: "malformed" });
  });

  it("the landing page opens WeChat: its open link is the weixin: scheme, and nothing opens Alipay", async () => {
    const issued = await postCard(server.url, wechatKey, cardInput({ app: wechatApp }));
    const page = await (await fetch(issued.body.url)).text();
    const scheme = buildDeepLink(claimsOf(issued.body.token).card.app, { landing: issued.body.url }).scheme;
    expect(page).toContain(scheme.replaceAll("&", "&amp;"));
    expect(page).not.toContain("alipays:");
    expect(page).not.toContain("ds.alipay.com");
  });

  it("cannot issue the WeChat app as Alipay's (host absent or alipay): 400 validation_failed at /app/id, no card stored", async () => {
    const before = countRows(server.config.dataDir, "cards");
    for (const app of [{ id: WX, page: "pages/index/index" }, { id: WX, page: "pages/index/index", host: "alipay" }]) {
      const refused = await postCard(server.url, wechatKey, cardInput({ app }));
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("validation_failed");
      expect(refused.body.errors).toEqual([{ path: "/app/id", message: expect.stringMatching(/Alipay's appId pattern/) }]);
    }
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
  });

  it.each([
    ["an Alipay appId issued as WeChat's", { id: APP_ID, page: "pages/index/index", host: "wechat" }, "/app/id"],
    ["a host outside the allowlist", { id: WX, page: "pages/index/index", host: "weixin" }, "/app/host"],
    ["a WeChat page carrying its own ?query", { id: WX, page: "pages/index/index?id=42", host: "wechat" }, "/app/page"],
  ])("refuses %s: 400 validation_failed, no card stored", async (_name, app, path) => {
    const before = countRows(server.config.dataDir, "cards");
    const refused = await postCard(server.url, bothKey, cardInput({ app }));
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe("validation_failed");
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
    expect(countRows(server.config.dataDir, "cards")).toBe(before);
  });

  it("answers 403 app_not_owned for a WeChat app the brand did not register, naming the host", async () => {
    const refused = await postCard(server.url, alipayKey, cardInput({ app: wechatApp }));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("app_not_owned");
    expect(refused.body.detail).toContain("WeChat");
    expect((await postCard(server.url, wechatKey, cardInput({ app: { ...wechatApp, id: OTHER_WX } }))).body.code).toBe("app_not_owned");
  });

  it("an Alipay card's claim has no host, with or without host: alipay in the request (as before hosts were named)", async () => {
    const plain = claimsOf((await postCard(server.url, bothKey, cardInput())).body.token);
    const explicit = claimsOf((await postCard(server.url, bothKey, cardInput({ app: { id: APP_ID, page: "pages/index/index", host: "alipay" } }))).body.token);
    expect(plain.card.app).toEqual({ id: APP_ID, page: "pages/index/index" });
    expect(explicit.card.app).toEqual({ id: APP_ID, page: "pages/index/index" });
  });
});

describe("app_not_owned follows the host (the pure rule)", () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  const partner: Partner = { id: "weibo", name: "Weibo", origins: [], surfaces: ["dm"], limits: undefined, requireSharerPass: false, createdAt: now };
  // Registered with WeChat under an id that also fits nothing else: only the host tells them apart here.
  const owner: Brand = {
    id: "b", name: "B", category: "campus", apps: ["2021000000000001", { id: "2021000000000002", host: "wechat" }], surfaces: ["dm"],
    status: "active", invited: true, whitelisted: true, logo: undefined, createdAt: now, updatedAt: now,
  };
  const context = { brand: owner, partner, sharerWhitelisted: false, rollout: {}, now };
  const input = (id: string, host?: "alipay" | "wechat") =>
    ({ partner: "weibo", surface: "dm", kind: "app", title: "t", app: { id, page: "p", ...(host ? { host } : {}) } }) as const;

  it("an appId registered with one host is not owned under the other", () => {
    expect(ownsApp(owner, "2021000000000001", "alipay")).toBe(true);
    expect(ownsApp(owner, "2021000000000001", "wechat")).toBe(false);
    expect(ownsApp(owner, "2021000000000002", "wechat")).toBe(true);
    expect(ownsApp(owner, "2021000000000002", "alipay")).toBe(false);
    expect(checkIssuance(input("2021000000000001"), context)).toBeUndefined();
    expect(checkIssuance(input("2021000000000001", "wechat"), context)?.code).toBe("app_not_owned");
    expect(checkIssuance(input("2021000000000002", "wechat"), context)).toBeUndefined();
    expect(checkIssuance(input("2021000000000002"), context)?.code).toBe("app_not_owned");
  });
});
