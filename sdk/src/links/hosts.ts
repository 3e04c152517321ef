/**
 * @module links/hosts — host profiles: how a super-app opens a mini-program from outside.
 *
 * A host profile is data, not code: a scheme template, an https hop that relays the scheme,
 * the Android package for `intent:` URLs and the pattern of the host's appIds. Add a host by
 * writing one of these objects; {@link buildDeepLink} does the encoding.
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
  /** An https page that relays the scheme: `{scheme}` stands for the whole scheme URL. */
  readonly web: string;
  /** Android package name, for `intent:` URLs. */
  readonly androidPackage?: string;
  /** The pattern an appId of this host matches (a JavaScript regular expression source). */
  readonly appIdPattern: string;
}

/**
 * The built-in host profiles.
 *
 * @example
 * ```ts
 * buildDeepLink({ id: "2021000000000001", page: "pages/index/index" }, { host: hosts.alipay });
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
} as const satisfies Record<string, HostProfile>;
