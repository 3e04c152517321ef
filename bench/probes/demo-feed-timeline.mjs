// A probe, not a benchmark: the steps between embed.js and the first card on the demo feed, one
// line per first visit, in milliseconds from embed.js's request (the bench's zero):
//
//   <<name          a response ended (resource timing): embed.js, the JWKS, the page's modules
//   define>/define< customElements.define ran (the cards on the page are upgraded inside it)
//   fetch>/fetch<   a fetch() started / answered (the widget's JWKS fetch takes the preload)
//   io(n/m)         the IntersectionObserver reported n of m cards near the viewport
//   importKey, verify  WebCrypto calls of the verification
//   render          a card's minicard:render event
//   [nf@t]          n animation frames began, the first at t
//   painted         the frame after the first render (what the bench reads)
//
//   npm run build && node bench/probes/demo-feed-timeline.mjs      (ROUNDS=4 by default)
import { launchChromium } from "../lib/chromium.mjs";
import { startPartnerServer } from "../lib/servers.mjs";

const browser = await launchChromium();
const demo = await startPartnerServer({ args: ["--demo"] });
try {
  for (let round = 0; round < Number(process.env.ROUNDS ?? 4); round += 1) {
    const visit = await browser.newContext({ viewport: { width: 420, height: 860 } });
    const page = await visit.newPage();
    await page.route(/^https:\/\//, (route) => route.abort()); // card images: no network here
    await page.addInitScript(() => {
      const log = (window.__log = []);
      const mark = (name) => log.push([name, performance.now()]);
      const subtle = crypto.subtle;
      for (const name of ["importKey", "verify"]) {
        const original = subtle[name].bind(subtle);
        subtle[name] = (...args) => {
          mark(`${name}>`);
          return original(...args).finally(() => mark(`${name}<`));
        };
      }
      const Observer = window.IntersectionObserver;
      window.IntersectionObserver = class extends Observer {
        constructor(callback, options) {
          super((entries, observer) => {
            mark(`io(${entries.filter((entry) => entry.isIntersecting).length}/${entries.length})`);
            callback(entries, observer);
          }, options);
        }
      };
      const originalFetch = window.fetch;
      window.fetch = (...args) => {
        const name = String(args[0]).replace(/^.*\//, "").slice(0, 20);
        mark(`fetch>${name}`);
        return originalFetch(...args).finally(() => mark(`fetch<${name}`));
      };
      const define = customElements.define.bind(customElements);
      customElements.define = (name, constructor, options) => {
        mark(`define>${name}`);
        define(name, constructor, options);
        mark(`define<${name}`);
      };
      document.addEventListener("DOMContentLoaded", () => mark("DOMContentLoaded"));
      addEventListener("minicard:render", () => {
        mark("render");
        requestAnimationFrame(() => {
          if (window.__painted !== undefined) return;
          window.__painted = performance.now();
          mark("painted");
        });
      });
      let frames = 0;
      const frame = () => {
        mark("frame");
        if (++frames < 60) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.goto(`${demo.issuer}/demo/`);
    await page.waitForFunction(() => window.__painted !== undefined, undefined, { timeout: 30_000 });
    const { log, resources } = await page.evaluate(() => ({
      log: window.__log,
      resources: performance.getEntriesByType("resource").map((entry) => [entry.name.replace(/^.*\//, "").slice(0, 16), entry.startTime, entry.responseEnd]),
    }));
    const zero = resources.find(([name]) => name === "embed.js")[1];
    const painted = log.find(([name]) => name === "painted")[1];
    const steps = [...log.map(([name, at]) => [at, name]), ...resources.map(([name, , end]) => [end, `<<${name}`])]
      .filter(([at]) => at <= painted)
      .sort((a, b) => a[0] - b[0]);
    const line = steps
      .map(([at, name]) => `${Math.round(at - zero)}:${name}`)
      .join(" ")
      .replace(/(-?\d+:frame ?)+/g, (run) => `[${run.trim().split(" ").length}f@${run.split(":")[0]}] `);
    console.log(`visit ${round + 1}: ${line}`);
    await visit.close();
  }
} finally {
  await demo.stop();
  await browser.close();
}
