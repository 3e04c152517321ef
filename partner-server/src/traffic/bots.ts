/**
 * Known non-human clients, by `User-Agent`: crawlers, link-preview fetchers (the ones that
 * unfurl a shared link in a chat: facebookexternalhit, Twitterbot, Slackbot, WhatsApp,
 * TelegramBot…), headless browsers and HTTP tools (curl, python-requests, Go, node, axios…).
 * The list is `isbot`'s, a maintained pattern set used by thousands of sites: kept current by
 * its maintainers, not by us. A request without a `User-Agent` is no browser either.
 *
 * Their events are still counted (quality `bot`), never credited.
 */

import { isbot } from "isbot";

/** True when `userAgent` is a crawler, preview fetcher, headless browser or tool, or missing. */
export function isBot(userAgent: string | undefined): boolean {
  if (userAgent === undefined || userAgent.trim() === "") return true;
  return isbot(userAgent);
}
