/**
 * @module trending/register — the few bytes of `<mini-program-trending>` that live in
 * embed.js: a stub element that loads the real one (`/widget/trending.<hash>.js`, see
 * `element.ts`) the first time it is connected. Pages without a hot list never download it.
 */

import { config, warn } from "../config.js";

/** Defines `<mini-program-trending>` (once) to load its implementation from `chunk`. */
export function defineTrending(chunk: string): void {
  if (customElements.get("mini-program-trending")) return;
  customElements.define(
    "mini-program-trending",
    class extends HTMLElement {
      connectedCallback() {
        import(chunk).then(
          (module: { mountTrending(host: HTMLElement, issuer: string | undefined): void }) => this.isConnected && module.mountTrending(this, config.issuer),
          (error: unknown) => warn("could not load the hot list", error),
        );
      }
    },
  );
}
