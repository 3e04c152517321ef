/** What every route needs, built once by `server.ts` and handed to `buildApp`. */

import type { Config } from "./config.js";
import type { KeyRing } from "./keys/keyring.js";
import type { Limiter } from "./limits/limiter.js";
import type { Metrics } from "./metrics.js";
import type { Store } from "./store/store.js";

/** The server's parts. */
export interface AppContext {
  config: Config;
  store: Store;
  limiter: Limiter;
  keys: KeyRing;
  /** The operator's bearer token for `/v1/admin/…`. */
  adminToken: string;
  metrics: Metrics;
  /** The clock (tests freeze it). */
  now: () => number;
  /** Partner origins, cached: CORS and event attribution ask on every request. */
  origins: OriginIndex;
}

/** Which partner a web origin belongs to. */
export interface OriginIndex {
  /** The partner ids whose allowed origins include `origin`. */
  partnersOf(origin: string): Promise<string[]>;
  /** Forget the cache (a partner changed). */
  invalidate(): void;
}
