/**
 * End-to-end tests of the widget and the demo partner app, in a real Chromium against the
 * real partner server (started per worker by the `server` fixture, see support/fixtures.ts).
 *
 * Chromium: $CHROMIUM_PATH, else /usr/bin/chromium, else Playwright's own download.
 */

import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((path) => path && existsSync(path));

export default defineConfig({
  testDir: "./tests",
  outputDir: "../test-results/e2e",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: "../playwright-report" }]] : "list",
  use: {
    ...devices["Desktop Chrome"],
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
});
