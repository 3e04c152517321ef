/**
 * A partner's page with cards on it, as a test writes it: served on the issuer's origin (a
 * partner origin of the demo partner) by routing one URL to generated HTML, with the real
 * /embed.js. No inline script: the page may carry a strict CSP. An init script records the
 * widget's events and any CSP violation, so tests can read them.
 */

import { expect, type Locator, type Page } from "@playwright/test";
import type { DemoServer } from "../support/server.js";

/** One card on the page: the element's attributes. */
export interface CardSpec {
  token?: string;
  src?: string;
  surface: string;
  /** Default: the demo partner. */
  partner?: string;
  issuer?: string;
  lang?: string;
  theme?: string;
  noTrack?: boolean;
}

/** How the page is served. */
export interface PageOptions {
  /** A Content-Security-Policy header for the page. */
  csp?: string;
  /** `data-status-interval` on the script tag, in ms. */
  statusIntervalMs?: number;
  /** `<html lang>`; default en. */
  lang?: string;
  /** The origin to serve the page on; default the issuer's. */
  origin?: string;
}

/** What the init script recorded. */
export interface Recorded {
  renders: string[];
  errors: Array<{ code: string }>;
  opens: Array<{ href: string; platform: string }>;
  violations: string[];
}

const escape = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function record() {
  const recorded = { renders: [] as string[], errors: [] as Array<{ code: string }>, opens: [] as unknown[], violations: [] as string[] };
  (window as unknown as { __recorded: typeof recorded }).__recorded = recorded;
  document.addEventListener("minicard:render", (event) => recorded.renders.push((event as CustomEvent).detail.id));
  document.addEventListener("minicard:error", (event) => recorded.errors.push({ code: (event as CustomEvent).detail.code }));
  document.addEventListener("minicard:open", (event) => recorded.opens.push({ href: (event as CustomEvent).detail.href, platform: (event as CustomEvent).detail.platform }));
  document.addEventListener("securitypolicyviolation", (event) => recorded.violations.push(`${event.violatedDirective} ${event.blockedURI}`));
}

let pages = 0;

/** A page of cards. */
export class CardPage {
  private recording = false;

  constructor(
    readonly page: Page,
    readonly server: DemoServer,
  ) {}

  /** The page's HTML for `cards`. */
  html(cards: CardSpec[], options: PageOptions = {}): string {
    const script = `<script src="${this.server.url}/embed.js" async${options.statusIntervalMs ? ` data-status-interval="${options.statusIntervalMs}"` : ""}></script>`;
    const elements = cards.map((card) => {
      const attributes: Record<string, string | undefined> = {
        token: card.token,
        src: card.src,
        surface: card.surface,
        partner: card.partner ?? this.server.partner,
        issuer: card.issuer,
        lang: card.lang,
        theme: card.theme,
      };
      const text = Object.entries(attributes)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name}="${escape(value!)}"`)
        .join(" ");
      return `<div class="slot"><mini-program-card ${text}${card.noTrack ? " data-no-track" : ""}></mini-program-card></div>`;
    });
    return `<!doctype html><html lang="${options.lang ?? "en"}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cards</title>${script}</head><body>${elements.join("\n")}</body></html>`;
  }

  /** Serves `cards` on a fresh URL of the issuer's origin (or `options.origin`) and opens it. */
  async open(cards: CardSpec[], options: PageOptions = {}): Promise<void> {
    if (!this.recording) {
      await this.page.addInitScript(record);
      this.recording = true;
    }
    const url = `${options.origin ?? this.server.url}/e2e/page-${++pages}.html`;
    const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8" };
    if (options.csp) headers["content-security-policy"] = options.csp;
    const body = this.html(cards, options);
    await this.page.route(url, (route) => route.fulfill({ status: 200, headers, body }));
    await this.page.goto(url);
  }

  /** The nth card element. */
  card(index = 0): Locator {
    return this.page.locator("mini-program-card").nth(index);
  }

  /** The nth card's tappable button (it pierces the open shadow root). */
  button(index = 0): Locator {
    return this.card(index).locator("button.card");
  }

  /** Waits until the nth card shows its verified content. */
  async expectVerified(index = 0): Promise<void> {
    await expect(this.button(index)).toBeVisible();
  }

  /** Waits until the nth card shows the neutral unavailable state. */
  async expectUnavailable(index = 0): Promise<void> {
    await expect(this.card(index).locator(".un")).toBeVisible();
    await expect(this.button(index)).toHaveCount(0);
  }

  /** Taps the nth card. */
  async tap(index = 0): Promise<void> {
    await this.button(index).click();
  }

  /** The QR code dialog. */
  qrDialog(): Locator {
    return this.page.getByRole("dialog");
  }

  /** What the page recorded so far. */
  async recorded(): Promise<Recorded> {
    return this.page.evaluate(() => (window as unknown as { __recorded: Recorded }).__recorded);
  }

  /** Waits until the nth card's minicard:error carried `code`. */
  async expectErrorCode(code: string): Promise<void> {
    await expect.poll(async () => (await this.recorded()).errors.map((error) => error.code)).toContain(code);
  }
}
