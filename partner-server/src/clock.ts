/**
 * The server's clock. With Redis, every instance reads Redis's clock (`TIME`) rather than
 * its own: the offset between the two is measured when the connection becomes ready and
 * every `refreshMs`, and `now()` is the local time plus that offset. So limit windows, the
 * `iat`/`nbf`/`exp` of cards, expiry and status are computed on one clock by every instance,
 * whatever their own clocks say (the Redis limiter also refuses a decision whose time is
 * far off `TIME`). Without Redis there is one instance and its own clock is the clock.
 */

import type { Redis } from "ioredis";

/** A clock that follows Redis's. */
export interface RedisClock {
  /** Milliseconds since the epoch on Redis's clock (the local clock until the first measurement). */
  now(): number;
  /** Measures the offset again; throws when Redis does not answer (the last offset is kept). */
  sync(): Promise<void>;
  /** Stops measuring. */
  close(): void;
}

/** Samples per measurement: the one with the shortest round trip is kept. */
const SAMPLES = 3;

/** Follows `redis`'s clock, measuring the offset on every (re)connection and every `refreshMs` (default 10 s). */
export function createRedisClock(redis: Redis, options: { refreshMs?: number } = {}): RedisClock {
  let offset = 0;
  async function sync(): Promise<void> {
    let best = { roundTrip: Infinity, offset: 0 };
    for (let i = 0; i < SAMPLES; i++) {
      const sent = Date.now();
      const [seconds, micros] = await redis.time();
      const received = Date.now();
      const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      if (received - sent < best.roundTrip) best = { roundTrip: received - sent, offset: Math.round(server - (sent + received) / 2) };
    }
    offset = best.offset;
  }
  const onReady = () => void sync().catch(() => {});
  redis.on("ready", onReady);
  const timer = setInterval(onReady, options.refreshMs ?? 10_000);
  timer.unref();
  return {
    now: () => Date.now() + offset,
    sync,
    close() {
      clearInterval(timer);
      redis.off("ready", onReady);
    },
  };
}
