/**
 * @module verify — turns a card's `token` or `src` into a verified card, in the browser.
 *
 * One key set per issuer for the whole page (a feed of 1000 cards fetches the JWKS once),
 * one verifier per issuer and partner. A `src` share link is only followed on the issuer's
 * own origin: a page cannot make the widget fetch from, or trust, anywhere else. Share links
 * are resolved in the status file (`status/share-link.ts`), which every page with cards loads
 * for its first status check anyway: embed.js stays within its budget.
 */

import { SURFACES, createIssuerKeys, createVerifier, type IssuerKeys, type Surface, type VerifiedCard, type Verifier } from "@minicard/sdk";
import { config, fetchAtLoad } from "./config.js";
import { WidgetError } from "./errors.js";

const keySets = new Map<string, IssuerKeys>();
const verifiers = new Map<string, Verifier>();

/** The page's key set of `issuer` (`https://cards.example`, no trailing slash). */
function keysOf(issuer: string): IssuerKeys {
  let keys = keySets.get(issuer);
  if (!keys) keySets.set(issuer, (keys = createIssuerKeys(issuer)));
  return keys;
}

/**
 * Starts fetching `issuer`'s JWKS as soon as a card mounts, so the keys are there (or on
 * their way) when the first card comes near the viewport, rather than fetched after it.
 */
export function prefetchKeys(issuer: string | undefined): void {
  try {
    void keysOf(issuerUrl(issuer).href.replace(/\/+$/, "")).prefetch();
  } catch {
    // No usable issuer: loading the card reports it.
  }
}

/** The page's verifier for cards of `issuer` addressed to `partner`. */
export function verifierFor(issuer: string, partner: string): Verifier {
  const name = `${issuer} ${partner}`;
  let verifier = verifiers.get(name);
  if (!verifier) verifiers.set(name, (verifier = createVerifier({ issuer, audience: partner, keys: keysOf(issuer) })));
  return verifier;
}

/** What a card is loaded from. */
export interface CardSource {
  token?: string | null | undefined;
  src?: string | null | undefined;
  issuer: string | undefined;
  partner: string | null | undefined;
  surface: string | null | undefined;
}

/** The issuer's base URL (`https://cards.example`, no trailing slash), or a coded failure. */
function issuerUrl(issuer: string | undefined): URL {
  try {
    const url = new URL(issuer ?? "");
    if (url.protocol === "https:" || url.protocol === "http:") return url;
  } catch {
    // reported below
  }
  throw new WidgetError("invalid_argument", "no issuer: set the issuer attribute");
}

/** Loads and verifies the card `source` names; throws a coded error otherwise. */
export async function loadCard(source: CardSource): Promise<VerifiedCard> {
  const issuer = issuerUrl(source.issuer);
  if (!source.partner) throw new WidgetError("invalid_argument", "no partner attribute");
  if (!(SURFACES as readonly string[]).includes(source.surface ?? "")) throw new WidgetError("invalid_argument", "no valid surface attribute");
  const { src } = source;
  const token =
    source.token ||
    (src
      ? await config.loadStatus().then(
          (status) => status.resolveShareLink(src, issuer, fetchAtLoad),
          () => {
            throw new WidgetError("issuer_unreachable", "the share link failed");
          },
        )
      : undefined);
  if (!token) throw new WidgetError("malformed", "no token or src attribute");
  const base = issuer.href.replace(/\/+$/, "");
  return verifierFor(base, source.partner).verify(token, { surface: source.surface as Surface });
}
