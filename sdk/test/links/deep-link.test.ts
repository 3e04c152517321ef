import { describe, expect, it } from "vitest";
import { buildDeepLink, encodeQuery, hosts, isHostUrl, MinicardError, type HostProfile } from "../../src/index.js";

const APP_ID = "2021000000000001";
const PACKAGE = "com.eg.android.AlipayGphone";

function schemeParams(scheme: string): URLSearchParams {
  const url = new URL(scheme);
  expect(url.protocol).toBe("alipays:");
  expect(url.host).toBe("platformapi");
  expect(url.pathname).toBe("/startapp");
  return url.searchParams;
}

/** A small deterministic PRNG (mulberry32), so "random" inputs are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [..."abcXYZ019_-./?&=#+% :;,@!*'()~\"<>[]{}|\\^`上海北京🎬\u00e9"];

function randomString(next: () => number, min: number, max: number): string {
  const length = min + Math.floor(next() * (max - min + 1));
  let out = "";
  for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

describe("buildDeepLink with hosts.alipay", () => {
  it("keeps a page's own ?a=1&b=2 and the query x=1&y=2 whole", () => {
    const { scheme } = buildDeepLink({ id: APP_ID, page: "pages/x/y?a=1&b=2", query: "x=1&y=2" }, { host: hosts.alipay });
    const params = schemeParams(scheme);

    expect(params.get("appId")).toBe(APP_ID);
    expect(params.get("page")).toBe("pages/x/y?a=1&b=2");
    expect(params.get("query")).toBe("x=1&y=2");
    expect(params.has("a")).toBe(false);
    expect(params.has("b")).toBe(false);
    expect(params.has("y")).toBe(false);
  });

  it("builds the documented scheme string exactly", () => {
    const { scheme } = buildDeepLink({ id: APP_ID, page: "pages/movie/detail?id=42", query: "from=weibo" });
    expect(scheme).toBe(
      "alipays://platformapi/startapp?appId=2021000000000001&page=pages%2Fmovie%2Fdetail%3Fid%3D42&query=from%3Dweibo",
    );
  });

  it("leaves out the query parameter when there is no query", () => {
    const { scheme } = buildDeepLink({ id: APP_ID, page: "pages/index/index" });
    expect([...schemeParams(scheme).keys()]).toEqual(["appId", "page"]);
    expect(buildDeepLink({ id: APP_ID, page: "pages/index/index", query: "" }).scheme).toBe(scheme);
  });

  it("relays exactly the scheme through the web hop https://ds.alipay.com/?scheme=", () => {
    const { scheme, web } = buildDeepLink({ id: APP_ID, page: "pages/x/y?a=1&b=2", query: "x=1&y=2" });

    expect(web.startsWith("https://ds.alipay.com/?scheme=")).toBe(true);
    expect(decodeURIComponent(web.slice("https://ds.alipay.com/?scheme=".length))).toBe(scheme);
    const url = new URL(web);
    expect([...url.searchParams.keys()]).toEqual(["scheme"]);
    expect(url.searchParams.get("scheme")).toBe(scheme);
  });

  it("builds the Android intent: URL with the web hop as browser fallback", () => {
    const { scheme, web, intent } = buildDeepLink({ id: APP_ID, page: "pages/x/y?a=1&b=2", query: "x=1&y=2" });

    const rest = scheme.slice("alipays:".length);
    expect(intent).toBe(
      `intent:${rest}#Intent;scheme=alipays;package=${PACKAGE};S.browser_fallback_url=${encodeURIComponent(web)};end`,
    );
    const fallback = /S\.browser_fallback_url=([^;]*);end$/.exec(intent)?.[1];
    expect(decodeURIComponent(fallback!)).toBe(web);
  });

  it("round-trips odd characters encoded with encodeQuery: scheme → URLSearchParams(query) → original values", () => {
    const original = {
      space: "a b",
      amp: "x&y=z",
      eq: "1=2",
      hash: "#frag",
      plus: "1+1",
      percent: "100%",
      cjk: "上海 & 北京",
      emoji: "🎬",
      "odd key&=": "v",
    };
    const query = encodeQuery(original);
    const { scheme } = buildDeepLink({ id: APP_ID, page: "pages/index/index", query });

    const carried = schemeParams(scheme).get("query")!;
    expect(carried).toBe(query);
    expect(Object.fromEntries(new URLSearchParams(carried))).toEqual(original);
  });

  it("encodeQuery produces the documented encoding", () => {
    expect(encodeQuery({ from: "weibo", q: "上海 & 北京" })).toBe("from=weibo&q=%E4%B8%8A%E6%B5%B7%20%26%20%E5%8C%97%E4%BA%AC");
    expect(encodeQuery({ n: 42 })).toBe("n=42");
    expect(encodeQuery({})).toBe("");
  });

  it("keeps the scheme's parameters exactly [appId, page, query], in order, for random-ish inputs", () => {
    const next = prng(20251124);
    for (let i = 0; i < 300; i += 1) {
      const page = `pages/${randomString(next, 0, 12)}?${randomString(next, 1, 24)}`;
      const query = randomString(next, 1, 40);
      const { scheme, web, intent } = buildDeepLink({ id: APP_ID, page, query });

      const params = schemeParams(scheme);
      expect([...params.keys()], `page=${JSON.stringify(page)} query=${JSON.stringify(query)}`).toEqual(["appId", "page", "query"]);
      expect(params.get("appId")).toBe(APP_ID);
      expect(params.get("page")).toBe(page);
      expect(params.get("query")).toBe(query);
      expect(new URL(web).searchParams.get("scheme")).toBe(scheme);
      expect(isHostUrl(scheme) && isHostUrl(web) && isHostUrl(intent)).toBe(true);
    }
  });

  it.each([
    ["letters", "2021abc000000001"],
    ["15 digits", "202100000000000"],
    ["17 digits", "20210000000000001"],
    ["a scheme-breaking id", "2021000000000001&page=evil"],
  ])("refuses an Alipay appId with %s (invalid_argument)", (_name, id) => {
    let caught: unknown;
    try {
      buildDeepLink({ id, page: "pages/index/index" }, { host: hosts.alipay });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MinicardError);
    expect((caught as MinicardError).code).toBe("invalid_argument");
  });

  it("refuses an empty page (invalid_argument)", () => {
    expect(() => buildDeepLink({ id: APP_ID, page: "" })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("defaults to hosts.alipay", () => {
    const app = { id: APP_ID, page: "pages/index/index" };
    expect(buildDeepLink(app)).toEqual(buildDeepLink(app, { host: hosts.alipay }));
  });

  it("follows another host profile's data", () => {
    const other: HostProfile = {
      id: "other",
      name: "Other",
      scheme: "otherapp://mini/open?fixed=1&id={appId}&path={page}",
      web: "https://open.other.example/launch?target={scheme}",
      appIdPattern: "^mp_[a-z0-9]{8}$",
    };
    const { scheme, web, intent } = buildDeepLink({ id: "mp_abcd1234", page: "p/q?x=1", query: "ignored=1" }, { host: other });
    expect(scheme).toBe("otherapp://mini/open?fixed=1&id=mp_abcd1234&path=p%2Fq%3Fx%3D1");
    expect(new URL(web).searchParams.get("target")).toBe(scheme);
    expect(intent).toBe(scheme);
  });
});

describe("isHostUrl", () => {
  const built = buildDeepLink({ id: APP_ID, page: "pages/x/y?a=1&b=2", query: "x=1&y=2" });

  it.each([
    ["scheme", built.scheme],
    ["web hop", built.web],
    ["intent", built.intent],
  ])("accepts the built %s URL", (_name, url) => {
    expect(isHostUrl(url, hosts.alipay)).toBe(true);
  });

  it.each([
    ["javascript:", "javascript:alert(1)"],
    ["a foreign web hop", `https://evil.example/?scheme=${encodeURIComponent(built.scheme)}`],
    ["an http web hop", built.web.replace("https:", "http:")],
    ["a look-alike host", built.web.replace("ds.alipay.com", "ds.alipay.com.evil.example")],
    ["credentials on the web hop", built.web.replace("https://", "https://user@")],
    ["an alipays: URL to another host", "alipays://evil/startapp?appId=2021000000000001"],
    ["an alipays: URL to another path", "alipays://platformapi/evil?appId=2021000000000001"],
    ["an intent for another package", built.intent.replace(PACKAGE, "com.evil.app")],
    ["an intent for another scheme", built.intent.replace("scheme=alipays;", "scheme=evil;")],
    ["an intent with a foreign fallback", built.intent.replace(/S\.browser_fallback_url=[^;]*/, `S.browser_fallback_url=${encodeURIComponent("https://evil.example/")}`)],
    ["an intent with a javascript: fallback", built.intent.replace(/S\.browser_fallback_url=[^;]*/, `S.browser_fallback_url=${encodeURIComponent("javascript:alert(1)")}`)],
    ["an intent without #Intent", built.intent.slice(0, built.intent.indexOf("#"))],
    ["a data: URL", "data:text/html,<script>alert(1)</script>"],
    ["a data: URL carrying the scheme", `data:text/plain,${built.scheme}`],
    ["not a URL", "pages/index/index"],
    ["an empty string", ""],
  ])("rejects %s", (_name, url) => {
    expect(isHostUrl(url, hosts.alipay)).toBe(false);
  });
});

describe("buildDeepLink with hosts.wechat", () => {
  const WX = "wx0123456789abcdef";
  const LANDING = "https://cards.example/c/01KABCDEFGHJKMNPQRSTVWXYZ0";

  /** The scheme's parameters, after checking it is WeChat's `weixin://dl/business/`. */
  function wechatParams(scheme: string): URLSearchParams {
    const url = new URL(scheme);
    expect(url.protocol).toBe("weixin:");
    expect(url.host).toBe("dl");
    expect(url.pathname).toBe("/business/");
    expect(url.hash).toBe("");
    return url.searchParams;
  }

  it("builds the documented plain-text URL Scheme exactly, with the landing page as the web fallback", () => {
    const links = buildDeepLink({ id: WX, page: "pages/movie/detail", query: "id=42&from=weibo", host: "wechat" }, { landing: LANDING });
    expect(links.scheme).toBe("weixin://dl/business/?appid=wx0123456789abcdef&path=pages%2Fmovie%2Fdetail&query=id%3D42%26from%3Dweibo");
    expect(links.web).toBe(LANDING);
    // No Android package: the intent is the scheme itself, which a page navigating to it opens.
    expect(links.intent).toBe(links.scheme);
    // The card's own host is the default; passing the profile builds the same links.
    expect(buildDeepLink({ id: WX, page: "pages/movie/detail", query: "id=42&from=weibo", host: "wechat" }, { host: hosts.wechat, landing: LANDING })).toEqual(links);
  });

  it("round-trips: every parameter exactly once, in order, with its value whole", () => {
    const page = "pages/movie/detail";
    const query = encodeQuery({ id: 42, q: "上海 & 北京", hash: "#x", eq: "a=b" });
    const params = wechatParams(buildDeepLink({ id: WX, page, query, host: "wechat" }, { landing: LANDING }).scheme);
    expect([...params.keys()]).toEqual(["appid", "path", "query"]);
    expect(params.getAll("appid")).toEqual([WX]);
    expect(params.getAll("path")).toEqual([page]);
    expect(params.getAll("query")).toEqual([query]);
    expect(Object.fromEntries(new URLSearchParams(params.get("query")!))).toEqual({ id: "42", q: "上海 & 北京", hash: "#x", eq: "a=b" });
  });

  it("leaves out query when there is none", () => {
    const params = wechatParams(buildDeepLink({ id: WX, page: "pages/index/index", host: "wechat" }, { landing: LANDING }).scheme);
    expect([...params.keys()]).toEqual(["appid", "path"]);
  });

  it.each([
    ["an added parameter in the page", "pages/x&appid=wx9999999999999999&env_version=develop"],
    ["a fragment in the page", "pages/x#appid=wx9999999999999999"],
    ["an encoded ampersand", "pages/x%26path%3Devil"],
  ])("hostile values cannot add, drop or replace a parameter: %s", (_name, hostile) => {
    const params = wechatParams(buildDeepLink({ id: WX, page: hostile, query: `${hostile}=1&path=evil&appid=wx9999999999999999`, host: "wechat" }, { landing: LANDING }).scheme);
    expect([...params.keys()]).toEqual(["appid", "path", "query"]);
    expect(params.get("appid")).toBe(WX);
    expect(params.get("path")).toBe(hostile);
    expect(params.get("query")).toBe(`${hostile}=1&path=evil&appid=wx9999999999999999`);
  });

  it("keeps the parameters exactly [appid, path, query] for random-ish inputs", () => {
    const next = prng(20261);
    for (let i = 0; i < 300; i += 1) {
      const page = randomString(next, 1, 40);
      const query = randomString(next, 1, 60);
      const params = wechatParams(buildDeepLink({ id: WX, page, query, host: "wechat" }, { landing: LANDING }).scheme);
      expect([...params.keys()]).toEqual(["appid", "path", "query"]);
      expect(params.get("path")).toBe(page);
      expect(params.get("query")).toBe(query);
    }
  });

  it.each([
    ["an Alipay appId", "2021000000000001"],
    ["capital hex", "wx0123456789ABCDEF"],
    ["one digit short", "wx0123456789abcde"],
    ["one digit long", "wx0123456789abcdef0"],
    ["a prefix other than wx", "wy0123456789abcdef"],
    ["a trailing newline", "wx0123456789abcdef\n"],
    ["a parameter appended", "wx0123456789abcdef&path=x"],
  ])("refuses %s as a WeChat appId (invalid_argument)", (_name, id) => {
    expect(() => buildDeepLink({ id, page: "pages/index/index", host: "wechat" }, { landing: LANDING })).toThrowError(
      expect.objectContaining({ name: "MinicardError", code: "invalid_argument" }),
    );
  });

  it("refuses a WeChat appId under the Alipay profile, and an Alipay card's appId under WeChat's (invalid_argument)", () => {
    expect(() => buildDeepLink({ id: WX, page: "pages/index/index" })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => buildDeepLink({ id: WX, page: "pages/index/index", host: "wechat" }, { host: hosts.alipay })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => buildDeepLink({ id: APP_ID, page: "pages/index/index", host: "wechat" }, { landing: LANDING })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("refuses an unknown host name (invalid_argument)", () => {
    const app = { id: WX, page: "pages/index/index", host: "line" } as unknown as Parameters<typeof buildDeepLink>[0];
    expect(() => buildDeepLink(app, { landing: LANDING })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });

  it.each([
    ["no landing", undefined],
    ["a javascript: landing", "javascript:alert(1)"],
    ["a data: landing", "data:text/html,hi"],
    ["a landing with credentials", "https://user:pw@cards.example/c/01KABCDEFGHJKMNPQRSTVWXYZ0"],
    ["a relative landing", "/c/01KABCDEFGHJKMNPQRSTVWXYZ0"],
  ])("refuses %s: WeChat has no https hop (invalid_argument)", (_name, landing) => {
    expect(() => buildDeepLink({ id: WX, page: "pages/index/index", host: "wechat" }, landing === undefined ? {} : { landing })).toThrowError(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });

  it("ignores landing for a host with a hop: an Alipay card's links are unchanged", () => {
    const app = { id: APP_ID, page: "pages/index/index" };
    expect(buildDeepLink(app, { landing: LANDING })).toEqual(buildDeepLink(app));
  });
});

describe("isHostUrl with hosts.wechat", () => {
  const LANDING = "http://localhost:8787/c/01KABCDEFGHJKMNPQRSTVWXYZ0";
  const wechat = buildDeepLink({ id: "wx0123456789abcdef", page: "pages/index/index", query: "a=1", host: "wechat" }, { landing: LANDING });
  const alipay = buildDeepLink({ id: APP_ID, page: "pages/index/index" });

  it("accepts WeChat's scheme, and its landing page when given", () => {
    expect(isHostUrl(wechat.scheme, hosts.wechat)).toBe(true);
    expect(isHostUrl(wechat.web, hosts.wechat, LANDING)).toBe(true);
  });

  it.each([
    ["the landing page when no landing is given", wechat.web, undefined],
    ["another card's landing page", LANDING.replace("01KA", "01KB"), LANDING],
    ["another origin", "http://evil.example/c/01KABCDEFGHJKMNPQRSTVWXYZ0", LANDING],
    ["Alipay's scheme", alipay.scheme, LANDING],
    ["Alipay's web hop", alipay.web, LANDING],
    ["Alipay's intent", alipay.intent, LANDING],
    ["a weixin: URL to another path", "weixin://dl/evil/?appid=wx0123456789abcdef", LANDING],
    ["a weixin: URL to another host", "weixin://evil/business/?appid=wx0123456789abcdef", LANDING],
    ["javascript:", "javascript:alert(1)", LANDING],
    ["a javascript: landing", "javascript:alert(1)", "javascript:alert(1)"],
  ])("rejects %s", (_name, url, landing) => {
    expect(isHostUrl(url, hosts.wechat, landing)).toBe(false);
  });

  it("an Alipay card never accepts the weixin: scheme", () => {
    expect(isHostUrl(wechat.scheme, hosts.alipay)).toBe(false);
    expect(isHostUrl(wechat.scheme)).toBe(false);
  });
});
