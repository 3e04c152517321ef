/**
 * @module open — what a tap on a card does.
 *
 * The link is built from the verified card's `app` by the profile of the host the card names
 * (`app.host`: Alipay or WeChat; never read from the card as a URL) and checked with
 * `isHostUrl` against that same host before anything opens it, so an Alipay card can never
 * open `weixin:` and a WeChat card never `alipays:`. Then:
 * - a cancelable `minicard:open` event (the card component fires it; a partner's native
 *   app can take over by calling `preventDefault()`);
 * - iOS: the host's scheme (`alipays://…`, `weixin://dl/business/…`); Android: an `intent:`
 *   URL whose browser fallback is the web hop (a host without an Android package, WeChat:
 *   its scheme); if the page is still visible ~1.5 s later the app did not open, and the
 *   card offers the web fallback in a sheet;
 * - desktop: a QR code of the web fallback, to scan with the host app (the sheets and the QR
 *   encoder are loaded only then). The web fallback is the host's https hop, or for a host
 *   without one (WeChat) the card's landing page, `<issuer>/c/<id>`.
 */

import { config, type SheetModule, type StatusModule } from "./config.js";
import type { SheetOptions } from "./sheet/index.js";

export type { OpenPlan, Platform } from "./status/plan-open.js";

let planner: StatusModule | undefined;
let planning: Promise<StatusModule> | undefined;

/**
 * Loads the tap's planner (`planOpen`, `launch`: in the status file, which the first status
 * check loads anyway); a card asks for it once verified. A failed load is retried next time.
 */
export function loadPlanner(): Promise<StatusModule> {
  return (planning ??= config.loadStatus().then(
    (module) => (planner = module),
    (error: unknown) => {
      planning = undefined;
      throw error;
    },
  ));
}

/** The planner once loaded, so a tap opens the host app in the same task as the tap. */
export function loadedPlanner(): StatusModule | undefined {
  return planner;
}

let sheetModule: Promise<SheetModule> | undefined;

/**
 * Opens a sheet, loading the sheet module on first use (a failed load is retried next time).
 * Escape pressed while it loads cancels it, as it would close it once shown: the answer is
 * then undefined and nothing opens.
 */
export async function showSheet(options: SheetOptions): Promise<(() => void) | undefined> {
  let cancelled = false;
  const cancel = (event: KeyboardEvent) => event.key === "Escape" && (cancelled = true);
  addEventListener("keydown", cancel, true);
  try {
    sheetModule ??= config.loadSheet().catch((error: unknown) => {
      sheetModule = undefined;
      throw error;
    });
    const module = await sheetModule;
    return cancelled ? undefined : module.openSheet(options);
  } finally {
    removeEventListener("keydown", cancel, true);
  }
}
