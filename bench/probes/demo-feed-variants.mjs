// A probe, not a benchmark: what on the demo feed page stands between embed.js and the first
// card. The bench's demo-feed figure (embed.js requested → first verified card painted, a
// first visit each time, Chromium) for the page as served and for the page with one of its
// parts left out, rewritten in the browser's own request routing:
//
//   page          the page as served
//   nostylesheet  without app.css
//   noscript      without the page's own script (js/feed.js and what it imports)
//   nohotlist     without the <mini-program-trending> module
//   latin         the page's own text (the posts, the header, the tab bar) with each non-ASCII
//                 character written as "x": what laying out its Chinese text costs (the cards'
//                 text is the widget's, and stays)
//
// The variants take turns, ROUNDS times (default 8), in an order rotated each round, so the
// machine's drift, and the slower first visit of a round, fall on all of them alike. With
// TRACE=1 each visit is traced too and the line gives the milliseconds the renderer spent in
// Layout before the first card painted.
//
//   npm run build && node bench/probes/demo-feed-variants.mjs     (ONLY=page,noscript to choose)
import { launchChromium } from "../lib/chromium.mjs";
import { startPartnerServer } from "../lib/servers.mjs";
import { rotated, stats } from "../lib/stats.mjs";

// Every variant's page goes through the same routing, the page as served too: a page answered
// by Playwright arrives differently from one the browser reads from the server itself, and
// comparing the two measured the routing.
const VARIANTS = {
  page: { html: (page) => page },
  nostylesheet: { html: (page) => page.replace(/<link rel="stylesheet" href="\.\/app\.css">/, "") },
  noscript: { html: (page) => page.replace(/<script type="module"[^>]*src="\.\/js\/feed\.js"><\/script>/, "").replace(/<link rel="modulepreload"[^>]*>/g, "") },
  nohotlist: { html: (page) => page.replace(/<mini-program-trending[^>]*><\/mini-program-trending>/, "") },
  latin: { html: (page) => page.replace(/<body[\s\S]*/, (body) => body.replace(/>([^<]*)</g, (_, text) => `>${text.replace(/[^\x00-\x7f]/g, "x")}<`)) },
};
const only = process.env.ONLY?.split(",");
const names = Object.keys(VARIANTS).filter((name) => !only || only.includes(name));
const trace = process.env.TRACE === "1";

const browser = await launchChromium();
const demo = await startPartnerServer({ args: ["--demo"] });
const results = Object.fromEntries(names.map((name) => [name, { ms: [], layout: [] }]));
try {
  // A variant whose pattern no longer matches the page would silently measure the page.
  const served = await (await fetch(`${demo.issuer}/demo/`)).text();
  for (const name of names.filter((name) => name !== "page")) {
    if (VARIANTS[name].html(served) === served) throw new Error(`variant ${name} changes nothing in the page: update its pattern`);
  }
  for (let round = 0; round < Number(process.env.ROUNDS ?? 8); round += 1) {
    for (const name of rotated(names, round)) {
      const { html } = VARIANTS[name];
      const visit = await browser.newContext({ viewport: { width: 420, height: 860 } });
      const page = await visit.newPage();
      await page.route(/^https:\/\//, (route) => route.abort()); // card images: no network here
      await page.route(/\/demo\/$/, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: html(await response.text()) });
      });
      await page.addInitScript(() => {
        addEventListener("minicard:render", () =>
          requestAnimationFrame(() => {
            if (window.__painted !== undefined) return;
            window.__painted = performance.now();
            performance.mark("minicard-painted");
          }),
        );
      });
      if (trace) await browser.startTracing(page, { categories: ["devtools.timeline", "blink.user_timing"] });
      await page.goto(`${demo.issuer}/demo/`);
      await page.waitForFunction(() => window.__painted !== undefined, undefined, { timeout: 30_000 });
      results[name].ms.push(
        await page.evaluate(() => window.__painted - performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/embed.js")).startTime),
      );
      if (trace) {
        const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
        const painted = events.find((event) => event.name === "minicard-painted")?.ts ?? Infinity;
        const layout = events.filter((event) => event.name === "Layout" && event.ph === "X" && event.ts < painted).reduce((sum, event) => sum + event.dur, 0);
        results[name].layout.push(layout / 1000);
      }
      await visit.close();
    }
  }
} finally {
  await demo.stop();
  await browser.close();
}
for (const [name, { ms, layout }] of Object.entries(results)) {
  const spread = `${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}`;
  const layoutPart = trace ? `, Layout before it ${Math.round(stats(layout).median)} ms` : "";
  console.log(`${name.padEnd(13)} first card ${Math.round(stats(ms).median)} ms (${spread}, ${ms.length} visits)${layoutPart}`);
}
