/**
 * @module open — what a tap on a card does.
 *
 * The link is built from the verified card's `app` by the host profile (never read from the
 * card as a URL) and checked with `isHostUrl` before anything opens it. Then:
 * - a cancelable `minicard:open` event (the card component fires it; a partner's native
 *   app can take over by calling `preventDefault()`);
 * - iOS: the host's scheme (`alipays://…`); Android: an `intent:` URL whose browser
 *   fallback is the web hop; if the page is still visible ~1.5 s later the app did not
 *   open, and the card offers the web hop in a sheet;
 * - desktop: a QR code of the web hop, to scan with the host app (the sheets and the QR
 *   encoder are loaded only then).
 */

import { buildDeepLink, hosts, isHostUrl, type AppTarget, type DeepLink } from "@minicard/sdk";
import { config, type SheetModule } from "./config.js";
import type { SheetOptions } from "./sheet/index.js";

/** Where the reader is. */
export type Platform = "ios" | "android" | "desktop";

/** The reader's platform, from the user agent (iPadOS reports a Mac with touch). */
export function platform(): Platform {
  const agent = navigator.userAgent;
  if (/Android/i.test(agent)) return "android";
  if (/iPhone|iPad|iPod/i.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)) return "ios";
  return "desktop";
}

/** What a tap will open. */
export interface OpenPlan {
  platform: Platform;
  /** The URL opened (scheme, intent) or shown as a QR code (web hop). */
  href: string;
  links: DeepLink;
}

/** Plans the opening of `app`; undefined when no safe link can be built. */
export function planOpen(app: AppTarget): OpenPlan | undefined {
  const links = buildDeepLink(app, { host: hosts.alipay });
  const where = platform();
  const href = where === "ios" ? links.scheme : where === "android" ? links.intent : links.web;
  return isHostUrl(href) && isHostUrl(links.web) ? { platform: where, href, links } : undefined;
}

/** Opens the host app; calls `onStillHere` if the page is still visible after `waitMs`. */
export function launch(plan: OpenPlan, onStillHere: () => void, waitMs = 1500): () => void {
  let left = false;
  const away = () => {
    if (document.visibilityState === "hidden") left = true;
  };
  const gone = () => (left = true);
  addEventListener("visibilitychange", away);
  addEventListener("pagehide", gone);
  const stop = () => {
    clearTimeout(timer);
    removeEventListener("visibilitychange", away);
    removeEventListener("pagehide", gone);
  };
  const timer = setTimeout(() => {
    stop();
    if (!left && document.visibilityState === "visible") onStillHere();
  }, waitMs);
  // Checked again at the last moment: nothing but the host's own URLs is ever opened.
  if (isHostUrl(plan.href)) location.href = plan.href;
  return stop;
}

let sheetModule: Promise<SheetModule> | undefined;

/**
 * Opens a sheet, loading the sheet module on first use (a failed load is retried next time).
 * Escape pressed while it loads cancels it, as it would close it once shown: the answer is
 * then undefined and nothing opens.
 */
export async function showSheet(options: SheetOptions): Promise<(() => void) | undefined> {
  let cancelled = false;
  const cancel = (event: KeyboardEvent) => event.key === "Escape" && (cancelled = true);
  addEventListener("keydown", cancel, true);
  try {
    sheetModule ??= config.loadSheet().catch((error: unknown) => {
      sheetModule = undefined;
      throw error;
    });
    const module = await sheetModule;
    return cancelled ? undefined : module.openSheet(options);
  } finally {
    removeEventListener("keydown", cancel, true);
  }
}
