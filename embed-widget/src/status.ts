/**
 * @module status — revocation reaches cards already on screen.
 *
 * One poller for the page: every `config.statusIntervalMs` (60 s by default) it asks each
 * issuer `GET /v1/cards/status?ids=…` about its cards near the viewport, at most 100 ids a
 * request and each card at most once per interval. A `revoked` or `expired` answer (a
 * suspended brand's cards read `revoked`) turns the card unavailable without a reload.
 */

import { config, warn } from "./config.js";

/** A rendered card the poller keeps an eye on. */
export interface StatusWatch {
  issuer: string;
  id: string;
  /** Near the viewport: only those are asked about. */
  near: boolean;
  checkedAt: number;
  onGone(state: "revoked" | "expired"): void;
}

/** Most ids one status request carries (the server's limit). */
export const MAX_IDS = 100;

const watches = new Set<StatusWatch>();
let timer: ReturnType<typeof setTimeout> | undefined;

/** Starts watching a card; answers the unwatch function. */
export function watchStatus(watch: Omit<StatusWatch, "checkedAt">): () => void {
  const entry: StatusWatch = Object.assign(watch, { checkedAt: Date.now() });
  watches.add(entry);
  schedule();
  return () => watches.delete(entry);
}

function schedule(): void {
  if (timer === undefined && watches.size > 0) timer = setTimeout(tick, Math.max(250, config.statusIntervalMs));
}

async function tick(): Promise<void> {
  timer = undefined;
  const interval = config.statusIntervalMs;
  const now = Date.now();
  if (document.visibilityState !== "hidden") {
    const due = new Map<string, StatusWatch[]>();
    for (const watch of watches) {
      // 10% slack, so timers firing a little early still count as a full interval.
      if (!watch.near || now - watch.checkedAt < interval * 0.9) continue;
      watch.checkedAt = now;
      due.set(watch.issuer, [...(due.get(watch.issuer) ?? []), watch]);
    }
    const requests: Promise<void>[] = [];
    for (const [issuer, list] of due) {
      for (let i = 0; i < list.length; i += MAX_IDS) requests.push(ask(issuer, list.slice(i, i + MAX_IDS), interval));
    }
    await Promise.all(requests);
  }
  schedule();
}

async function ask(issuer: string, list: StatusWatch[], interval: number): Promise<void> {
  const ids = [...new Set(list.map((watch) => watch.id))];
  try {
    const response = await fetch(`${issuer}/v1/cards/status?ids=${ids.join(",")}`, {
      credentials: "omit",
      // The answer is cacheable for 60 s: a page polling faster than that (tests) must skip the cache.
      cache: interval < 60_000 ? "no-store" : "default",
    });
    if (!response.ok) return;
    const states = (await response.json()) as Record<string, unknown>;
    for (const watch of list) {
      const state = states[watch.id];
      if ((state === "revoked" || state === "expired") && watches.has(watch)) watch.onGone(state);
    }
  } catch (error) {
    warn("could not check card status", error);
  }
}
