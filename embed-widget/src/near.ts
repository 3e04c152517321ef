/**
 * @module near — one IntersectionObserver for the page that tells each card whether it is
 * near the viewport (within `config.nearMargin`, two screens by default). Cards far away stay
 * cheap placeholders: nothing is verified, fetched or rendered for them.
 */

import { config } from "./config.js";

type Listener = (near: boolean) => void;

const listeners = new Map<Element, Listener>();
let observer: IntersectionObserver | undefined;
let observerMargin = "";

function current(): IntersectionObserver | undefined {
  if (typeof IntersectionObserver !== "function") return undefined;
  if (!observer || observerMargin !== config.nearMargin) {
    // The margin changed (a page or test set it): move every watched card to a new observer.
    observer?.disconnect();
    observerMargin = config.nearMargin;
    observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) listeners.get(entry.target)?.(entry.isIntersecting);
      },
      { rootMargin: observerMargin },
    );
    for (const element of listeners.keys()) observer.observe(element);
  }
  return observer;
}

/** Calls `listener` whenever `element` comes near the viewport or leaves; answers the unwatch function. */
export function watchNear(element: Element, listener: Listener): () => void {
  listeners.set(element, listener);
  const io = current();
  if (io) io.observe(element);
  else listener(true);
  return () => {
    listeners.delete(element);
    observer?.unobserve(element);
  };
}
