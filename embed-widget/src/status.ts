/**
 * @module status — revocation reaches cards already on screen.
 *
 * One poller for the page. A quarter second after the first card of a pass renders it asks
 * each issuer about every card rendered by then, in one request per issuer (a card revoked
 * before the page loaded does not stay up for a minute); then every
 * `config.statusIntervalMs` (60 s by default) about its cards near the viewport
 * (`status/check.ts`, loaded for the first check). A `revoked` or `expired` answer (a
 * suspended brand's cards read `revoked`) turns the card unavailable without a reload.
 */

import { config, fetchAtLoad, warn } from "./config.js";

/** A rendered card the poller keeps an eye on. */
export interface StatusWatch {
  issuer: string;
  id: string;
  /** Near the viewport: only those are asked about. */
  near: boolean;
  /** When the issuer was last asked about it (ms); 0: never, so the next check asks past the HTTP cache. */
  checkedAt: number;
  onGone(state: "revoked" | "expired"): void;
}

const watches = new Set<StatusWatch>();
let timer: ReturnType<typeof setTimeout> | undefined;

/** Watches a rendered card until the returned function is called. */
export function watchStatus(watch: Omit<StatusWatch, "checkedAt">): () => void {
  // Never checked: the next check asks about it. With no poll running, that is the first
  // pass's check, once the cards verifying with this one have rendered too.
  const entry: StatusWatch = Object.assign(watch, { checkedAt: 0 });
  watches.add(entry);
  timer ??= setTimeout(tick, 250);
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
