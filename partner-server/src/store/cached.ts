/**
 * A short-lived read cache over the lookups every issuance makes: the brand by API key, the
 * partner, the sharer whitelist and the rollout. Without it each `POST /v1/cards` costs four
 * queries before the one write that matters (see the issuance profile in README.md,
 * "Performance").
 *
 * Consistency: a write through this store (the admin API, the CLI in this process) drops the
 * whole cache at once, so this instance never serves its own stale data. Other instances see
 * a change within `ttlMs` (default 1 s): a suspended brand may issue for up to a second more
 * on an instance that had just looked it up. Cards, idempotency keys, assertions, signing
 * keys and events are never cached.
 */

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

  /** Wraps a write: the cache is dropped before and after it. */
  function writes<A extends unknown[], R>(write: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      generation++;
      entries.clear();
      try {
        return await write(...args);
      } finally {
        generation++;
        entries.clear();
      }
    };
  }

  const { partners, brands, sharers, rollout } = store;
  return {
    ...store,
    partners: {
      ...partners,
      get: (id) => cached(`p|${id}`, () => partners.get(id)),
      create: writes(partners.create.bind(partners)),
      update: writes(partners.update.bind(partners)),
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
