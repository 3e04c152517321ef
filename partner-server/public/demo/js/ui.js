// Small DOM helpers for the demo pages. Text is always set as text (never innerHTML):
// card titles and sharer names come from users.

import { avatarOf, displayName } from "./posts.js";

export { displayName };

/** Creates an element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** A round avatar with the sharer's initial, coloured by name. */
export function avatar(sharer, extra = "") {
  const { initial, tone } = avatarOf(sharer);
  return el("span", { class: `avatar ${tone} ${extra}`.trim(), "aria-hidden": "true" }, initial);
}

/** A `<mini-program-card>` for a card from the demo API. */
export function cardElement(issuer, partner, card) {
  return el("mini-program-card", { token: card.token, surface: card.surface, partner, issuer, "data-card-id": card.id });
}

/** Shows a message in `container` (replacing what was there). */
export function notice(container, text, error = false) {
  container.replaceChildren(el("p", { class: error ? "notice error" : "notice", role: error ? "alert" : "status" }, text));
}
