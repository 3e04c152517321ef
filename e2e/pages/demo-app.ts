/**
 * The demo partner app (`/demo/`): the feed, the group chat, the profile and the brand's
 * share console, driven the way a person uses them.
 */

import { expect, type Locator, type Page } from "@playwright/test";
import type { DemoServer } from "../support/server.js";

/** What the share form is filled with. */
export interface ShareForm {
  surface: "dm" | "profile" | "feed";
  sharer?: string;
  title: string;
  description?: string;
  image?: string;
  page?: string;
  cta?: string;
}

/** The demo app. */
export class DemoApp {
  constructor(
    readonly page: Page,
    readonly server: DemoServer,
  ) {}

  async openFeed(): Promise<void> {
    await this.page.goto(`${this.server.url}/demo/`);
  }

  async openChat(): Promise<void> {
    await this.page.goto(`${this.server.url}/demo/chat.html`);
  }

  async openProfile(): Promise<void> {
    await this.page.goto(`${this.server.url}/demo/profile.html`);
  }

  async openShareConsole(): Promise<void> {
    await this.page.goto(`${this.server.url}/demo/share.html`);
  }

  /** Every card element on the page. */
  cards(): Locator {
    return this.page.locator("mini-program-card");
  }

  /** Waits until `count` cards show verified content. */
  async expectVerifiedCards(count: number): Promise<void> {
    await expect(this.page.locator("mini-program-card button.card").nth(count - 1)).toBeVisible();
  }

  /** Fills the share form and submits it. */
  async share(form: ShareForm): Promise<void> {
    await this.page.getByLabel("分享到").selectOption(form.surface);
    if (form.sharer) await this.page.getByLabel("分享人").selectOption(form.sharer);
    await this.page.getByLabel("标题").fill(form.title);
    if (form.description !== undefined) await this.page.getByLabel("描述").fill(form.description);
    if (form.image !== undefined) await this.page.getByLabel(/^封面图/).fill(form.image);
    if (form.page !== undefined) await this.page.getByLabel("小程序页面").fill(form.page);
    if (form.cta !== undefined) await this.page.getByLabel("按钮文字").fill(form.cta);
    await this.page.getByRole("button", { name: "分享", exact: true }).click();
  }

  /** The refusal the console explains, once shown. */
  refusal(): Locator {
    return this.page.getByRole("alert");
  }

  /** The success message, once shown. */
  success(): Locator {
    return this.page.locator(".result .ok");
  }
}
