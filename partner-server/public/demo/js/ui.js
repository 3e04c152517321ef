// Small DOM helpers for the demo pages. Text is always set as text (never innerHTML):
// card titles and sharer names come from users.

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

const NAMES = {
  "demo-alice": "爱丽丝 Alice", "demo-bob": "鲍勃 Bob", "demo-carol": "卡罗 Carol", "demo-dave": "大卫 Dave",
  "demo-erin": "艾琳 Erin", "demo-frank": "弗兰克 Frank", "demo-grace": "格蕾丝 Grace", "demo-heidi": "海蒂 Heidi",
  "demo-ivan": "伊万 Ivan", "demo-judy": "朱迪 Judy", "demo-kim": "金 Kim", "demo-leo": "里奥 Leo",
};

/** A sharer's display name. */
export function displayName(sharer) {
  return NAMES[sharer] ?? sharer ?? "访客";
}

/** A round avatar with the sharer's initial, coloured by name. */
export function avatar(sharer, extra = "") {
  const name = displayName(sharer);
  let hash = 0;
  for (const char of sharer ?? "") hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return el("span", { class: `avatar c${Math.abs(hash) % 6} ${extra}`.trim(), "aria-hidden": "true" }, Array.from(name)[0] ?? "?");
}

/** "3 小时前" style relative time. */
export function timeAgo(iso) {
  const minutes = Math.max(1, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return `${minutes} 分钟前`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} 小时前` : `${Math.round(hours / 24)} 天前`;
}

/** A `<mini-program-card>` for a card from the demo API. */
export function cardElement(issuer, partner, card) {
  return el("mini-program-card", { token: card.token, surface: card.surface, partner, issuer, "data-card-id": card.id });
}

/** Shows a message in `container` (replacing what was there). */
export function notice(container, text, error = false) {
  container.replaceChildren(el("p", { class: error ? "notice error" : "notice", role: error ? "alert" : "status" }, text));
}
