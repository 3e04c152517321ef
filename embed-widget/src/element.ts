/**
 * @module element — `<mini-program-card>`: a custom element with an open shadow root that
 * renders {@link MiniProgramCard} from its attributes. Defining it twice is harmless (a page
 * may include embed.js twice, or a framework build and embed.js together).
 */

import { h, render } from "preact";
import { MiniProgramCard, type MiniProgramCardProps } from "./card/Card.js";
import { warn } from "./config.js";

/** The attributes the element reads (and re-renders on). */
export const ATTRIBUTES = ["token", "src", "surface", "partner", "issuer", "lang", "theme", "viewer", "data-no-track"] as const;

/** The element's class; `defineElement()` registers it. */
export class MiniProgramCardElement extends HTMLElement {
  static get observedAttributes(): readonly string[] {
    return ATTRIBUTES;
  }

  private root: ShadowRoot | undefined;

  /** The props the attributes stand for. */
  get props(): MiniProgramCardProps {
    // Each attribute under its own name (`data-no-track` too, unread: the card reads `noTrack`).
    const props: MiniProgramCardProps = Object.fromEntries(ATTRIBUTES.map((name) => [name, this.getAttribute(name)]));
    props.noTrack = this.hasAttribute("data-no-track");
    return props;
  }

  connectedCallback(): void {
    this.update();
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.update();
  }

  disconnectedCallback(): void {
    // Unmounting runs the card's cleanup: observers, the status watch, timers, listeners.
    if (this.root) this.safely(() => render(null, this.root!));
  }

  private update(): void {
    this.safely(() => {
      this.root ??= this.shadowRoot ?? this.attachShadow({ mode: "open" });
      render(h(MiniProgramCard, this.props), this.root);
    });
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      warn("the card could not be rendered", error);
    }
  }
}

/**
 * Registers `<mini-program-card>` (or `name`), unless something already did. Answers the
 * registered constructor.
 *
 * @example
 * ```ts
 * // defineElement, from the package @minicard/widget
 * defineElement();
 * ```
 */
export function defineElement(name = "mini-program-card"): CustomElementConstructor | undefined {
  try {
    const existing = customElements.get(name);
    if (existing) return existing;
    // A subclass per name: one constructor cannot be registered under two names.
    const element = class extends MiniProgramCardElement {};
    customElements.define(name, element);
    return element;
  } catch (error) {
    warn(`could not define <${name}>`, error);
    return undefined;
  }
}
