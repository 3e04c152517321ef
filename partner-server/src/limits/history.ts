/**
 * The limiter's history: the store's card log read as charges. Who shared what, where and
 * when is recorded durably with every card, so any window can be rebuilt from it: the
 * in-process limiter at start, the Redis limiter whenever Redis lost its windows.
 */

import { DEFAULT_LIMITS, limitChecks } from "../domain/limits.js";
import type { Store } from "../store/store.js";
import type { ChargeHistory, PastCharge } from "./limiter.js";

/** The charges of the stored cards issued within the longest window any partner's policy has. */
export function chargeHistory(store: Pick<Store, "partners" | "cards">): ChargeHistory {
  return async (now) => {
    const partners = new Map((await store.partners.list()).map((partner) => [partner.id, partner]));
    const windows = [...partners.values()].flatMap((partner) => partner.limits ?? DEFAULT_LIMITS).map((policy) => policy.windowSeconds);
    const longest = Math.max(0, ...DEFAULT_LIMITS.map((policy) => policy.windowSeconds), ...windows);
    const charges: PastCharge[] = [];
    for (const card of await store.cards.issuedSince(now - longest * 1000)) {
      const partner = partners.get(card.partnerId);
      if (!partner) continue;
      const checks = limitChecks(partner, { partner: partner.id, brand: card.brandId, surface: card.surface, sharer: card.sharer });
      charges.push({ checks, id: card.id, at: card.issuedAt });
    }
    return charges;
  };
}
