/** What every route needs, built once by `server.ts` and handed to `buildApp`. */

import type { Config } from "./config.js";
import type { KeyRing } from "./keys/keyring.js";
import type { CredentialGuard, SlidingCounters } from "./limits/abuse.js";
import type { Limiter } from "./limits/limiter.js";
import type { Metrics } from "./metrics.js";
import type { TrendingBoard } from "./services/trending.js";
import type { Store } from "./store/store.js";
import type { PassVerifier } from "./traffic/passes.js";
import type { Placements } from "./traffic/placements.js";
import type { ViewerCap } from "./traffic/viewer-cap.js";
import type { EventStream } from "./traffic/event-stream.js";

/** The server's parts. */
export interface AppContext {
  config: Config;
  store: Store;
  limiter: Limiter;
  keys: KeyRing;
  /** The operator's bearer token for `/v1/admin/…`. */
  adminToken: string;
  metrics: Metrics;
  /** The clock: Redis's with Redis (`clock.ts`), this process's without; tests freeze it. */
  now: () => number;
  /** Partner origins, cached: CORS and event attribution ask on every request. */
  origins: OriginIndex;
  /** The abuse guards' sliding counters: one window per client for every instance with Redis, per process without (or while Redis is away). */
  counters: SlidingCounters;
  /** The credential-guessing guard the brand and admin APIs add to their routes. */
  credentialGuard: CredentialGuard;
  /** What decides whether counted traffic is credited. */
  traffic: Traffic;
  /** The hot lists, recomputed off the request path. */
  trending: TrendingBoard;
}

/** The parts that turn beacons into credit (see `services/ingest-events.ts`). */
export interface Traffic {
  /** Viewer and sharer passes, checked against the partners' registered keys. */
  passes: PassVerifier;
  /** Distinct credited viewers per client and brand per hour. */
  cap: ViewerCap;
  /** Proofs of the hot list's paid slots. */
  placements: Placements;
  /** With Redis: the stream beacons are appended to, folded into the store by every instance. */
  stream?: EventStream | undefined;
}

/** Which partner a web origin belongs to. */
export interface OriginIndex {
  /** The partner ids whose allowed origins include `origin`. */
  partnersOf(origin: string): Promise<string[]>;
  /** Forget the cache (a partner changed). */
  invalidate(): void;
}
