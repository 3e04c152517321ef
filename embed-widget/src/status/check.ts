/**
 * @module status/check — the revocation poller's work, built as its own file
 * (`/widget/status.<hash>.js`) and loaded when the first check is due: a quarter second after
 * the page's first cards render.
 *
 * Asks each issuer `GET /v1/cards/status?ids=…` (open to every origin) about its cards near
 * the viewport, at most 100 ids a request and each card at most once per interval, and tells
 * the cards that read `revoked` or `expired`. A request that asks about a card for the first
 * time skips the HTTP cache: the answer must be as of now, not as of an earlier page view.
 * The file also resolves `src` share links (`status/share-link.ts`) and plans and launches
 * what a tap opens (`status/plan-open.ts`).
 */

import { MAX_STATUS_IDS } from "@minicard/sdk";
import type { StatusWatch } from "../status.js";

export { resolveShareLink } from "./share-link.js";
export { launch, planOpen } from "./plan-open.js";

/** Checks the cards in `watches` that are near the viewport and due at `interval`. */
export async function checkStatus(watches: Set<StatusWatch>, interval: number, fetcher: typeof fetch): Promise<void> {
  const now = Date.now();
  if (document.visibilityState === "hidden") return;
  const due = new Map<string, StatusWatch[]>();
  /** Issuers asked about a card for the first time. */
  const first = new Set<string>();
  for (const watch of watches) {
    if (!watch.near || now - watch.checkedAt < interval * 0.9) continue;
    if (watch.checkedAt === 0) first.add(watch.issuer);
    watch.checkedAt = now;
    due.set(watch.issuer, [...(due.get(watch.issuer) ?? []), watch]);
  }
  const requests: Promise<void>[] = [];
  for (const [issuer, list] of due) {
    const fresh = first.has(issuer) || interval < 60_000;
    for (let i = 0; i < list.length; i += MAX_STATUS_IDS) requests.push(ask(issuer, list.slice(i, i + MAX_STATUS_IDS), fresh, watches, fetcher));
  }
  await Promise.all(requests);
}

async function ask(issuer: string, list: StatusWatch[], fresh: boolean, watches: Set<StatusWatch>, fetcher: typeof fetch): Promise<void> {
  const ids = [...new Set(list.map((watch) => watch.id))];
  const response = await fetcher(`${issuer}/v1/cards/status?ids=${ids.join(",")}`, {
    credentials: "omit",
    cache: fresh ? "no-store" : "default",
  });
  if (!response.ok) return;
  const states = (await response.json()) as Record<string, unknown>;
  for (const watch of list) {
    const state = states[watch.id];
    if ((state === "revoked" || state === "expired") && watches.has(watch)) watch.onGone(state);
  }
}
