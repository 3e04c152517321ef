/**
 * @module status — revocation reaches cards already on screen.
 *
 * One poller for the page: every `config.statusIntervalMs` (60 s by default) it asks each
 * issuer about its cards near the viewport (`status/check.ts`, loaded when the first check is
 * due). A `revoked` or `expired` answer (a suspended brand's cards read `revoked`) turns the
 * card unavailable without a reload.
 */

import { config, fetchAtLoad, warn } from "./config.js";

/** A rendered card the poller keeps an eye on. */
export interface StatusWatch {
  issuer: string;
  id: string;
  /** Near the viewport: only those are asked about. */
  near: boolean;
  checkedAt: number;
  onGone(state: "revoked" | "expired"): void;
}

const watches = new Set<StatusWatch>();
let timer: ReturnType<typeof setTimeout> | undefined;

/** Watches a rendered card until the returned function is called. */
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
  try {
    await (await config.loadStatus()).checkStatus(watches, config.statusIntervalMs, fetchAtLoad);
  } catch (error) {
    warn("could not check card status", error);
  }
  schedule();
}
