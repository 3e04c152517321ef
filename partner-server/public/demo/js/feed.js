// The follow feed: every live feed card of the demo partner, as posts by the people who
// shared them. The widget only verifies and renders the cards near the viewport.

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

function post(issuer, partner, card, index) {
  return el(
    "article",
    { class: "post", "aria-label": `${displayName(card.sharer)} 的分享` },
    el("header", {}, avatar(card.sharer), el("div", { class: "who" }, el("span", { class: "name" }, displayName(card.sharer)), el("span", { class: "meta" }, `${timeAgo(card.issuedAt)} · 来自 小程序分享`))),
    el("p", { class: "text" }, BLURBS[index % BLURBS.length]),
    cardElement(issuer, partner, card),
    el("footer", { "aria-hidden": "true" }, el("span", {}, `转发 ${(index * 7) % 90}`), el("span", {}, `评论 ${(index * 13) % 120}`), el("span", {}, `赞 ${(index * 31) % 900}`)),
  );
}

/** Posts a first screenful needs; the rest of the feed follows in a second request. */
const FIRST = 12;

async function main() {
  const container = document.getElementById("feed");
  try {
    // A first screenful at once (a small answer, a few posts to lay out), then the rest.
    const first = await fetchCards("feed", FIRST);
    const shown = new Set(first.cards.map((card) => card.id));
    container.replaceChildren(...first.cards.map((card, index) => post(first.issuer, first.partner, card, index)));
    const { issuer, partner, cards } = await fetchCards("feed");
    const fragment = document.createDocumentFragment();
    cards.filter((card) => !shown.has(card.id)).forEach((card, index) => fragment.append(post(issuer, partner, card, shown.size + index)));
    fragment.append(el("p", { class: "count" }, `共 ${shown.size + fragment.childElementCount} 条小程序分享`));
    container.append(fragment);
  } catch (error) {
    notice(container, `无法加载信息流：${error.message}`, true);
  } finally {
    container.setAttribute("aria-busy", "false");
  }
}

signIn();
main();
