// The demo brand's console: the last 30 UTC days at a glance (impressions, clicks, click
// rate, unique visitors), daily charts with a data table beside them (chart.js), the
// traffic-exchange ledger, the invalid-traffic report by reason (the stats' byQuality), and
// the brand's cards in a sortable, paginated table with a revoke button; both the daily
// figures and the cards export as CSV (csv.js), exactly as shown.
// Every label is Chinese (the page is lang="zh-CN"); API field names never reach the page.
// Card text is only ever set as text.

import { brandCards, brandStats, describeError, revoke } from "./api.js";
import { describeSeries, timeChart } from "./chart.js";
import { download, toCsv } from "./csv.js";
import { el, notice } from "./ui.js";

const DAYS = 30;
const PAGE_SIZE = 10;
const SURFACES = { dm: "私信", profile: "主页", feed: "信息流" };
const KINDS = { app: "小程序", product: "商品", membership: "会员" };
const STATES = { active: "有效", expired: "已过期", revoked: "已撤回" };
const STATE_ORDER = { active: 0, expired: 1, revoked: 2 };
/** Each quality of traffic (the stats' byQuality), as an ad platform's invalid-traffic report names it. */
const QUALITIES = [
  ["credited", "有效流量", "已验证的访客"],
  ["unverified", "未验证", "没有合作方签发的访客凭证"],
  ["bot", "机器人", "爬虫、链接预览、无头浏览器、工具"],
  ["suspect", "可疑", "同一 IP 每小时访客超过上限"],
];

const number = (n) => n.toLocaleString("zh-CN");
const percent = (part, whole) => (whole === 0 ? "0.0%" : `${((part / whole) * 100).toFixed(1)}%`);
const rate = (ctr) => `${(ctr * 100).toFixed(1)}%`;

/** What the page shows, kept so sorting, paging and export read the same rows. */
const view = { stats: undefined, rows: [], ordered: [], sort: { key: "impressions", direction: "descending" }, page: 0 };

function figures(container, items) {
  container.replaceChildren(...items.map(([key, label, value, extra]) => el("div", { class: extra ?? "", "data-figure": key }, el("dt", {}, label), el("dd", {}, value))));
  container.setAttribute("aria-busy", "false");
}

function charts(days) {
  const impressions = [{ key: "impressions", label: "曝光", type: "bar", className: "bar-impressions" }];
  const engagement = [
    { key: "clicks", label: "点击", type: "bar", className: "bar-clicks" },
    { key: "uv", label: "独立访客", type: "line", className: "line-visitors" },
  ];
  const range = `近 ${days.length} 天`;
  const width = document.getElementById("chart-impressions").clientWidth || 640;
  document.getElementById("chart-impressions").replaceChildren(
    el("figcaption", {}, "每日曝光"),
    timeChart({ id: "impressions", title: `${range}每日曝光`, description: describeSeries(days, impressions), days, series: impressions, width }),
  );
  document.getElementById("chart-engagement").replaceChildren(
    el("figcaption", {}, "每日点击与独立访客"),
    timeChart({ id: "engagement", title: `${range}每日点击与独立访客`, description: describeSeries(days, engagement), days, series: engagement, width }),
  );
  document.getElementById("days").replaceChildren(
    ...days.map((day) =>
      el("tr", {}, el("th", { scope: "row" }, day.day), el("td", { class: "num" }, number(day.impressions)), el("td", { class: "num" }, number(day.clicks)), el("td", { class: "num" }, rate(day.ctr)), el("td", { class: "num" }, number(day.uv))),
    ),
  );
}

/** The invalid-traffic report: every event counted, by reason; only credited ones earn. */
function quality(stats) {
  const credited = stats.byQuality.credited;
  const invalidClicks = stats.clicks - credited.clicks;
  const invalidImpressions = stats.impressions - credited.impressions;
  figures(document.getElementById("invalid"), [
    ["invalidImpressions", "无效曝光", number(invalidImpressions)],
    ["invalidClicks", "无效点击", number(invalidClicks)],
    ["invalidClickRate", "无效点击率", percent(invalidClicks, stats.clicks)],
  ]);
  document.getElementById("quality").replaceChildren(
    ...QUALITIES.map(([key, label, why]) => {
      const counts = stats.byQuality[key] ?? { impressions: 0, clicks: 0 };
      return el(
        "tr",
        { "data-quality": key, class: key === "credited" ? "valid" : "" },
        el("th", { scope: "row" }, label, el("br"), el("span", { class: "kind" }, why)),
        el("td", { class: "num", "data-impressions": "" }, number(counts.impressions)),
        el("td", { class: "num" }, percent(counts.impressions, stats.impressions)),
        el("td", { class: "num", "data-clicks": "" }, number(counts.clicks)),
        el("td", { class: "num" }, percent(counts.clicks, stats.clicks)),
      );
    }),
  );
}

/** The brand's cards (the 100 newest) joined with their counts in the range. */
function cardRows(cards, stats) {
  const counts = new Map(stats.byCard.map((entry) => [entry.card, entry]));
  const rows = cards.map((card) => {
    const c = counts.get(card.id);
    counts.delete(card.id);
    return { id: card.id, title: card.card.title, kind: card.kind, surface: card.surface, state: card.state, impressions: c?.impressions ?? 0, clicks: c?.clicks ?? 0, ctr: c?.ctr ?? 0, uv: c?.uv ?? 0 };
  });
  // Older cards with traffic in the range, beyond the newest 100.
  for (const c of counts.values()) rows.push({ id: c.card, title: c.title, kind: c.kind, surface: c.surface, state: undefined, impressions: c.impressions, clicks: c.clicks, ctr: c.ctr, uv: c.uv });
  return rows;
}

const collator = new Intl.Collator("zh-CN");
function sorted(rows) {
  const { key, direction } = view.sort;
  const sign = direction === "ascending" ? 1 : -1;
  const compare = {
    title: (a, b) => collator.compare(a.title, b.title),
    state: (a, b) => (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3),
  }[key] ?? ((a, b) => a[key] - b[key]);
  // Ties keep a stable, useful order: most impressions first, then newest.
  return [...rows].sort((a, b) => sign * compare(a, b) || b.impressions - a.impressions || (a.id < b.id ? 1 : -1));
}

function revokeButton(row) {
  const button = el("button", { class: "link", type: "button", "aria-label": `撤回「${row.title}」` }, "撤回");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const message = document.getElementById("cards-message");
    try {
      await revoke(row.id);
      notice(message, `已撤回「${row.title}」`);
      // Revoked in place: the row keeps its place until the table is sorted again.
      row.state = "revoked";
      renderCards();
    } catch (error) {
      notice(message, describeError(error, `撤回「${row.title}」失败`), true);
      button.disabled = false;
    }
  });
  return button;
}

/** Sorts the rows for the table and the export (on load and on a header's click only). */
function resort() {
  view.ordered = sorted(view.rows);
}

function renderCards() {
  const rows = view.ordered;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  view.page = Math.min(view.page, pages - 1);
  const shown = rows.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE);
  document.getElementById("cards").replaceChildren(
    ...shown.map((row) =>
      el(
        "tr",
        { "data-card-id": row.id },
        el("td", { class: "title", title: row.title }, el("span", { class: "card-title" }, row.title), el("span", { class: "kind" }, `${KINDS[row.kind] ?? "卡片"} · ${SURFACES[row.surface] ?? "其他"}`)),
        el("td", {}, row.state ? el("span", { class: `state ${row.state}` }, STATES[row.state] ?? "未知") : "—"),
        el("td", { class: "num" }, number(row.impressions)),
        el("td", { class: "num" }, number(row.clicks)),
        el("td", { class: "num" }, rate(row.ctr)),
        el("td", { class: "num" }, number(row.uv)),
        el("td", {}, row.state === "active" ? revokeButton(row) : null),
      ),
    ),
  );
  for (const th of document.querySelectorAll("#cards-table th[data-sort]")) {
    const active = th.dataset.sort === view.sort.key;
    if (active) th.setAttribute("aria-sort", view.sort.direction);
    else th.removeAttribute("aria-sort");
    th.querySelector(".sort-icon").textContent = active ? (view.sort.direction === "ascending" ? "▲" : "▼") : "↕";
  }
  document.getElementById("page-status").textContent = `第 ${view.page + 1} / ${pages} 页 · 共 ${rows.length} 张`;
  document.getElementById("page-prev").disabled = view.page === 0;
  document.getElementById("page-next").disabled = view.page >= pages - 1;
}

function setUpTable() {
  for (const th of document.querySelectorAll("#cards-table th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => {
      const key = th.dataset.sort;
      // Text columns start A→Z; figures start with the largest.
      const first = key === "title" || key === "state" ? "ascending" : "descending";
      view.sort = { key, direction: view.sort.key === key ? (view.sort.direction === "ascending" ? "descending" : "ascending") : first };
      view.page = 0;
      resort();
      renderCards();
    });
  }
  document.getElementById("page-prev").addEventListener("click", () => {
    view.page = Math.max(0, view.page - 1);
    renderCards();
  });
  document.getElementById("page-next").addEventListener("click", () => {
    view.page += 1;
    renderCards();
  });
  const message = el("div", { id: "cards-message", "aria-live": "polite" });
  document.getElementById("cards-table").closest(".table-scroll").before(message);
}

function setUpExports() {
  const stamp = () => new Date().toISOString().slice(0, 10);
  document.getElementById("export-days").addEventListener("click", () => {
    const days = view.stats?.byDay ?? [];
    download(`星光影城-每日数据-${stamp()}.csv`, toCsv(["日期", "曝光", "点击", "点击率", "独立访客"], days.map((day) => [day.day, day.impressions, day.clicks, day.ctr, day.uv])));
  });
  document.getElementById("export-cards").addEventListener("click", () => {
    const rows = view.ordered;
    download(
      `星光影城-卡片数据-${stamp()}.csv`,
      toCsv(
        ["卡片编号", "标题", "类型", "位置", "状态", "曝光", "点击", "点击率", "独立访客"],
        rows.map((row) => [row.id, row.title, KINDS[row.kind] ?? "", SURFACES[row.surface] ?? "", STATES[row.state] ?? "", row.impressions, row.clicks, row.ctr, row.uv]),
      ),
    );
  });
}

async function load() {
  const totals = document.getElementById("totals");
  try {
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const [stats, { brand, cards }] = await Promise.all([brandStats({ from, to }), brandCards()]);
    view.stats = stats;
    view.rows = cardRows(cards, stats);
    resort();
    document.getElementById("range").textContent = `${brand.name} · ${from} 至 ${to}（UTC，含今天）`;
    figures(totals, [
      ["impressions", "曝光", number(stats.impressions)],
      ["clicks", "点击", number(stats.clicks)],
      ["ctr", "点击率", rate(stats.ctr)],
      ["visitors", "独立访客", number(stats.uv)],
    ]);
    document.getElementById("ledger-note").textContent = `每带来 1 位独立访客（当天通过卡片打开小程序的已验证访客），平台奖励 ${number(stats.ratio)} 次热门位曝光；余额为 0 时退出热门位。以下为累计数据。`;
    figures(document.getElementById("ledger"), [
      ["uv", "独立访客", number(stats.ledger.uv)],
      ["pvGranted", "获得曝光", number(stats.ledger.pvGranted)],
      ["pvDelivered", "已投放曝光", number(stats.ledger.pvDelivered)],
      ["pvBalance", "曝光余额", number(stats.ledger.pvBalance), stats.ledger.pvBalance <= 0 ? "low" : ""],
    ]);
    charts(stats.byDay);
    quality(stats);
    document.getElementById("cards-note").textContent = `近 30 天的数据；按列标题排序，每页 ${PAGE_SIZE} 张。`;
    renderCards();
    for (const id of ["export-days", "export-cards"]) document.getElementById(id).disabled = false;
  } catch (error) {
    notice(document.getElementById("console-message"), describeError(error, "无法加载数据"), true);
  }
}

setUpTable();
setUpExports();
load();
