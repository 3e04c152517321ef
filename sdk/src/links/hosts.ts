/**
 * @module links/hosts — host profiles: how a super-app opens a mini-program from outside.
 *
 * A host profile is data, not code: a scheme template, an https hop that relays the scheme
 * (or none: then the card's landing page is the web fallback), the Android package for
 * `intent:` URLs and the pattern of the host's appIds. Add a host by writing one of these
 * objects and naming it in {@link HOST_IDS}; {@link buildDeepLink} does the encoding.
 */

/** How one host app opens its mini-programs. */
export interface HostProfile {
  /** Short id, e.g. `alipay`. */
  readonly id: string;
  /** Display name, e.g. `Alipay`. */
  readonly name: string;
  /**
   * The URL that opens a mini-program. `{appId}`, `{page}` and `{query}` stand for whole
   * parameter values; each is URL-encoded as one value, and a parameter whose value is
   * absent is left out.
   */
  readonly scheme: string;
  /**
   * An https page that relays the scheme: `{scheme}` stands for the whole scheme URL. Absent
   * when the host has none (WeChat): the web fallback is then the card's landing page
   * (`<issuer>/c/<id>`), which {@link buildDeepLink} takes as its `landing` option.
   */
  readonly web?: string;
  /** Android package name, for `intent:` URLs. */
  readonly androidPackage?: string;
  /** The pattern an appId of this host matches (a JavaScript regular expression source). */
  readonly appIdPattern: string;
  /** True when the page is a path only: its parameters go in `query` (WeChat's `path` "cannot carry a query"). */
  readonly pathOnly?: boolean;
}

/**
 * The built-in host profiles: `alipay` (the default) and `wechat`. A card names its host in
 * `app.host` (absent: Alipay); {@link appHost} answers its profile.
 *
 * WeChat opens mini-programs with its plain-text URL Scheme,
 * `weixin://dl/business/?appid=…&path=…&query=…`: no https hop and no Android package (Android
 * does not open the scheme from other apps; a web page navigating to it does, which is what
 * the widget does on a tap), so its `intent` is the scheme itself.
 *
 * @example
 * ```ts
 * buildDeepLink({ id: "2021000000000001", page: "pages/index/index" }, { host: hosts.alipay });
 * buildDeepLink({ id: "wx0123456789abcdef", page: "pages/index/index", host: "wechat" }, { landing: "https://cards.example/c/01K…" });
 * ```
 */
export const hosts = {
  alipay: {
    id: "alipay",
    name: "Alipay",
    scheme: "alipays://platformapi/startapp?appId={appId}&page={page}&query={query}",
    web: "https://ds.alipay.com/?scheme={scheme}",
    androidPackage: "com.eg.android.AlipayGphone",
    appIdPattern: "^[0-9]{16}$",
  },
  wechat: {
    id: "wechat",
    name: "WeChat",
    scheme: "weixin://dl/business/?appid={appId}&path={page}&query={query}",
    appIdPattern: "^wx[0-9a-f]{16}$",
    pathOnly: true,
  },
} as const satisfies Record<string, HostProfile>;

/** The id of a built-in host: the values a card's `app.host` may take. */
export type HostId = keyof typeof hosts;

/** The ids of the built-in hosts, the allowlist of a card's `app.host`; the first is the default. */
export const HOST_IDS = ["alipay", "wechat"] as const satisfies readonly HostId[];

/**
 * The host profile a card's app names: `app.host`, or Alipay when it names none (every card
 * issued before hosts were named). Undefined for a name that is not a built-in host.
 *
 * @example
 * ```ts
 * const links = buildDeepLink(card.app, { host: appHost(card.app), landing: `${issuer}/c/${id}` });
 * ```
 */
export function appHost(app: { host?: string | undefined }): HostProfile | undefined {
  const id = app.host ?? "alipay";
  return Object.hasOwn(hosts, id) ? hosts[id as HostId] : undefined;
}
