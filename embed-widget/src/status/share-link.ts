/**
 * @module status/share-link — a card's `src` share link, resolved to its token. Built into the
 * status file (`/widget/status.<hash>.js`, re-exported by `status/check.ts`): like the status
 * check, it asks the issuer about one card's state (a share link answers `410` once the card
 * is revoked or expired), and it costs embed.js nothing.
 */

import { isCardId } from "@minicard/sdk";
import { WidgetError } from "../errors.js";

/** `GET <src>` with `Accept: application/json`: the share link's token, or why there is none. */
export async function resolveShareLink(src: string, issuer: URL, fetchAtLoad: typeof fetch): Promise<string> {
  let url: URL;
  try {
    url = new URL(src, document.baseURI);
  } catch {
    throw new WidgetError("malformed", "src is not a URL");
  }
  // A share link of the issuer, nothing else on its origin: `<issuer>/c/<card id>` (a path
  // without the `/c/` prefix keeps its leading `/`, which no card id has).
  if (url.origin !== issuer.origin || !isCardId(url.pathname.replace(/^\/c\//, ""))) {
    throw new WidgetError("wrong_issuer", `src must be a share link ${issuer.origin}/c/<id>`);
  }
  let response: Response;
  try {
    response = await fetchAtLoad(url.href, { headers: { accept: "application/json" }, credentials: "omit" });
  } catch {
    throw new WidgetError("issuer_unreachable", "the share link failed");
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; state?: unknown };
  if (response.status === 410) throw new WidgetError(body.state === "expired" ? "expired" : "revoked", "the card is gone");
  if (response.status === 404) throw new WidgetError("not_found", "unknown card");
  if (!response.ok || typeof body.token !== "string") throw new WidgetError("issuer_unreachable", `the share link answered ${response.status}`);
  return body.token;
}
