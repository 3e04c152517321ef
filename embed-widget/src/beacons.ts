/**
 * @module beacons — impression and click events for the issuer's `POST /v1/events`.
 *
 * An impression is counted when at least half of a card is visible for one second. Events
 * are queued per issuer and sent in batches of at most 50 with `navigator.sendBeacon`
 * (a `text/plain` JSON body: no CORS preflight, and it survives the page being closed).
 * The visitor is a random opaque id kept in `localStorage` (in memory when storage is
 * blocked). Nothing is queued for a card with `data-no-track` (see `isTracked`).
 */

import { config, warn } from "./config.js";

/** One event, as `POST /v1/events` takes it. */
interface Beacon {
  type: "impression" | "click";
  card: string;
  visitor: string;
  ts: number;
  slot?: "trending";
}

/** Most events one beacon carries (the server's limit). */
export const MAX_BATCH = 50;
const FLUSH_DELAY_MS = 1000;
const VISIBLE_MS = 1000;
const VISITOR_KEY = "minicard:visitor";

const queues = new Map<string, Beacon[]>();
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let visitor: string | undefined;
let listening = false;

/** Flushes when the page is hidden or closed (registered on first use, not at import). */
function listen(): void {
  if (listening) return;
  listening = true;
  addEventListener("pagehide", flush);
  addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush();
  });
}

/** The page's stable opaque visitor id. */
export function visitorId(): string {
  if (visitor) return visitor;
  try {
    visitor = localStorage.getItem(VISITOR_KEY) ?? undefined;
  } catch {
    // storage blocked (private mode, sandboxed iframe): an in-memory id for this page
  }
  if (!visitor || !/^[A-Za-z0-9_.:-]{8,128}$/.test(visitor)) {
    visitor = `v_${crypto.randomUUID().replaceAll("-", "")}`;
    try {
      localStorage.setItem(VISITOR_KEY, visitor);
    } catch {
      // kept in memory only
    }
  }
  return visitor;
}

/** False when beacons are off for `element`: `data-no-track` on it, on `<html>`, or on the embed.js script tag. */
export function isTracked(element: Element | null | undefined): boolean {
  return !config.noTrack && !document.documentElement.hasAttribute("data-no-track") && !element?.closest("[data-no-track]");
}

/** `trending` for a card inside the hot list (`<mini-program-trending>` marks its cards `data-slot`). */
export const slotOf = (root: Element | null | undefined) => ((root?.getRootNode() as ShadowRoot | undefined)?.host?.getAttribute("data-slot") === "trending" ? "trending" : undefined);

/** Queues one event for `issuer`; clicks go out at once (a navigation may follow). */
export function track(issuer: string, type: Beacon["type"], card: string, slot?: "trending"): void {
  try {
    listen();
    const queue = queues.get(issuer) ?? [];
    queues.set(issuer, queue);
    queue.push({ type, card, visitor: visitorId(), ts: Date.now(), ...(slot ? { slot } : {}) });
    if (type === "click" || queue.length >= MAX_BATCH) flush();
    else flushTimer ??= setTimeout(flush, FLUSH_DELAY_MS);
  } catch (error) {
    warn("could not queue an event", error);
  }
}

/** Sends every queued event, in batches of at most {@link MAX_BATCH}. */
export function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  for (const [issuer, queue] of queues) {
    while (queue.length > 0) send(`${issuer}/v1/events`, JSON.stringify({ events: queue.splice(0, MAX_BATCH) }));
  }
}

function send(url: string, body: string): void {
  try {
    if (navigator.sendBeacon?.(url, body)) return;
    // The beacon queue was full: a keepalive fetch is the same simple CORS request.
    fetch(url, { method: "POST", body, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } }).catch(() => {});
  } catch (error) {
    warn("could not send events", error);
  }
}


const seen = new Map<Element, { timer?: ReturnType<typeof setTimeout>; onSeen: () => void }>();
let impressions: IntersectionObserver | undefined;

/**
 * Calls `onSeen` once `element` has been at least half visible for one second; answers the
 * unwatch function (called on disconnect, and by the card once it has been seen).
 */
export function watchImpression(element: Element, onSeen: () => void): () => void {
  if (typeof IntersectionObserver !== "function") return () => {};
  impressions ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const watch = seen.get(entry.target);
        if (!watch) continue;
        clearTimeout(watch.timer);
        watch.timer = entry.isIntersecting && entry.intersectionRatio >= 0.5 ? setTimeout(watch.onSeen, VISIBLE_MS) : undefined;
      }
    },
    { threshold: 0.5 },
  );
  seen.set(element, { onSeen });
  impressions.observe(element);
  return () => {
    clearTimeout(seen.get(element)?.timer);
    seen.delete(element);
    impressions?.unobserve(element);
  };
}
