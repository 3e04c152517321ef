// The demo brand's share console: issue a card through the brand's backend
// (POST /demo/api/share, which calls POST /v1/cards with the brand's key), see it rendered,
// find it in the DM thread, profile or feed, or see why the share was refused (the feed's
// one-share-per-sharer-per-hour limit, validation, …), and revoke cards.

import { brandCards, describeError, revoke, share } from "./api.js";
import { displayName, el, notice } from "./ui.js";

const SHARERS = ["demo-alice", "demo-bob", "demo-carol", "demo-dave", "demo-erin", "demo-frank", "demo-grace", "demo-heidi", "demo-ivan", "demo-judy", "demo-kim", "demo-leo"];
const PAGES = { dm: "./chat.html", profile: "./profile.html", feed: "./" };
const SURFACE_NAMES = { dm: "私信", profile: "主页", feed: "信息流" };
const STATES = { active: "有效", expired: "已过期", revoked: "已撤回" };
/**
 * The default sharer: README step 1 shares to the feed as demo-alice, whose feed allows one
 * share an hour, so the page starts with another sharer (and the dm surface, 30 an hour).
 */
const DEFAULT_SHARER = "demo-bob";

const form = document.getElementById("share-form");
const button = document.getElementById("share-button");
const result = document.getElementById("result");
const resultBody = document.getElementById("result-body");
const mine = document.getElementById("mine");

document.getElementById("sharer").replaceChildren(...SHARERS.map((sharer) => el("option", { value: sharer, selected: sharer === DEFAULT_SHARER }, displayName(sharer))));

function value(name) {
  return form.elements.namedItem(name).value.trim();
}

function input() {
  const body = { surface: value("surface"), title: value("title"), sharer: value("sharer"), app: { page: value("page") } };
  for (const name of ["description", "image", "cta"]) if (value(name)) body[name] = value(name);
  return body;
}

function duration(seconds) {
  if (seconds < 60) return `${seconds} 秒`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} 分钟`;
  return minutes % 60 === 0 ? `${minutes / 60} 小时` : `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分钟`;
}

function showSuccess(body, surface) {
  resultBody.replaceChildren(
    el("p", { class: "ok", role: "status" }, `已分享到${SURFACE_NAMES[surface]} · 卡片 ${body.id}`),
    el("mini-program-card", { token: body.token, surface, partner: "weibo-demo", issuer: new URL(body.url).origin, "data-no-track": true }),
    el("p", {}, el("a", { href: PAGES[surface] }, `去${SURFACE_NAMES[surface]}查看 →`), " · ", el("a", { href: body.url, target: "_blank", rel: "noopener" }, "分享链接")),
  );
}

function showProblem(status, body, retryAfter) {
  const lines = [el("h3", {}, body.title ?? `请求失败 (${status})`)];
  if (body.detail) lines.push(el("p", {}, body.detail));
  if (body.code) lines.push(el("p", { class: "muted" }, `code: ${body.code} · HTTP ${status}`));
  if (retryAfter !== undefined) lines.push(el("p", {}, `可在 ${duration(retryAfter)} 后重试 (Retry-After: ${retryAfter})`));
  if (Array.isArray(body.errors)) lines.push(el("ul", {}, body.errors.map((error) => el("li", {}, `${error.path} ${error.message}`))));
  resultBody.replaceChildren(el("div", { class: "problem", role: "alert", "data-code": body.code ?? "" }, lines));
}

async function refreshMine() {
  try {
    const { cards } = await brandCards();
    mine.replaceChildren(
      ...cards.slice(0, 20).map((card) =>
        el(
          "li",
          {},
          el("span", { class: `state ${card.state}` }, STATES[card.state] ?? card.state),
          el("span", { class: "muted" }, SURFACE_NAMES[card.surface]),
          el("span", { class: "title" }, card.card.title),
          card.state === "active" ? revokeButton(card.id, card.card.title) : null,
        ),
      ),
    );
  } catch (error) {
    mine.replaceChildren(el("li", {}, describeError(error, "无法加载")));
  }
}

function revokeButton(id, title) {
  const button = el("button", { type: "button", class: "link", "data-revoke": id, "aria-label": `撤回「${title}」` }, "撤回");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const message = document.getElementById("mine-message");
    try {
      await revoke(id);
      notice(message, `已撤回「${title}」`);
      await refreshMine();
    } catch (error) {
      // Say why (the problem's detail and code), and leave the button to try again.
      notice(message, describeError(error, `撤回「${title}」失败`), true);
      button.disabled = false;
    }
  });
  return button;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  const body = input();
  try {
    const answer = await share(body);
    result.classList.remove("hidden");
    if (answer.ok) showSuccess(answer.body, body.surface);
    else showProblem(answer.status, answer.body, answer.retryAfter);
  } catch (error) {
    result.classList.remove("hidden");
    showProblem(0, { title: "网络错误", detail: error.message });
  } finally {
    button.disabled = false;
    refreshMine();
  }
});

refreshMine();
