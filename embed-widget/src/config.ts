/**
 * @module config — settings shared by every card on the page. `embed.js` fills them from
 * its script tag (`data-*` attributes) and exposes them as `window.Minicard.config`, so a
 * page (or a test) may change them at any time; each is read when it is needed.
 */

/** What the lazily loaded sheet module (`sheet/index.ts`) exports. */
export type SheetModule = typeof import("./sheet/index.js");
/** What the lazily loaded revocation checker and share-link resolver (`status/check.ts`) exports. */
export type StatusModule = typeof import("./status/check.js");

/** Page-wide settings of the widget. */
export interface WidgetConfig {
  /** The issuer cards without an `issuer` attribute use: the origin `embed.js` came from. */
  issuer: string | undefined;
  /** How often rendered cards ask the issuer whether they were revoked; default 60 000 ms. */
  statusIntervalMs: number;
  /** How far outside the viewport cards are verified and rendered; default two screens. */
  nearMargin: string;
  /** No beacons from any card on the page (`data-no-track` on the script tag). */
  noTrack: boolean;
  /** Loads the sheets (QR code, "didn't open?") on the first tap that shows one. */
  loadSheet: () => Promise<SheetModule>;
  /** Loads the revocation checker (and share-link resolver) for the first check or `src` card. */
  loadStatus: () => Promise<StatusModule>;
}

/** What `loadSheet` and `loadStatus` do until embed.js or the ESM entry sets them. */
const unconfigured = () => Promise.reject(new Error("no lazy module configured"));

/** The one configuration object of the page. */
export const config: WidgetConfig = {
  issuer: undefined,
  statusIntervalMs: 60_000,
  nearMargin: "200% 0px",
  noTrack: false,
  loadSheet: unconfigured,
  loadStatus: unconfigured,
};

/**
 * The page's `fetch` when the widget loaded. Share links and status checks go through it, so
 * a script that replaces `window.fetch` later cannot answer for the issuer (the verifier's key
 * fetches do the same, in the SDK).
 */
export const fetchAtLoad: typeof fetch = fetch.bind(globalThis);

/** Logs a problem without ever throwing into the host page. */
export function warn(message: string, error?: unknown): void {
  try {
    console.warn(`[minicard] ${message}`, ...(error === undefined ? [] : [error]));
  } catch {
    // A page that replaced console with something broken still must not see an exception.
  }
}

const warned = new Set<string>();

/** Logs `message` the first time `cause` happens on the page: a feed of cards refused for one reason logs it once. */
export function warnOnce(cause: string, message: string): void {
  if (!warned.has(cause)) warn(message);
  warned.add(cause);
}
