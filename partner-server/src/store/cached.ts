/**
 * A short-lived read cache over the lookups every issuance makes (the brand by API key, the
 * partner, the sharer whitelist, the rollout), over the partner keys viewer passes are
 * checked with, and over the card states every beacon batch checks. Without it each `POST /v1/cards` costs four queries before the one write that
 * matters, and each `POST /v1/events` a join over its cards (README.md, "Performance").
 *
 * Consistency: a write through this store (the admin API, the CLI in this process) drops the
 * whole cache at once, so this instance never serves its own stale data. Other instances see
 * a change within `ttlMs` (default 1 s): a suspended brand may issue for up to a second more
 * on an instance that had just looked it up, and a card revoked elsewhere may collect events
 * for as long. Only card states are cached of cards (a revocation here drops its entry); cards
 * themselves, idempotency keys, assertions, signing keys and events are never cached.
 */

import type { CardStatusRow } from "../domain/model.js";
import type { Store } from "./store.js";

/** Options of {@link withReadCache}. */
export interface ReadCacheOptions {
  /** How long a looked-up value is reused; default 1000 ms. 0 turns the cache off. */
  ttlMs?: number;
  /** Entries kept at most (the cache is cleared when it fills); default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/** `store` with its hot reads cached; writes pass through and clear the cache. */
export function withReadCache(store: Store, options: ReadCacheOptions = {}): Store {
  const ttlMs = options.ttlMs ?? 1000;
  if (ttlMs <= 0) return store;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  let generation = 0;

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = entries.get(key);
    const at = now();
    if (hit && at - hit.at < ttlMs) return hit.value as Promise<T>;
    if (entries.size >= maxEntries) entries.clear();
    const started = generation;
    const value = load();
    entries.set(key, { at, value });
    // A failed lookup is not remembered; nor is one that raced a write.
    value.then(
      () => started !== generation && entries.get(key)?.value === value && entries.delete(key),
      () => entries.get(key)?.value === value && entries.delete(key),
    );
    return value;
  }

  /** Wraps a write: the cache (card states too) is dropped before and after it. */
  function writes<A extends unknown[], R>(write: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      generation++;
      entries.clear();
      dropStates();
      try {
        return await write(...args);
      } finally {
        generation++;
        entries.clear();
        dropStates();
      }
    };
  }

  /** Card states for `statuses`, per id; known cards only (a new card must not read unknown). */
  const states = new Map<string, { at: number; row: CardStatusRow }>();
  let statesGeneration = 0;

  async function statuses(ids: readonly string[]): Promise<CardStatusRow[]> {
    const at = now();
    const rows: CardStatusRow[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const hit = states.get(id);
      if (hit && at - hit.at < ttlMs) rows.push(hit.row);
      else missing.push(id);
    }
    if (missing.length === 0) return rows;
    const started = statesGeneration;
    const loaded = await cards.statuses(missing);
    if (started === statesGeneration) {
      if (states.size + loaded.length > maxEntries) states.clear();
      for (const row of loaded) states.set(row.id, { at, row });
    }
    return rows.concat(loaded);
  }

  /** Drops every cached card state (a brand's suspension changes all of its cards). */
  const dropStates = () => {
    statesGeneration++;
    states.clear();
  };

  const { partners, brands, sharers, rollout, cards } = store;
  return {
    ...store,
    cards: {
      ...cards,
      statuses,
      revoke: async (id, brandId, at) => {
        statesGeneration++;
        states.delete(id);
        return cards.revoke(id, brandId, at);
      },
    },
    partners: {
      ...partners,
      get: (id) => cached(`p|${id}`, () => partners.get(id)),
      keys: (id) => cached(`pk|${id}`, () => partners.keys(id)),
      create: writes(partners.create.bind(partners)),
      update: writes(partners.update.bind(partners)),
      putKey: writes(partners.putKey.bind(partners)),
      removeKey: writes(partners.removeKey.bind(partners)),
    },
    brands: {
      ...brands,
      get: (id) => cached(`b|${id}`, () => brands.get(id)),
      getByApiKeyHash: (hash) => cached(`k|${hash}`, () => brands.getByApiKeyHash(hash)),
      create: writes(brands.create.bind(brands)),
      update: writes(brands.update.bind(brands)),
      setApiKeyHash: writes(brands.setApiKeyHash.bind(brands)),
      putKey: writes(brands.putKey.bind(brands)),
    },
    sharers: {
      ...sharers,
      has: (partnerId, sharer) => cached(`s|${partnerId}|${sharer}`, () => sharers.has(partnerId, sharer)),
      put: writes(sharers.put.bind(sharers)),
      remove: writes(sharers.remove.bind(sharers)),
    },
    rollout: {
      get: () => cached("r", () => rollout.get()),
      put: writes(rollout.put.bind(rollout)),
    },
  };
}
