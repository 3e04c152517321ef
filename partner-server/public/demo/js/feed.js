// The follow feed: every live feed card of the demo partner, as posts by the people who
// shared them. The server sends the first screenful as bare posts holding their cards, so
// the widget paints them at once; this script dresses those posts and appends the rest.
// The widget only verifies and renders the cards near the viewport.

import { fetchCards, signIn } from "./api.js";
import { avatar, cardElement, displayName, el, notice, timeAgo } from "./ui.js";

const BLURBS = [
  "周末安排上了，一起吗？",
  "这个真的好用，亲测推荐 👍",
  "刚在小程序里下单，十分钟就搞定了",
  "Found this and thought of you all.",
  "收藏了，回头再看",
  "限时活动，手慢无！",
  "Super handy, no app download needed.",
];

/**
 * Puts a post's chrome around its card element: who shared it and when, their words above
 * the card, the counts below. The card element is never moved, so a card the widget is
 * already verifying or showing is left alone.
 */
function dress(article, sharer, issuedAt, index) {
  article.setAttribute("aria-label", `${displayName(sharer)} 的分享`);
  article.prepend(
    el("header", {}, avatar(sharer), el("div", { class: "who" }, el("span", { class: "name" }, displayName(sharer)), el("span", { class: "meta" }, `${timeAgo(issuedAt)} · 来自 小程序分享`))),
    el("p", { class: "text" }, BLURBS[index % BLURBS.length]),
  );
  article.append(el("footer", { "aria-hidden": "true" }, el("span", {}, `转发 ${(index * 7) % 90}`), el("span", {}, `评论 ${(index * 13) % 120}`), el("span", {}, `赞 ${(index * 31) % 900}`)));
  return article;
}

/** A post for a card from the demo API. */
function post(issuer, partner, card, index) {
  return dress(el("article", { class: "post" }, cardElement(issuer, partner, card)), card.sharer, card.issuedAt, index);
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

async function main() {
  const container = document.getElementById("feed");
  // The posts the server sent, in feed order.
  const sent = Array.from(container.querySelectorAll(":scope > article.post"));
  sent.forEach((article, index) => dress(article, article.dataset.sharer || null, article.dataset.issuedAt, index));
  const shown = new Set(sent.map((article) => article.querySelector("mini-program-card")?.dataset.cardId));
  try {
    if (shown.size > 0) await firstPaint(1000);
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
