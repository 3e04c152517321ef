/**
 * The limiter: rolling-window quotas checked and charged all at once.
 *
 * One interface, two backends: in-process (`memory.ts`, one server) and Redis (several
 * instances; one atomic script). Routes only see this interface.
 *
 * The store's card log is the truth; a limiter is a fast copy of it. The in-process limiter
 * is filled from that log at start (`restore`); the Redis limiter fills itself from it
 * whenever Redis turns out to have lost its windows ({@link ChargeHistory}).
 */

/** One rolling window to check: at most `max` charges within `windowSeconds` under `key`. */
export interface LimitCheck {
  /** The window's identity, e.g. `weibo|sharer|feed|3600|alice`. */
  key: string;
  /** The policy's name in headers, e.g. `feed-sharer`. */
  name: string;
  max: number;
  windowSeconds: number;
}

/** A window's state after a decision. */
export interface LimitState {
  name: string;
  max: number;
  windowSeconds: number;
  /** Units left after this decision. */
  remaining: number;
  /** Seconds until the oldest charge leaves the window (a unit frees); 0 when the window is empty. */
  resetSeconds: number;
}

/** The outcome of {@link Limiter.acquire}. */
export type LimitDecision =
  | { allowed: true; states: LimitState[] }
  | {
      allowed: false;
      states: LimitState[];
      /** Seconds until every refusing window has room: ≥ each refusing window's `resetSeconds`. */
      retryAfter: number;
    };

/** A charge the store remembers: a card, the windows it counts in, and when it was issued (ms). */
export interface PastCharge {
  checks: LimitCheck[];
  id: string;
  at: number;
}

/** Every stored charge still inside one of its windows at `now` (ms): the store's cards, as the limiter counts them. */
export type ChargeHistory = (now: number) => Promise<PastCharge[]>;

/** Thrown when the limit store cannot be reached: issuance then fails closed. */
export class LimitsUnavailableError extends Error {
  override readonly name = "LimitsUnavailableError";
}

/** Rolling-window quotas, all or nothing. */
export interface Limiter {
  /**
   * Charges `id` to every window if, and only if, every window has room at `now` (ms).
   * A refusal charges nothing. Throws {@link LimitsUnavailableError} when unreachable.
   */
  acquire(checks: readonly LimitCheck[], id: string, now: number): Promise<LimitDecision>;
  /** Takes back the charge `acquire` made for `id` at `at` (the card could not be stored). */
  release(checks: readonly LimitCheck[], id: string, at: number): Promise<void>;
  /** Records a past charge without checking (rebuilding windows from stored cards). */
  restore(checks: readonly LimitCheck[], id: string, at: number): Promise<void>;
  /** Resolves when the limit store answers; throws {@link LimitsUnavailableError} otherwise. */
  ping(): Promise<void>;
  /**
   * True when the limiter keeps its windows through a restart of this process on its own
   * (Redis, which also rebuilds them from the store when Redis itself lost them); false when
   * they must be restored at start.
   */
  readonly durable: boolean;
  close(): Promise<void>;
}
