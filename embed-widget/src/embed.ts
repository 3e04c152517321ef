/**
 * @module embed — the entry of `embed.js`, the classic script partners paste:
 *
 *     <script src="https://cards.example/embed.js" async></script>
 *
 * It learns its issuer from its own URL (`document.currentScript.src`, read at load: it is
 * null afterwards), reads its `data-*` settings, defines `<mini-program-card>` and exposes
 * `window.Minicard` ({ version, config, render }). The sheets and the QR encoder are a
 * separate content-hashed file next to it (`/widget/sheet.<hash>.js`), imported on the first
 * tap that shows one.
 *
 * Script-tag settings: `data-no-track` (no beacons from any card),
 * `data-status-interval="<ms>"` (how often rendered cards check for revocation).
 */

import { config, warn } from "./config.js";
import { defineElement } from "./element.js";
import { renderCard } from "./render.js";
import { defineTrending } from "./trending/register.js";

declare const __SHEET_FILE__: string;
declare const __STATUS_FILE__: string;
declare const __TRENDING_FILE__: string;
declare const __VERSION__: string;

try {
  const script = document.currentScript as HTMLScriptElement | null;
  const base = script?.src ? new URL(script.src) : undefined;
  if (base) {
    config.issuer = base.origin;
    const sheet = new URL(`widget/${__SHEET_FILE__}`, base).href;
    config.loadSheet = () => import(sheet);
    const status = new URL(`widget/${__STATUS_FILE__}`, base).href;
    config.loadStatus = () => import(status);
  }
  if (script?.hasAttribute("data-no-track")) config.noTrack = true;
  const interval = Number(script?.dataset.statusInterval);
  if (interval > 0) config.statusIntervalMs = interval;
  const global = window as unknown as { Minicard?: object };
  global.Minicard = { version: __VERSION__, config, render: renderCard };
  // The cards already on the page are upgraded first, so their keys are asked for before the
  // hot list's element starts loading its own code.
  defineElement();
  if (base) defineTrending(new URL(`widget/${__TRENDING_FILE__}`, base).href);
} catch (error) {
  warn("embed.js failed to start", error);
}
