/**
 * @module beacons — impression and click events for the issuer's `POST /v1/events`.
 *
 * An impression is counted when at least half of a card is visible for one second. Events
 * are queued per issuer and viewer pass, and sent in batches of at most 50 with
 * `navigator.sendBeacon` (a `text/plain` JSON body `{ viewer?, events }`: no CORS preflight,
 * and it survives the page being closed). The first batch to each issuer is a keepalive
 * `fetch` of the same simple request instead, whose answer is read: a page on an origin no
 * partner registered gets `origin_not_allowed`, and the widget says so, once. Events with
 * different passes never share a batch: the server credits a batch's events to its one pass. The visitor is a random opaque id kept
 * in `localStorage` (in memory when storage is blocked). Nothing is queued for a card with
 * `data-no-track` (see `isTracked`).
 *
 * The pass is the card's `viewer` attribute, else the page's
 * `<meta name="minicard-viewer" content="…">`, read when the batch is sent: a single-page app
 * may add or refresh the tag at any time, and events queued before it changed go out with
 * the pass the page has when they leave.
 */

import type { BeaconEvent } from "@minicard/sdk";
import { config, fetchAtLoad, warn, warnOnce } from "./config.js";

/** Most events one beacon carries (the server's limit). */
export const MAX_BATCH = 50;
const FLUSH_DELAY_MS = 1000;
const VISIBLE_MS = 1000;
const VISITOR_KEY = "minicard:visitor";
/** A compact JWS, as the server takes a viewer pass (with at most 4096 characters). */
const PASS = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** A hot-list entry's opaque placement. */
const PLACEMENT = /^[\w.-]{1,200}$/;

/**
 * Queued events by `<issuer>/v1/events <pass>`; an empty pass stands for the page's, resolved
 * when the batch is sent. A pass has no space in it, so the last space splits the key.
 */
const queues = new Map<string, BeaconEvent[]>();
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let visitor: string | undefined;
let listening = false;
let warned = false;
/** Issuers' event URLs a batch was sent to; the partners of the page's tracked cards. */
const sent = new Set<string>();
const partners = new Set<string | null | undefined>();

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
  if (!visitor || !/^[\w.:-]{8,128}$/.test(visitor)) {
    visitor = `v_${crypto.randomUUID().replaceAll("-", "")}`;
    try {
      localStorage.setItem(VISITOR_KEY, visitor);
    } catch {
      // kept in memory only
    }
  }
  return visitor;
}

/**
 * The shadow host of `node` (the `<mini-program-card>` element), or `node` itself when it is
 * not in a shadow root (the Preact component rendered straight into a page).
 */
export const hostOf = (node: Element | null | undefined): Element | null | undefined => (node?.getRootNode() as ShadowRoot | undefined)?.host ?? node;

/** False when beacons are off for `element`: `data-no-track` on it, on `<html>`, or on the embed.js script tag. */
export function isTracked(element: Element | null | undefined): boolean {
  return !config.noTrack && !document.documentElement.hasAttribute("data-no-track") && !element?.closest("[data-no-track]");
}

/**
 * `value` when it is a viewer pass the server could take, else undefined: a malformed one
 * would only cost the batch its credit, so it is dropped (and logged, the first time).
 */
function passOf(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length <= 4096 && PASS.test(value)) return value;
  if (!warned) warn("ignored a malformed viewer pass");
  warned = true;
  return undefined;
}

/**
 * Queues one event of the card whose root is `root`, unless beacons are off for it; clicks go
 * out at once (a navigation may follow). A card inside the hot list (its host is marked
 * `data-slot="trending"`, see `trending/element.ts`) sends `slot: "trending"` and its entry's
 * `data-placement`.
 */
export function track(
  issuer: string,
  type: BeaconEvent["type"],
  card: string,
  root: Element | null,
  props: { noTrack?: boolean | undefined; viewer?: string | null | undefined; partner?: string | null | undefined },
): void {
  try {
    const host = hostOf(root);
    if (props.noTrack || !isTracked(host)) return;
    listen();
    partners.add(props.partner);
    const key = `${issuer}/v1/events ${passOf(props.viewer) ?? ""}`;
    const queue = queues.get(key) ?? [];
    queues.set(key, queue);
    const event: BeaconEvent = { type, card, visitor: visitorId(), ts: Date.now() };
    if (host?.getAttribute("data-slot") === "trending") {
      event.slot = "trending";
      const placement = host.getAttribute("data-placement");
      if (placement && PLACEMENT.test(placement)) event.placement = placement;
    }
    queue.push(event);
    if (type === "click" || queue.length >= MAX_BATCH) flush();
    else flushTimer ??= setTimeout(flush, FLUSH_DELAY_MS);
  } catch (error) {
    warn("could not queue an event", error);
  }
}

/** Sends every queued event, in batches of at most {@link MAX_BATCH}, each with its one pass. */
export function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  for (const [key, queue] of queues) {
    const at = key.lastIndexOf(" ");
    // No pass of its own: the page's, as the meta tag reads now.
    const viewer = key.slice(at + 1) || passOf(document.querySelector<HTMLMetaElement>('meta[name="minicard-viewer"]')?.content);
    while (queue.length > 0) send(key.slice(0, at), JSON.stringify({ viewer, events: queue.splice(0, MAX_BATCH) }));
  }
  // Every queue is empty now; passes change, so their keys are not kept.
  queues.clear();
}

function send(url: string, body: string): void {
  try {
    if (sent.has(url) && navigator.sendBeacon?.(url, body)) return;
    sent.add(url);
    // The first batch, or the beacon queue was full: a keepalive fetch is the same simple CORS
    // request, and the issuer lets a page it refuses read why.
    fetchAtLoad(url, { method: "POST", body, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } })
      .then((response) => response.json())
      .then(
        (answer: { code?: unknown }) =>
          answer.code === "origin_not_allowed" &&
          warnOnce(url, `${location.origin} is not a registered origin of partner ${[...partners].join(", ")}: ${url} refuses its beacons (origin_not_allowed)`),
        () => {},
      );
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
