// Daily charts for the brand console, as small hand-made SVG built with DOM APIs.
//
// Why not a chart library: the console draws three series over 30 days. A maintained library
// (Chart.js, ECharts, uPlot) would be a 50–1000 KB static file for the demo to vendor and
// serve, one more package for scripts/check-deps.mjs, and most draw on <canvas>, which
// assistive technology cannot read without the same work done twice. This module is about
// 120 lines, runs under the demo's strict CSP (no inline styles), and each chart is an
// <svg role="img"> with a <title> and <desc> (the totals, the busiest and quietest day), a
// <title> per day for pointer users, and next to it a real data table (<details>).
// Only numbers and dates reach these charts; text is set with textContent all the same.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round axis maximum: 1, 2, 2.5, 5 or 10 × a power of ten, at least `value`. */
export function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const number = (n) => n.toLocaleString("zh-CN");
const isWeekend = (day) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());

/**
 * A chart of `days` ([{ day: "2026-11-24", …figures }]) with one or more `series`
 * ([{ key, label, type: "bar" | "line", className }]) on one scale. `id` names the chart
 * (data-chart) and its title/desc ids; `width` is the width it is shown at (so its text is
 * drawn at its CSS size: the SVG only scales when the window is resized). Answers the <svg>.
 */
export function timeChart({ id, title, description, days, series, width = 640 }) {
  width = Math.max(300, Math.round(width));
  const height = width < 560 ? 170 : 210;
  const pad = { left: 44, right: 8, top: 12, bottom: 24 };
  const max = niceMax(Math.max(0, ...days.flatMap((day) => series.map((s) => day[s.key]))));
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const step = plotWidth / Math.max(1, days.length);
  const y = (value) => pad.top + plotHeight - (value / max) * plotHeight;
  const x = (index) => pad.left + index * step + step / 2;

  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`, "data-chart": id });
  root.append(svg("title", { id: `${id}-title` }, title), svg("desc", { id: `${id}-desc` }, description));
  // Weekends shaded, grid lines and their labels at 0, ½ and the maximum.
  days.forEach((day, index) => {
    if (isWeekend(day.day)) root.append(svg("rect", { class: "weekend", x: pad.left + index * step, y: pad.top, width: step, height: plotHeight }));
  });
  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    root.append(svg("line", { class: fraction === 0 ? "axis" : "grid", x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }));
    root.append(svg("text", { class: "tick", x: pad.left - 6, y: y(value) + 4, "text-anchor": "end" }, number(value)));
  }
  const bars = series.filter((s) => s.type === "bar");
  const barWidth = Math.max(2, (step - 3) / Math.max(1, bars.length));
  days.forEach((day, index) => {
    const group = svg("g", { "data-day": day.day });
    bars.forEach((s, b) => {
      const top = y(day[s.key]);
      group.append(svg("rect", { class: s.className, x: pad.left + index * step + 1.5 + b * barWidth, y: top, width: barWidth, height: pad.top + plotHeight - top }));
    });
    // A transparent column carries the day's tooltip for pointer users.
    group.append(svg("rect", { class: "hit", x: pad.left + index * step, y: pad.top, width: step, height: plotHeight }));
    group.append(svg("title", {}, `${day.day}：${series.map((s) => `${s.label} ${number(day[s.key])}`).join("，")}`));
    const every = width < 560 ? 7 : 5;
    if (index % every === (days.length - 1) % every) group.append(svg("text", { class: "tick", x: x(index), y: height - 8, "text-anchor": "middle" }, day.day.slice(5)));
    root.append(group);
  });
  for (const s of series.filter((s) => s.type === "line")) {
    const points = days.map((day, index) => `${x(index).toFixed(1)},${y(day[s.key]).toFixed(1)}`).join(" ");
    root.append(svg("polyline", { class: s.className, points, fill: "none" }));
    days.forEach((day, index) => root.append(svg("circle", { class: s.className, cx: x(index).toFixed(1), cy: y(day[s.key]).toFixed(1), r: 2.2 })));
  }
  return root;
}

/** A sentence for a chart's <desc>: the total of each series, the busiest and quietest day. */
export function describeSeries(days, series) {
  const parts = series.map((s) => {
    const total = days.reduce((sum, day) => sum + day[s.key], 0);
    let high = days[0];
    let low = days[0];
    for (const day of days) {
      if (day[s.key] > high[s.key]) high = day;
      if (day[s.key] < low[s.key]) low = day;
    }
    return high ? `${s.label}合计 ${number(total)}，最高 ${high.day.slice(5)}（${number(high[s.key])}），最低 ${low.day.slice(5)}（${number(low[s.key])}）` : `${s.label}合计 0`;
  });
  return `${parts.join("；")}。周末以浅色底标出。`;
}
