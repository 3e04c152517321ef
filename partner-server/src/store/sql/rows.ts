/**
 * Rows ↔ domain records: how each table's columns map to the model (JSON columns, integer
 * booleans, numbers PostgreSQL returns as strings). Internal to `store/sql/`.
 */

import type { Selectable } from "kysely";
import type { Card, CardKind, Surface } from "@minicard/sdk";
import type {
  Brand,
  Category,
  EventQuality,
  EventSlot,
  EventType,
  Partner,
  SigningKeyState,
  StoredCard,
  StoredEvent,
  StoredSigningKey,
} from "../../domain/model.js";
import type { Database } from "../schema.js";

export const json = (value: unknown) => JSON.stringify(value);
export const parse = <T>(text: string): T => JSON.parse(text) as T;
export const num = (value: number | string) => Number(value);
export const optNum = (value: number | string | null) => (value === null ? undefined : Number(value));

export function toPartner(row: Selectable<Database["partners"]>): Partner {
  return {
    id: row.id,
    name: row.name,
    origins: parse(row.origins),
    surfaces: parse(row.surfaces),
    limits: row.limits === null ? undefined : parse(row.limits),
    requireSharerPass: Boolean(row.require_sharer_pass),
    createdAt: num(row.created_at),
  };
}

export function toBrand(row: Selectable<Database["brands"]>): Brand {
  return {
    id: row.id,
    name: row.name,
    category: row.category as Category,
    apps: parse(row.apps),
    surfaces: parse(row.surfaces),
    status: row.status === "suspended" ? "suspended" : "active",
    invited: Boolean(row.invited),
    whitelisted: Boolean(row.whitelisted),
    logo: row.logo ?? undefined,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toCard(row: Selectable<Database["cards"]>): StoredCard {
  return {
    id: row.id,
    brandId: row.brand_id,
    partnerId: row.partner_id,
    surface: row.surface as Surface,
    kind: row.kind as CardKind,
    sharer: row.sharer ?? undefined,
    card: parse<Card>(row.card),
    token: row.token,
    kid: row.kid,
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    revokedAt: optNum(row.revoked_at),
  };
}

/** A card's row, with `token` in its place (the SQLite thread's `{ $token: i }` where it signs the card). */
export function cardRow(card: Omit<StoredCard, "token">, token: string): Database["cards"] {
  return {
    id: card.id,
    brand_id: card.brandId,
    partner_id: card.partnerId,
    surface: card.surface,
    kind: card.kind,
    sharer: card.sharer ?? null,
    card: json(card.card),
    token,
    kid: card.kid,
    issued_at: card.issuedAt,
    expires_at: card.expiresAt,
    revoked_at: card.revokedAt ?? null,
  };
}

export function toSigningKey(row: Selectable<Database["signing_keys"]>): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg === "EdDSA" ? "EdDSA" : "ES256",
    publicJwk: parse(row.public_jwk),
    privateKey: row.private_key,
    state: row.state as SigningKeyState,
    createdAt: num(row.created_at),
    publishedUntil: optNum(row.published_until),
  };
}

export function toEvent(row: Selectable<Database["events"]>): StoredEvent {
  return {
    id: row.id,
    type: row.type as EventType,
    cardId: row.card_id,
    brandId: row.brand_id,
    partnerId: row.partner_id,
    surface: row.surface as Surface,
    slot: row.slot as EventSlot,
    quality: row.quality as EventQuality,
    visitor: row.visitor,
    viewer: row.viewer ?? undefined,
    placement: row.placement ?? undefined,
    at: num(row.at),
    dedupKey: row.dedup_key ?? undefined,
  };
}
