/**
 * The partner-origin index: which partners a browser `Origin` belongs to. Cached for a few
 * seconds (every status and event request asks) and dropped at once when this instance
 * changes a partner; other instances see the change within the cache's lifetime.
 */

import type { OriginIndex } from "./context.js";
import type { Store } from "./store/store.js";

const TTL_MS = 5_000;

/** Creates the index over the store's partners. */
export function createOriginIndex(store: Store, now: () => number = Date.now): OriginIndex {
  let cache: { at: number; byOrigin: Map<string, string[]> } | undefined;
  let loading: Promise<Map<string, string[]>> | undefined;

  async function load(): Promise<Map<string, string[]>> {
    const byOrigin = new Map<string, string[]>();
    for (const partner of await store.partners.list()) {
      for (const origin of partner.origins) byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), partner.id]);
    }
    cache = { at: now(), byOrigin };
    return byOrigin;
  }

  return {
    async partnersOf(origin) {
      if (cache && now() - cache.at < TTL_MS) return cache.byOrigin.get(origin) ?? [];
      loading ??= load().finally(() => (loading = undefined));
      return (await loading).get(origin) ?? [];
    },
    invalidate() {
      cache = undefined;
    },
  };
}
