/**
 * @module trending/register — the few bytes of `<mini-program-trending>` that live in
 * embed.js: a stub element that loads the real one (`/widget/trending.<hash>.js`, see
 * `element.ts`) once it is connected and the page's own cards have had their turn. Pages
 * without a hot list never download it.
 */

import { config, warn } from "../config.js";

/**
 * How long a hot list waits, at most, for the page's first card: enough for a card near the
 * viewport to verify and paint, short enough that a page whose cards are all far below it
 * (never rendered until a scroll) still shows its list promptly.
 */
export const FIRST_CARD_WAIT_MS = 1000;

let cardSettled = false;
let firstCard: Promise<void> | undefined;

/**
 * Resolves once the page's first card has rendered or failed, at once when one already has
 * or when the page has no card, and after {@link FIRST_CARD_WAIT_MS} at most. The hot list is
 * secondary content: its chunk, its request and its cards' verification wait here so they
 * never compete with the card the reader came for.
 */
function afterFirstCard(): Promise<void> {
  if (cardSettled || !document.querySelector("mini-program-card")) return Promise.resolve();
  return (firstCard ??= new Promise<void>((resolve) => {
    const events = ["minicard:render", "minicard:error"] as const;
    const done = () => {
      clearTimeout(timer);
      for (const name of events) removeEventListener(name, done);
      resolve();
    };
    for (const name of events) addEventListener(name, done);
    const timer = setTimeout(done, FIRST_CARD_WAIT_MS);
  }));
}

/** Defines `<mini-program-trending>` (once) to load its implementation from `chunk`. */
export function defineTrending(chunk: string): void {
  if (customElements.get("mini-program-trending")) return;
  // From embed.js's start: a hot list added long after the first card must not wait for another.
  const settle = () => {
    cardSettled = true;
    removeEventListener("minicard:render", settle);
    removeEventListener("minicard:error", settle);
  };
  addEventListener("minicard:render", settle);
  addEventListener("minicard:error", settle);
  customElements.define(
    "mini-program-trending",
    class extends HTMLElement {
      connectedCallback() {
        afterFirstCard()
          .then(() => import(chunk))
          .then(
            (module: { mountTrending(host: HTMLElement, issuer: string | undefined): void }) => this.isConnected && module.mountTrending(this, config.issuer),
            (error: unknown) => warn("could not load the hot list", error),
          );
      }
    },
  );
}
