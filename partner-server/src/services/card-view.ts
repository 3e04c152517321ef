/** The JSON a brand reads its cards as (`GET /v1/cards`, `GET /v1/cards/:id`, the demo brand's console). */

import type { CardRecord } from "@minicard/sdk";
import { cardState, type Brand, type StoredCard } from "../domain/model.js";

/** The JSON a brand reads a card as. */
export function cardView(card: StoredCard, brand: Brand, issuer: string, now: number) {
  return {
    id: card.id,
    state: cardState({ expiresAt: card.expiresAt, revokedAt: card.revokedAt, brandStatus: brand.status }, now),
    partner: card.partnerId,
    surface: card.surface,
    kind: card.kind,
    ...(card.sharer === undefined ? {} : { sharer: card.sharer }),
    card: card.card,
    token: card.token,
    url: `${issuer}/c/${card.id}`,
    issuedAt: new Date(card.issuedAt).toISOString(),
    expiresAt: new Date(card.expiresAt).toISOString(),
    ...(card.revokedAt === undefined ? {} : { revokedAt: new Date(card.revokedAt).toISOString() }),
  } satisfies CardRecord;
}
