/**
 * @module status/plan-open — the links a tap opens, planned and launched. Built into the
 * status file (`/widget/status.<hash>.js`, re-exported by `status/check.ts`): every page with
 * cards loads that file for its first status check, a quarter second after its first cards
 * render, and `open.ts` asks for it as soon as a card is verified, so it is there before the
 * first tap while embed.js carries neither the deep-link builder nor `isHostUrl`.
 *
 * What a tap does is described in `open.ts`.
 */

import { appHost, buildDeepLink, isHostUrl, type AppTarget, type DeepLink, type HostProfile } from "@minicard/sdk";

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
  /** The URL opened (scheme, intent) or shown as a QR code (web fallback). */
  href: string;
  links: DeepLink;
  /** The host the card names: every URL opened or linked is checked against it. */
  host: HostProfile;
  /** The card's landing page, the web fallback of a host without an https hop. */
  landing: string;
}

/** Plans the opening of `app` (a card whose landing page is `landing`); undefined when no safe link can be built. */
export function planOpen(app: AppTarget, landing: string): OpenPlan | undefined {
  const host = appHost(app)!;
  const links = buildDeepLink(app, { host, landing });
  const where = platform();
  const href = where === "ios" ? links.scheme : where === "android" ? links.intent : links.web;
  return isHostUrl(href, host, landing) && isHostUrl(links.web, host, landing) ? { platform: where, href, links, host, landing } : undefined;
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
  if (isHostUrl(plan.href, plan.host, plan.landing)) location.href = plan.href;
  return stop;
}
