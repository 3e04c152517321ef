/** A card by id and its state, as the public pages and oEmbed see it. */

import { isCardId } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { cardState, type CardState, type StoredCard } from "../domain/model.js";

/** A card and its state, or undefined for an unknown id (a card of a deleted brand reads as revoked). */
export async function findCard(context: Pick<AppContext, "store" | "now">, id: string): Promise<{ card: StoredCard; state: CardState } | undefined> {
  const card = isCardId(id) ? await context.store.cards.get(id) : undefined;
  if (!card) return undefined;
  const brand = await context.store.brands.get(card.brandId);
  return { card, state: cardState({ expiresAt: card.expiresAt, revokedAt: card.revokedAt, brandStatus: brand?.status ?? "suspended" }, context.now()) };
}
