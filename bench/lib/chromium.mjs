// The Chromium the browser benchmarks and probes drive: CHROMIUM_PATH, then Debian's
// /usr/bin/chromium, then Playwright's own if present, with the flags the tests use.

import { existsSync } from "node:fs";

/** Launches Chromium headless (Playwright is imported here, so a bench without browsers never loads it). */
export async function launchChromium() {
  const { chromium } = await import("@playwright/test");
  const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((path) => path && existsSync(path));
  return chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}
