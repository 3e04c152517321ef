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
import { HALF_LIFE_MS, HOUR_MS, TRENDING_WINDOW_MS, dayOf, hourOf, hourlyWeight } from "../domain/counting.js";
import { ConflictError, IDEMPOTENCY_TTL_MS, type BrandCounts, type CardCount, type CountCell, type DayCount, type Store, type UniqueCount } from "./store.js";

interface IdempotencyEntry {
  fingerprint: string;
  state: "in_progress" | "done";
  response: StoredResponse | undefined;
  leaseUntil: number;
  createdAt: number;
}

const copy = <T>(value: T): T => structuredClone(value);
const earnsVisit = (event: StoredEvent) => event.type === "click" && event.quality === "credited" && event.viewer !== undefined;

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
  /** Hourly rollups (the SQL stores keep daily ones too; the answers are the same). */
  const hours = new Map<string, CountCell & { cardId: string; brandId: string; partnerId: string; hour: number; score: number }>();
  /** Unique visitors: `brand|hour|scope|item` → count. */
  const uniques = new Map<string, { brandId: string; hour: number; scope: UniqueCount["scope"] | "card"; item: string; n: number }>();
  /** `brand|day|viewer|scope|item` of surface and card visits. */
  const visitKeys = new Set<string>();
  const ledgers = new Map<string, { uv: number; pvDelivered: number }>();

  /** What the SQL stores' counters add for one stored event. */
  function count(event: StoredEvent, uv: boolean): void {
    const hour = hourOf(event.at);
    const key = `${event.cardId}|${hour}|${event.surface}|${event.slot}|${event.quality}`;
    let cell = hours.get(key);
    if (!cell) {
      const { cardId, surface, slot, quality, brandId, partnerId } = event;
      hours.set(key, (cell = { cardId, surface, slot, quality, brandId, partnerId, hour, impressions: 0, clicks: 0, score: 0 }));
    }
    cell[event.type === "impression" ? "impressions" : "clicks"]++;
    if (event.quality === "credited") cell.score += hourlyWeight(event.type, event.at);
    const ledger = ledgers.get(event.brandId) ?? { uv: 0, pvDelivered: 0 };
    ledgers.set(event.brandId, ledger);
    if (event.slot === "trending") ledger.pvDelivered++;
    if (!earnsVisit(event)) return;
    const unique = (scope: UniqueCount["scope"] | "card", item: string) => {
      const id = `${event.brandId}|${hour}|${scope}|${item}`;
      const entry = uniques.get(id) ?? { brandId: event.brandId, hour, scope, item, n: 0 };
      entry.n++;
      uniques.set(id, entry);
    };
    if (uv) {
      ledger.uv++;
      unique("brand", "");
    }
    for (const [scope, item] of [["surface", event.surface], ["card", event.cardId]] as const) {
      const visit = `${event.brandId}|${dayOf(event.at)}|${event.viewer}|${scope}|${item}`;
      if (visitKeys.has(visit)) continue;
      visitKeys.add(visit);
      unique(scope, item);
    }
  }

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
      async getMany(ids) {
        return [...new Set(ids)].flatMap((id) => (cards.has(id) ? [copy(cards.get(id)!)] : []));
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
          if (earnsVisit(event)) {
            const visit = `${event.brandId}|${dayOf(event.at)}|${event.viewer}`;
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
          count(stored, uv);
          return { id: event.id, duplicate: false, uv, slot: stored.slot };
        });
      },
      async listByBrand(brandId, from, to) {
        return events.filter((event) => event.brandId === brandId && event.at >= from && event.at < to).sort((a, b) => a.at - b.at).map(copy);
      },
      async counts(brandId, from, to): Promise<BrandCounts> {
        const [first, end] = [Math.floor(from / HOUR_MS), Math.ceil(to / HOUR_MS)];
        const inRange = (entry: { brandId: string; hour: number }) => entry.brandId === brandId && entry.hour >= first && entry.hour < end;
        const cells = new Map<string, CountCell>();
        const cards = new Map<string, CardCount>();
        const days = new Map<number, DayCount>();
        const day = (hour: number) => {
          const number = dayOf(hour * HOUR_MS);
          const entry = days.get(number) ?? { day: number, impressions: 0, clicks: 0, uv: 0 };
          days.set(number, entry);
          return entry;
        };
        const card = (id: string) => {
          const entry = cards.get(id) ?? { cardId: id, impressions: 0, clicks: 0, trending: 0, uv: 0 };
          cards.set(id, entry);
          return entry;
        };
        for (const row of hours.values()) {
          if (!inRange(row)) continue;
          const key = `${row.surface}|${row.slot}|${row.quality}`;
          const cell = cells.get(key) ?? { surface: row.surface, slot: row.slot, quality: row.quality, impressions: 0, clicks: 0 };
          cells.set(key, cell);
          for (const entry of [cell, day(row.hour), card(row.cardId)]) {
            entry.impressions += row.impressions;
            entry.clicks += row.clicks;
          }
          if (row.slot === "trending") card(row.cardId).trending += row.impressions;
        }
        const totals = new Map<string, UniqueCount>();
        for (const row of uniques.values()) {
          if (!inRange(row)) continue;
          if (row.scope === "card") {
            card(row.item).uv += row.n;
            continue;
          }
          const total = totals.get(`${row.scope}|${row.item}`) ?? { scope: row.scope, item: row.item, uv: 0 };
          totals.set(`${row.scope}|${row.item}`, total);
          total.uv += row.n;
          if (row.scope === "brand") day(row.hour).uv += row.n;
        }
        return {
          cells: [...cells.values()],
          cards: [...cards.values()].filter((entry) => entry.impressions + entry.clicks > 0),
          days: [...days.values()].sort((a, b) => a.day - b.day),
          uniques: [...totals.values()],
        };
      },
      async scores(partnerId, surface, now) {
        const since = hourOf(now - TRENDING_WINDOW_MS);
        const scores = new Map<string, number>();
        for (const row of hours.values()) {
          if (row.partnerId !== partnerId || row.hour < since || row.quality !== "credited" || row.score <= 0) continue;
          if (surface !== undefined && row.surface !== surface) continue;
          scores.set(row.cardId, (scores.get(row.cardId) ?? 0) + row.score * 2 ** ((row.hour * HOUR_MS - now) / HALF_LIFE_MS));
        }
        return [...scores].map(([cardId, score]) => ({ cardId, score }));
      },
      async ledger(brandIds) {
        return brandIds.map((brandId) => ({ brandId, uv: ledgers.get(brandId)?.uv ?? 0, pvDelivered: ledgers.get(brandId)?.pvDelivered ?? 0 }));
      },
      async purge(beforeDay, limit, now) {
        for (const visit of visitKeys) if (Number(visit.split("|")[1]) < dayOf(now) - 1) visitKeys.delete(visit);
        let deleted = 0;
        for (let i = events.length - 1; i >= 0 && deleted < limit; i--) {
          if (dayOf(events[i]!.at) < beforeDay) {
            events.splice(i, 1);
            deleted++;
          }
        }
        return deleted;
      },
    },
    async migrate() {},
    async ping() {},
    async close() {},
  };
}
