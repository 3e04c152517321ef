/**
 * The in-memory store, for unit tests and throwaway runs: the same contract as SQLite and
 * PostgreSQL, nothing kept after the process ends. Records are copied in and out, so a
 * caller mutating what it got cannot change the store behind its back.
 */

import type {
  Brand,
  BrandKey,
  IdempotencyBegin,
  IngestOutcome,
  Partner,
  PartnerKey,
  StoredCard,
  StoredEvent,
  StoredResponse,
  StoredSigningKey,
} from "../domain/model.js";
import type { Rollout } from "../domain/rollout.js";
import { ConflictError, DAY_MS, IDEMPOTENCY_TTL_MS, type Store } from "./store.js";

interface IdempotencyEntry {
  fingerprint: string;
  state: "in_progress" | "done";
  response: StoredResponse | undefined;
  leaseUntil: number;
  createdAt: number;
}

const copy = <T>(value: T): T => structuredClone(value);

/** Creates an empty in-memory store. */
export function createMemoryStore(): Store {
  const partners = new Map<string, Partner>();
  const sharers = new Map<string, Set<string>>();
  const brands = new Map<string, Brand>();
  const apiKeys = new Map<string, string>(); // hash → brand id
  const brandKeys = new Map<string, BrandKey[]>();
  let rollout: Rollout = {};
  const cards = new Map<string, StoredCard>();
  const idempotency = new Map<string, IdempotencyEntry>();
  const assertions = new Map<string, number>();
  let signingKeys: StoredSigningKey[] = [];
  const partnerKeys = new Map<string, PartnerKey[]>();
  const secrets = new Map<string, string>();
  const events: StoredEvent[] = [];
  const eventIds = new Set<string>();
  const dedupKeys = new Set<string>();
  /** `brand|day|viewer` of each credited unique visit. */
  const visits = new Set<string>();
  /** `placement|viewer` of each debit. */
  const debits = new Set<string>();

  return {
    kind: "memory",
    partners: {
      async create(partner) {
        if (partners.has(partner.id)) throw new ConflictError(`partner ${partner.id} exists`);
        partners.set(partner.id, copy(partner));
      },
      async get(id) {
        return copy(partners.get(id));
      },
      async list() {
        return [...partners.values()].map(copy).sort((a, b) => a.id.localeCompare(b.id));
      },
      async update(id, patch) {
        const partner = partners.get(id);
        if (!partner) return undefined;
        const updated = { ...partner, ...copy(patch) };
        partners.set(id, updated);
        return copy(updated);
      },
      async putKey(key) {
        const list = partnerKeys.get(key.partnerId) ?? [];
        const existing = list.find((entry) => entry.kid === key.kid);
        if (existing) existing.jwk = copy(key.jwk);
        else partnerKeys.set(key.partnerId, [...list, copy(key)]);
      },
      async keys(partnerId) {
        return copy(partnerKeys.get(partnerId) ?? []);
      },
      async removeKey(partnerId, kid) {
        const list = partnerKeys.get(partnerId) ?? [];
        partnerKeys.set(partnerId, list.filter((key) => key.kid !== kid));
        return list.some((key) => key.kid === kid);
      },
    },
    secrets: {
      async get(name, create) {
        if (!secrets.has(name)) secrets.set(name, create());
        return secrets.get(name)!;
      },
    },
    sharers: {
      async put(partnerId, sharer) {
        let set = sharers.get(partnerId);
        if (!set) sharers.set(partnerId, (set = new Set()));
        set.add(sharer);
      },
      async remove(partnerId, sharer) {
        return sharers.get(partnerId)?.delete(sharer) ?? false;
      },
      async has(partnerId, sharer) {
        return sharers.get(partnerId)?.has(sharer) ?? false;
      },
      async list(partnerId) {
        return [...(sharers.get(partnerId) ?? [])].sort();
      },
    },
    brands: {
      async create(brand, apiKeyHash) {
        if (brands.has(brand.id)) throw new ConflictError(`brand ${brand.id} exists`);
        brands.set(brand.id, copy(brand));
        apiKeys.set(apiKeyHash, brand.id);
      },
      async get(id) {
        return copy(brands.get(id));
      },
      async getByApiKeyHash(hash) {
        const id = apiKeys.get(hash);
        return id === undefined ? undefined : copy(brands.get(id));
      },
      async list() {
        return [...brands.values()].map(copy).sort((a, b) => a.id.localeCompare(b.id));
      },
      async update(id, patch, now) {
        const brand = brands.get(id);
        if (!brand) return undefined;
        const updated = { ...brand, ...copy(patch), updatedAt: now };
        brands.set(id, updated);
        return copy(updated);
      },
      async setApiKeyHash(id, hash) {
        if (!brands.has(id)) return false;
        for (const [old, owner] of apiKeys) if (owner === id) apiKeys.delete(old);
        apiKeys.set(hash, id);
        return true;
      },
      async putKey(key) {
        // Like the SQL upsert: a known kid keeps its place and date, only the JWK changes.
        const list = brandKeys.get(key.brandId) ?? [];
        const existing = list.find((candidate) => candidate.kid === key.kid);
        if (existing) existing.jwk = copy(key.jwk);
        else brandKeys.set(key.brandId, [...list, copy(key)]);
      },
      async keys(brandId) {
        return copy(brandKeys.get(brandId) ?? []);
      },
    },
    rollout: {
      async get() {
        return { ...rollout };
      },
      async put(categories) {
        const next: Record<string, string> = { ...rollout };
        for (const [category, date] of Object.entries(categories)) {
          if (date === null) delete next[category];
          else next[category] = date;
        }
        rollout = next as Rollout;
        return { ...rollout };
      },
    },
    cards: {
      async insert(card, completion) {
        if (cards.has(card.id)) throw new ConflictError(`card ${card.id} exists`);
        cards.set(card.id, copy(card));
        if (completion) {
          const entry = idempotency.get(`${completion.brandId}\n${completion.key}`);
          if (entry) Object.assign(entry, { state: "done", response: copy(completion.response) });
        }
      },
      async get(id) {
        return copy(cards.get(id));
      },
      async revoke(id, brandId, now) {
        const card = cards.get(id);
        if (!card || card.brandId !== brandId) return false;
        card.revokedAt ??= now;
        return true;
      },
      async statuses(ids) {
        return ids.flatMap((id) => {
          const card = cards.get(id);
          if (!card) return [];
          const brand = brands.get(card.brandId);
          return [
            {
              id,
              brandId: card.brandId,
              partnerId: card.partnerId,
              surface: card.surface,
              expiresAt: card.expiresAt,
              revokedAt: card.revokedAt,
              brandStatus: brand?.status ?? "suspended",
            },
          ];
        });
      },
      async issuedSince(since) {
        return [...cards.values()]
          .filter((card) => card.issuedAt >= since)
          .sort((a, b) => a.issuedAt - b.issuedAt)
          .map(({ id, brandId, partnerId, surface, sharer, issuedAt }) => ({ id, brandId, partnerId, surface, sharer, issuedAt }));
      },
      async lastExpiryForKey(kid) {
        let last = 0;
        for (const card of cards.values()) if (card.kid === kid && card.expiresAt > last) last = card.expiresAt;
        return last;
      },
      async listByBrand(brandId, options = {}) {
        return [...cards.values()]
          .filter((card) => card.brandId === brandId && (options.before === undefined || card.id < options.before))
          .sort((a, b) => b.id.localeCompare(a.id))
          .slice(0, options.limit ?? 100)
          .map(copy);
      },
      async listActive(partnerId, surface, now, limit) {
        return [...cards.values()]
          .filter(
            (card) =>
              card.partnerId === partnerId &&
              (surface === undefined || card.surface === surface) &&
              card.revokedAt === undefined &&
              card.expiresAt > now &&
              brands.get(card.brandId)?.status === "active",
          )
          .sort((a, b) => b.id.localeCompare(a.id))
          .slice(0, limit)
          .map(copy);
      },
    },
    idempotency: {
      async begin(brandId, key, fingerprint, now, leaseMs): Promise<IdempotencyBegin> {
        const id = `${brandId}\n${key}`;
        const entry = idempotency.get(id);
        if (entry && (entry.state === "done" ? entry.createdAt + IDEMPOTENCY_TTL_MS > now : entry.leaseUntil > now)) {
          if (entry.fingerprint !== fingerprint) return { state: "mismatch" };
          return entry.state === "done" ? { state: "done", response: copy(entry.response!) } : { state: "in_progress" };
        }
        idempotency.set(id, { fingerprint, state: "in_progress", response: undefined, leaseUntil: now + leaseMs, createdAt: now });
        return { state: "new" };
      },
      async release(brandId, key) {
        const id = `${brandId}\n${key}`;
        if (idempotency.get(id)?.state === "in_progress") idempotency.delete(id);
      },
    },
    assertions: {
      async use(brandId, jti, expiresAt, now) {
        const id = `${brandId}\n${jti}`;
        const seen = assertions.get(id);
        if (seen !== undefined && seen > now) return false;
        assertions.set(id, expiresAt);
        if (assertions.size > 10_000) for (const [entry, until] of assertions) if (until <= now) assertions.delete(entry);
        return true;
      },
    },
    signingKeys: {
      async list() {
        return copy(signingKeys);
      },
      async save(added, updated) {
        // All or nothing, like the SQL transaction: a duplicate kid changes nothing.
        const kids = new Set(signingKeys.map((key) => key.kid));
        for (const key of added) {
          if (kids.has(key.kid)) throw new ConflictError(`signing key ${key.kid} exists`);
          kids.add(key.kid);
        }
        const next = [...signingKeys.map(copy), ...added.map(copy)];
        for (const change of updated) {
          const key = next.find((candidate) => candidate.kid === change.kid);
          if (key) Object.assign(key, change);
        }
        signingKeys = next;
      },
      async purge(now) {
        const before = signingKeys.length;
        signingKeys = signingKeys.filter((key) => key.state !== "retired" || (key.publishedUntil ?? 0) > now);
        return before - signingKeys.length;
      },
    },
    events: {
      async insert(batch) {
        return batch.map((event): IngestOutcome => {
          if (eventIds.has(event.id) || (event.dedupKey !== undefined && dedupKeys.has(event.dedupKey))) {
            return { id: event.id, duplicate: true, uv: false, slot: "organic" };
          }
          eventIds.add(event.id);
          if (event.dedupKey !== undefined) dedupKeys.add(event.dedupKey);
          const stored = copy(event);
          let uv = false;
          if (event.type === "click" && event.quality === "credited" && event.viewer !== undefined) {
            const visit = `${event.brandId}|${Math.floor(event.at / DAY_MS)}|${event.viewer}`;
            uv = !visits.has(visit);
            visits.add(visit);
          }
          if (event.slot === "trending") {
            const debit = `${event.placement}|${event.viewer}`;
            const claims = event.type === "impression" && event.quality === "credited" && event.viewer !== undefined && event.placement !== undefined;
            if (claims && !debits.has(debit)) debits.add(debit);
            else stored.slot = "organic";
          }
          events.push(stored);
          return { id: event.id, duplicate: false, uv, slot: stored.slot };
        });
      },
      async listByBrand(brandId, from, to) {
        return events.filter((event) => event.brandId === brandId && event.at >= from && event.at < to).sort((a, b) => a.at - b.at).map(copy);
      },
      async listByPartner(partnerId, since) {
        return events.filter((event) => event.partnerId === partnerId && event.at >= since).sort((a, b) => a.at - b.at).map(copy);
      },
      async ledger(brandIds) {
        return brandIds.map((brandId) => ({
          brandId,
          uv: [...visits].filter((visit) => visit.startsWith(`${brandId}|`)).length,
          pvDelivered: events.filter((event) => event.brandId === brandId && event.type === "impression" && event.slot === "trending" && event.quality === "credited").length,
        }));
      },
    },
    async migrate() {},
    async ping() {},
    async close() {},
  };
}
