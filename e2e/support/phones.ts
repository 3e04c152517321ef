/**
 * Phones and what a tap asks the browser to open: the device presets the tap tests use (without
 * `defaultBrowserType`, which a `test.use` inside a file may not set), and the navigations a
 * page requests, scheme URLs included, which never reach the network.
 */

import { devices, type Page } from "@playwright/test";

const { defaultBrowserType: _pixel, ...pixelPreset } = devices["Pixel 7"];
const { defaultBrowserType: _iphone, ...iphonePreset } = devices["iPhone 14"];

/** An Android phone (Pixel 7). */
export const pixel = pixelPreset;
/** An iPhone (iPhone 14). */
export const iphone = iphonePreset;

/** Every navigation the page asks for, full URL (fragment included), from the DevTools protocol. */
export async function navigations(page: Page): Promise<string[]> {
  const urls: string[] = [];
  const session = await page.context().newCDPSession(page);
  await session.send("Page.enable");
  session.on("Page.frameRequestedNavigation", (event) => urls.push(event.url));
  return urls;
}
