// The follow feed: every live feed card of the demo partner, as posts by the people who
// shared them. The server sends the first screenful of posts in the page, dressed and
// holding their cards, so the widget paints them at once and this script has nothing to do
// before it has; then it appends the rest. The widget only verifies and renders the cards
// near the viewport.
//
// The page loads this script `async`, unlike the other demo pages: a deferred module holds
// back DOMContentLoaded until it and its imports have arrived and run, and the browser's work
// at DOMContentLoaded (a forced style and layout of the page) then fell in the middle of the
// first card's verification. Async, the script may run before the page is parsed, so it
// waits for that itself.

import { fetchCards, signIn } from "./api.js";
import { feedPost } from "./posts.js";
import { avatar, cardElement, el, notice } from "./ui.js";

/**
 * A post for a card from the demo API: who shared it and when, their words above the card,
 * the counts below (the server builds the first screenful's the same way, from `feedPost`).
 */
function post(issuer, partner, card, index) {
  const { label, name, meta, text, counts } = feedPost(card.sharer, card.issuedAt, index);
  return el(
    "article",
    { class: "post", "aria-label": label },
    el("header", {}, avatar(card.sharer), el("div", { class: "who" }, el("span", { class: "name" }, name), el("span", { class: "meta" }, meta))),
    el("p", { class: "text" }, text),
    cardElement(issuer, partner, card),
    el("footer", { "aria-hidden": "true" }, ...counts.map((count) => el("span", {}, count))),
  );
}

/**
 * Resolves once the first card on the page has painted, or after `ms`: the rest of the feed
 * (a large answer to build and lay out) waits so it never competes with the first screen.
 */
function firstPaint(ms) {
  return new Promise((resolve) => {
    addEventListener("minicard:render", resolve, { once: true });
    setTimeout(resolve, ms);
  });
}

/** Resolves once the page is parsed (an async script may run before the parser is done). */
function parsed() {
  return document.readyState === "loading" ? new Promise((resolve) => addEventListener("DOMContentLoaded", resolve, { once: true })) : Promise.resolve();
}

async function main() {
  // Listening before anything else: the first card may paint while the page is still parsing.
  const painted = firstPaint(1000);
  await parsed();
  const container = document.getElementById("feed");
  // The cards of the posts the server sent, in feed order.
  const shown = new Set(Array.from(container.querySelectorAll(":scope > article.post mini-program-card"), (card) => card.dataset.cardId));
  try {
    if (shown.size > 0) await painted;
    const { issuer, partner, cards } = await fetchCards("feed");
    const fragment = document.createDocumentFragment();
    cards.filter((card) => !shown.has(card.id)).forEach((card, index) => fragment.append(post(issuer, partner, card, shown.size + index)));
    fragment.append(el("p", { class: "count" }, `共 ${shown.size + fragment.childElementCount} 条小程序分享`));
    container.append(fragment);
  } catch (error) {
    if (shown.size === 0) notice(container, `无法加载信息流：${error.message}`, true);
    else container.append(el("p", { class: "notice error", role: "alert" }, `无法加载更多：${error.message}`));
  } finally {
    container.setAttribute("aria-busy", "false");
  }
}

signIn();
main();
