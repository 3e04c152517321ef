// The demo brand's console: its traffic-exchange ledger, a chart of impressions and clicks
// per day (inline SVG built with DOM APIs), the invalid-traffic report (every event by
// quality), and its cards with their states and a revoke button. Card text is only ever set
// as text.

import { brandCards, brandStats, revoke } from "./api.js";
import { el, notice } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const SURFACES = { dm: "私信", profile: "主页", feed: "信息流" };
const KINDS = { app: "小程序", product: "商品", membership: "会员" };
const STATES = { active: "有效", revoked: "已撤回", expired: "已过期" };
/** Each quality of traffic, as an ad platform's invalid-traffic report names it. */
const QUALITIES = [
  ["credited", "有效 Credited", "已验证的访客"],
  ["unverified", "未验证 Unverified", "没有合作方访客凭证"],
  ["bot", "机器人 Bots", "爬虫、链接预览、无头浏览器、工具"],
  ["suspect", "可疑 Suspect", "同一 IP 每小时访客超过上限"],
];

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const number = (n) => n.toLocaleString("zh-CN");

function figures(container, items) {
  container.replaceChildren(
    ...items.map(([label, value, extra]) => el("div", { class: extra ?? "", "data-figure": label.split(" ").pop() }, el("dt", {}, label), el("dd", {}, value))),
  );
  container.setAttribute("aria-busy", "false");
}

/** Impressions and clicks per day as grouped bars. */
function chart(days) {
  const width = 480;
  const height = 180;
  const pad = { left: 32, right: 8, top: 10, bottom: 22 };
  const max = Math.max(1, ...days.map((d) => d.impressions));
  const step = (width - pad.left - pad.right) / days.length;
  const bar = Math.max(2, step / 2 - 2);
  const y = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const total = days.reduce((s, d) => ({ i: s.i + d.impressions, c: s.c + d.clicks }), { i: 0, c: 0 });
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-svg-title", "data-chart": "daily" });
  root.append(svg("title", { id: "chart-svg-title" }, `近 ${days.length} 天：曝光 ${total.i}，点击 ${total.c}`));
  root.append(svg("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: height - pad.bottom, y2: height - pad.bottom }));
  root.append(svg("text", { x: pad.left - 4, y: pad.top + 4, "text-anchor": "end" }, String(max)));
  root.append(svg("text", { x: pad.left - 4, y: height - pad.bottom, "text-anchor": "end" }, "0"));
  days.forEach((day, i) => {
    const x = pad.left + i * step + 1;
    const group = svg("g", { "data-day": day.day });
    group.append(svg("rect", { class: "bar-impressions", x, y: y(day.impressions), width: bar, height: height - pad.bottom - y(day.impressions) }, undefined));
    group.append(svg("rect", { class: "bar-clicks", x: x + bar + 1, y: y(day.clicks), width: bar, height: height - pad.bottom - y(day.clicks) }));
    group.append(svg("title", {}, `${day.day}：曝光 ${day.impressions}，点击 ${day.clicks}`));
    if (i % 2 === days.length % 2) group.append(svg("text", { x: x + bar, y: height - 6, "text-anchor": "middle" }, day.day.slice(5)));
    root.append(group);
  });
  return el("div", {}, root, el("p", { class: "legend", "aria-hidden": "true" }, el("span", { class: "impressions" }, "曝光 Impressions"), el("span", { class: "clicks" }, "点击 Clicks")));
}

const percent = (part, whole) => (whole === 0 ? "0.0%" : `${((part / whole) * 100).toFixed(1)}%`);

/** The invalid-traffic report: every event counted, by quality; only credited ones earn. */
function quality(stats) {
  const clicks = stats.clicks;
  const invalidClicks = clicks - stats.byQuality.credited.clicks;
  const invalidImpressions = stats.impressions - stats.byQuality.credited.impressions;
  figures(document.getElementById("invalid"), [
    ["无效点击 invalidClicks", number(invalidClicks)],
    ["无效点击率 invalidClickRate", percent(invalidClicks, clicks)],
    ["无效曝光 invalidImpressions", number(invalidImpressions)],
  ]);
  document.getElementById("quality").replaceChildren(
    ...QUALITIES.map(([key, label, why]) => {
      const counts = stats.byQuality[key];
      return el(
        "tr",
        { "data-quality": key },
        el("td", {}, label, el("br"), el("span", { class: "kind" }, why)),
        el("td", { "data-impressions": "" }, number(counts.impressions)),
        el("td", { "data-clicks": "" }, number(counts.clicks)),
        el("td", {}, percent(counts.clicks, clicks)),
      );
    }),
  );
}

function row(card, counts, reload) {
  const button =
    card.state === "active"
      ? el("button", { class: "link", type: "button", "aria-label": `撤回 ${card.card.title}` }, "撤回")
      : null;
  button?.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await revoke(card.id);
    } finally {
      await reload();
    }
  });
  return el(
    "tr",
    { "data-card-id": card.id },
    el("td", { class: "title", title: card.card.title }, card.card.title, el("br"), el("span", { class: "kind" }, `${KINDS[card.kind] ?? card.kind} · ${SURFACES[card.surface] ?? card.surface}`)),
    el("td", {}, el("span", { class: `state ${card.state}` }, STATES[card.state] ?? card.state)),
    el("td", {}, number(counts?.impressions ?? 0)),
    el("td", {}, number(counts?.clicks ?? 0)),
    el("td", {}, button),
  );
}

async function load() {
  const ledger = document.getElementById("ledger");
  try {
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10);
    const [stats, { cards }] = await Promise.all([brandStats({ from, to }), brandCards()]);
    document.getElementById("ledger-note").textContent = `每带来 1 个 UV（当天通过卡片打开小程序的独立访客），平台奖励 ${number(stats.ratio)} PV 热门位曝光；余额为 0 时退出热门位。`;
    figures(ledger, [
      ["访客 UV", number(stats.ledger.uv)],
      ["获得曝光 pvGranted", number(stats.ledger.pvGranted)],
      ["已投放 pvDelivered", number(stats.ledger.pvDelivered)],
      ["余额 pvBalance", number(stats.ledger.pvBalance), stats.ledger.pvBalance <= 0 ? "low" : ""],
    ]);
    figures(document.getElementById("totals"), [
      ["曝光 impressions", number(stats.impressions)],
      ["点击 clicks", number(stats.clicks)],
      ["点击率 CTR", `${(stats.ctr * 100).toFixed(1)}%`],
      ["UV uv", number(stats.uv)],
    ]);
    document.getElementById("chart").replaceChildren(chart(stats.byDay));
    quality(stats);
    const byCard = new Map(stats.byCard.map((entry) => [entry.card, entry]));
    document.getElementById("cards").replaceChildren(...cards.map((card) => row(card, byCard.get(card.id), load)));
  } catch (error) {
    notice(ledger, `无法加载：${error.message}`, true);
  }
}

load();
