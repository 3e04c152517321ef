// A profile page: who the user is, the mini-program card pinned on top, and the cards the
// user shared to the profile surface.

import { fetchCards, signIn } from "./api.js";
import { avatar, cardElement, el, notice } from "./ui.js";

const OWNER = "demo-alice";

async function main() {
  document.getElementById("head").replaceChildren(
    avatar(OWNER),
    el("h2", {}, "爱丽丝 Alice"),
    el("p", { class: "muted" }, "电影爱好者 · 上海 · 周末在影院或咖啡馆"),
    el("p", { class: "stats" }, el("span", {}, el("b", {}, "328"), " 关注"), el("span", {}, el("b", {}, "1.2万"), " 粉丝"), el("span", {}, el("b", {}, "86"), " 小程序分享")),
  );
  const pinned = document.getElementById("pinned");
  const list = document.getElementById("cards");
  try {
    const { issuer, partner, cards } = await fetchCards("profile", 24);
    const [first, ...rest] = cards;
    pinned.replaceChildren(...(first ? [cardElement(issuer, partner, first)] : []));
    list.replaceChildren(...rest.map((card) => cardElement(issuer, partner, card)));
  } catch (error) {
    notice(list, `无法加载：${error.message}`, true);
  }
}

signIn();
main();
