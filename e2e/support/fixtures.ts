/**
 * The tests' fixtures: one real demo server per worker, card images served from local
 * fixtures (the demo's images point at a public host this sandbox cannot reach), and the
 * page objects.
 */

import { readFileSync } from "node:fs";
import { test as base, type BrowserContext } from "@playwright/test";
import { CardPage } from "../pages/card-page.js";
import { DemoApp } from "../pages/demo-app.js";
import { startDemoServer, type DemoServer } from "./server.js";

const image = (name: string) => readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url));
const COVERS = [image("cover-1.png"), image("cover-2.png")];
const LOGO = image("logo.png");

/** Serves every https://picsum.photos image from the fixtures (logos are the 96×96 ones). */
export async function routeImages(context: BrowserContext): Promise<void> {
  await context.route("https://picsum.photos/**", (route) => {
    const url = route.request().url();
    const body = url.endsWith("/96/96") ? LOGO : COVERS[url.length % COVERS.length]!;
    return route.fulfill({ status: 200, contentType: "image/png", body });
  });
}

export const test = base.extend<{ cards: CardPage; demo: DemoApp }, { server: DemoServer }>({
  server: [
    async ({}, use) => {
      const server = await startDemoServer();
      await use(server);
      await server.stop();
    },
    { scope: "worker", timeout: 90_000 },
  ],
  context: async ({ context }, use) => {
    await routeImages(context);
    await use(context);
  },
  cards: async ({ page, server }, use) => {
    await use(new CardPage(page, server));
  },
  demo: async ({ page, server }, use) => {
    await use(new DemoApp(page, server));
  },
});

export { expect } from "@playwright/test";
