/**
 * @module status/check — the revocation poller's work, built as its own file
 * (`/widget/status.<hash>.js`) and loaded when the first check is due (a minute after a card
 * is shown, by default): most page views end before that and never download it.
 *
 * Asks each issuer `GET /v1/cards/status?ids=…` about its cards near the viewport, at most
 * 100 ids a request and each card at most once per interval, and tells the cards that read
 * `revoked` or `expired`.
 */

import { MAX_STATUS_IDS } from "@minicard/sdk";
import type { StatusWatch } from "../status.js";

/** Checks the cards in `watches` that are near the viewport and due at `interval`. */
export async function checkStatus(watches: Set<StatusWatch>, interval: number, fetcher: typeof fetch): Promise<void> {
  const now = Date.now();
  if (document.visibilityState === "hidden") return;
  const due = new Map<string, StatusWatch[]>();
  for (const watch of watches) {
    if (!watch.near || now - watch.checkedAt < interval * 0.9) continue;
    watch.checkedAt = now;
    due.set(watch.issuer, [...(due.get(watch.issuer) ?? []), watch]);
  }
  const requests: Promise<void>[] = [];
  for (const [issuer, list] of due) {
    for (let i = 0; i < list.length; i += MAX_STATUS_IDS) requests.push(ask(issuer, list.slice(i, i + MAX_STATUS_IDS), interval, watches, fetcher));
  }
  await Promise.all(requests);
}

async function ask(issuer: string, list: StatusWatch[], interval: number, watches: Set<StatusWatch>, fetcher: typeof fetch): Promise<void> {
  const ids = [...new Set(list.map((watch) => watch.id))];
  const response = await fetcher(`${issuer}/v1/cards/status?ids=${ids.join(",")}`, {
    credentials: "omit",
    cache: interval < 60_000 ? "no-store" : "default",
  });
  if (!response.ok) return;
  const states = (await response.json()) as Record<string, unknown>;
  for (const watch of list) {
    const state = states[watch.id];
    if ((state === "revoked" || state === "expired") && watches.has(watch)) watch.onGone(state);
  }
}
