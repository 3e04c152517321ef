/**
 * @module links/deep-link — builds the URLs that open a card's mini-program in its host.
 *
 * The link is never taken from a card as a URL: it is built here from `app` (appId, page,
 * query) and a host profile, and every value is encoded as exactly one parameter, so no
 * input can add, drop or reorder the scheme's parameters.
 */

import { MinicardError } from "../errors.js";
import type { AppTarget } from "../card/schema.js";
import { appHost, hosts, type HostProfile } from "./hosts.js";

/** The three ways to open a mini-program. */
export interface DeepLink {
  /** The host's own scheme, e.g. `alipays://platformapi/startapp?appId=…&page=…`. */
  scheme: string;
  /**
   * The web fallback, for browsers and desktop QR codes: the https hop that relays the scheme,
   * or, for a host without one (WeChat), the card's landing page (the `landing` option).
   */
  web: string;
  /** An Android `intent:` URL with the web hop as browser fallback (the scheme when the host has no Android package). */
  intent: string;
}

/** Options of {@link buildDeepLink}. */
export interface DeepLinkOptions {
  /** The host profile; default the host the app names (`app.host`), else `hosts.alipay`. */
  host?: HostProfile;
  /**
   * The card's landing page, `<issuer>/c/<id>` (an `http:` or `https:` URL without
   * credentials): the web fallback of a host without an https hop (WeChat), required for
   * one. Ignored for a host that has a hop.
   */
  landing?: string;
}

function fill(template: string, values: Record<string, string | undefined>): string {
  const mark = template.indexOf("?");
  if (mark < 0) return template;
  const params: string[] = [];
  for (const param of template.slice(mark + 1).split("&")) {
    const [name, value = ""] = param.split("=", 2) as [string, string?];
    const slot = /^\{(\w+)\}$/.exec(value);
    if (!slot) {
      params.push(param);
      continue;
    }
    const filled = values[slot[1] as string];
    if (filled !== undefined && filled !== "") params.push(`${name}=${encodeURIComponent(filled)}`);
  }
  return params.length > 0 ? `${template.slice(0, mark)}?${params.join("&")}` : template.slice(0, mark);
}

/**
 * Builds the scheme, web-fallback and Android `intent:` URLs that open `app` in its host (the
 * `host` option, else the host `app.host` names, else Alipay). Throws a `MinicardError`
 * (`invalid_argument`) when the appId does not fit the host, the app names an unknown host,
 * or the host has no https hop and no usable `landing` was given.
 *
 * @example
 * ```ts
 * const { scheme, web, intent } = buildDeepLink(
 *   { id: "2021000000000001", page: "pages/movie/detail?id=42", query: "from=weibo" },
 *   { host: hosts.alipay },
 * );
 * // scheme: alipays://platformapi/startapp?appId=2021000000000001&page=pages%2Fmovie%2Fdetail%3Fid%3D42&query=from%3Dweibo
 *
 * const wechat = buildDeepLink(
 *   { id: "wx0123456789abcdef", page: "pages/movie/detail", query: "id=42", host: "wechat" },
 *   { landing: "https://cards.example/c/01KABCDEFGHJKMNPQRSTVWXYZ0" },
 * );
 * // scheme: weixin://dl/business/?appid=wx0123456789abcdef&path=pages%2Fmovie%2Fdetail&query=id%3D42
 * // web:    https://cards.example/c/01KABCDEFGHJKMNPQRSTVWXYZ0 (WeChat has no https hop)
 * ```
 */
export function buildDeepLink(app: AppTarget, options: DeepLinkOptions = {}): DeepLink {
  const host = options.host ?? appHost(app ?? {});
  if (host === undefined) throw new MinicardError("invalid_argument", "app.host is not a known host");
  if (typeof app?.id !== "string" || !new RegExp(host.appIdPattern).test(app.id)) {
    throw new MinicardError("invalid_argument", `app.id does not match ${host.name}'s appId pattern ${host.appIdPattern}`);
  }
  if (typeof app.page !== "string" || app.page === "") {
    throw new MinicardError("invalid_argument", "app.page is required");
  }
  let scheme: string;
  let web: string | undefined;
  try {
    scheme = fill(host.scheme, { appId: app.id, page: app.page, query: app.query });
    web = host.web === undefined ? webUrl(options.landing)?.href : fill(host.web, { scheme });
  } catch (cause) {
    // encodeURIComponent throws URIError on a lone surrogate: a coded refusal, not a crash.
    throw new MinicardError("invalid_argument", "app.page and app.query must be well-formed text", { cause });
  }
  if (web === undefined) throw new MinicardError("invalid_argument", `${host.name} has no web hop: pass the card's landing page as landing`);
  const colon = scheme.indexOf(":");
  const intent =
    host.androidPackage === undefined
      ? scheme
      : `intent:${scheme.slice(colon + 1)}#Intent;scheme=${scheme.slice(0, colon)};package=${host.androidPackage};S.browser_fallback_url=${encodeURIComponent(web)};end`;
  return { scheme, web, intent };
}

/**
 * Encodes `{ k: v }` pairs as a card's `query` (`k=v&k2=v2`), each key and value
 * URL-encoded, so spaces, `&`, `=`, `#` and CJK text arrive whole.
 *
 * @example
 * ```ts
 * encodeQuery({ from: "weibo", q: "上海 & 北京" }); // "from=weibo&q=%E4%B8%8A%E6%B5%B7%20%26%20%E5%8C%97%E4%BA%AC"
 * ```
 */
export function encodeQuery(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join("&");
}

/**
 * True when `href` is a URL this host may be opened with: its scheme, its web hop (for a host
 * without one, the card's `landing` page when given), or an `intent:` URL for its package.
 * The widget checks every URL it opens with this and the card's own host, so a `javascript:`
 * URL, a foreign URL or another host's scheme (`weixin:` for an Alipay card) can never be
 * opened even if a bug built one.
 */
export function isHostUrl(href: string, host: HostProfile = hosts.alipay, landing?: string): boolean {
  const url = parseUrl(href);
  if (url === undefined) return false;
  const scheme = templateBase(host.scheme);
  const web = host.web === undefined ? webUrl(landing) : templateBase(host.web);
  if (sameTarget(url, scheme) || (web !== undefined && sameTarget(url, web))) return true;
  if (url.protocol !== "intent:" || host.androidPackage === undefined) return false;
  // intent://<scheme's host and path>?…#Intent;scheme=…;package=…;S.browser_fallback_url=…;end
  if (url.host !== scheme.host || url.pathname !== scheme.pathname) return false;
  if (!url.hash.startsWith("#Intent;") || !url.hash.endsWith(";end")) return false;
  const fields = new Map(
    url.hash
      .slice("#Intent;".length, -";end".length)
      .split(";")
      .map((field) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)] as const),
  );
  if (fields.get("scheme") !== scheme.protocol.slice(0, -1) || fields.get("package") !== host.androidPackage) {
    return false;
  }
  const fallback = fields.get("S.browser_fallback_url");
  if (fallback === undefined) return true;
  const target = parseUrl(safeDecode(fallback));
  return target !== undefined && web !== undefined && sameTarget(target, web);
}

function parseUrl(href: string): URL | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}

/** `landing` as a URL when it is an `http:` or `https:` URL without credentials. */
function webUrl(landing: string | undefined): URL | undefined {
  const url = parseUrl(landing ?? "");
  return url && /^https?:$/.test(url.protocol) && !url.username && !url.password ? url : undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return "";
  }
}

/** The template's URL without its parameters. */
function templateBase(template: string): URL {
  const mark = template.indexOf("?");
  return new URL(mark < 0 ? template : template.slice(0, mark));
}

function sameTarget(url: URL, base: URL): boolean {
  return url.protocol === base.protocol && url.host === base.host && url.pathname === base.pathname && url.username === "" && url.password === "";
}
