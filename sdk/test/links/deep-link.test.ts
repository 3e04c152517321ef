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
