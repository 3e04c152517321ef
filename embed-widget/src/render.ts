/**
 * @module render — `Minicard.render(el, options)`: a card from script, for pages that build
 * their DOM themselves.
 */

import { warn } from "./config.js";
import { ATTRIBUTES } from "./element.js";

/** The options of {@link renderCard}: the element's attributes. */
export interface RenderOptions {
  token?: string;
  src?: string;
  surface: "dm" | "profile" | "feed";
  partner: string;
  issuer?: string;
  lang?: "zh-CN" | "en";
  theme?: "light" | "dark" | "auto";
  /** No beacons from this card. */
  noTrack?: boolean;
  /** The viewer pass sent with this card's beacons; default the page's `<meta name="minicard-viewer">`. */
  viewer?: string;
}

/**
 * Shows a card in `target`: sets the attributes when `target` is a `<mini-program-card>`,
 * else appends one to it. Answers the card element (undefined if `target` is not an element).
 *
 * @example
 * ```ts
 * Minicard.render(document.querySelector("#slot"), { token, surface: "feed", partner: "weibo" });
 * ```
 */
export function renderCard(target: Element | null, options: RenderOptions): Element | undefined {
  try {
    if (!(target instanceof Element)) throw new TypeError("render needs an element");
    const card = target.localName === "mini-program-card" ? target : target.appendChild(document.createElement("mini-program-card"));
    for (const name of ATTRIBUTES) {
      const value = name === "data-no-track" ? (options.noTrack ? "" : undefined) : options[name];
      if (typeof value === "string") card.setAttribute(name, value);
      else card.removeAttribute(name);
    }
    return card;
  } catch (error) {
    warn("render failed", error);
    return undefined;
  }
}
