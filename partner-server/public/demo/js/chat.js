// A group chat thread: text messages and shared mini-program cards (the dm surface),
// oldest first, the reader's own messages on the right.

import { fetchCards, signIn } from "./api.js";
import { avatar, cardElement, displayName, el, notice } from "./ui.js";

const ME = "demo-alice";
const LINES = [
  "这周末有人一起看电影吗？",
  "我看看有没有好位置",
  "发你们了，直接点开就能选座",
  "汉堡也安排一下 🍔",
  "Sounds good, count me in!",
  "我先去买咖啡",
  "收到～",
];

function message(sharer, content) {
  const me = sharer === ME;
  return el(
    "div",
    { class: me ? "msg me" : "msg" },
    avatar(sharer, "small"),
    el("div", { class: "body" }, me ? null : el("span", { class: "name" }, displayName(sharer)), content),
  );
}

/**
 * Opens the thread at its newest message, as a chat app does, and keeps it there while the
 * cards render: each card grows from an empty element to its full height once verified (and
 * again when its image loads), after the first scroll. Stops at the reader's first
 * interaction, so it never fights someone scrolling up.
 */
function stickToBottom(container) {
  const scroller = document.scrollingElement;
  const toBottom = () => scroller.scrollTo({ top: scroller.scrollHeight, behavior: "instant" });
  const observer = new ResizeObserver(toBottom);
  const stop = () => {
    observer.disconnect();
    for (const type of STOP_ON) removeEventListener(type, stop);
  };
  for (const type of STOP_ON) addEventListener(type, stop, { passive: true });
  observer.observe(container);
  toBottom();
}
const STOP_ON = ["wheel", "touchstart", "pointerdown", "keydown"];

async function main() {
  const container = document.getElementById("chat");
  try {
    const { issuer, partner, cards } = await fetchCards("dm", 24);
    const thread = [el("span", { class: "time" }, "昨天 21:30")];
    [...cards].reverse().forEach((card, index) => {
      if (index === Math.floor(cards.length / 2)) thread.push(el("span", { class: "time" }, "今天 09:12"));
      if (index % 2 === 0) thread.push(message(card.sharer === ME ? "demo-bob" : ME, el("div", { class: "bubble" }, LINES[index % LINES.length])));
      thread.push(message(card.sharer, cardElement(issuer, partner, card)));
    });
    container.replaceChildren(...thread);
    stickToBottom(container);
  } catch (error) {
    notice(container, `无法加载消息：${error.message}`, true);
  }
}

signIn();
main();
