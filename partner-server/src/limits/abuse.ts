/**
 * Abuse guards on the HTTP edge, per client, in this process:
 * - **credential guessing**: after `AUTH_FAILURES.max` answers of 401 to one client IP within
 *   `AUTH_FAILURES.windowSeconds`, every request of that IP to a credentialed route (brand and
 *   admin APIs) is answered 429 `too_many_auth_failures` with `Retry-After`, before any
 *   credential is looked at, until the window has room again. Keys are 256-bit random, so this
 *   is not what keeps them secret; it keeps a guesser from costing us a store lookup per try
 *   and makes guessing show up in metrics;
 * - **beacon floods**: `POST /v1/events` is limited per origin and client IP
 *   (`EVENTS_PER_CLIENT`), 429 `rate_limited` with `Retry-After`. One page sends a few
 *   batched beacons a minute; a script replaying them is cut off without touching the store.
 *
 * The windows roll (a sliding log per client) and live in this process: behind a balancer each
 * instance counts on its own, so a client gets at most `instances × max`. That is the intended
 * trade-off: these guards must never depend on Redis being up (limits on issuance do, and fail
 * closed). Client IPs come from `request.ip`, which honours `X-Forwarded-For` only when
 * `MINICARD_TRUST_PROXY` is set.
 */

import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.js";
import { Problem } from "../problems.js";

/** Failed authentications (401 answers) one client IP may cause per rolling window. */
export const AUTH_FAILURES = { max: 40, windowSeconds: 60 } as const;
/** Beacon requests (`POST /v1/events`) one origin and IP may send per rolling window, by default (`MINICARD_EVENTS_PER_MINUTE`). */
export const EVENTS_PER_CLIENT = { max: 120, windowSeconds: 60 } as const;
/** Clients tracked at most per guard; past that, the least recently seen are forgotten. */
const MAX_CLIENTS = 50_000;

/** A sliding-log counter per key. */
export interface SlidingCounter {
  /** Seconds until `key` has room again (0 when it has room now). */
  wait(key: string, now: number): number;
  /** Counts one event for `key` at `now`. */
  add(key: string, now: number): void;
}

/** Creates a {@link SlidingCounter} allowing `max` events per `windowSeconds` per key. */
export function createSlidingCounter(max: number, windowSeconds: number): SlidingCounter {
  const logs = new Map<string, number[]>();
  const windowMs = windowSeconds * 1000;
  const live = (key: string, now: number): number[] => {
    const log = logs.get(key);
    if (!log) return [];
    let expired = 0;
    while (expired < log.length && log[expired]! <= now - windowMs) expired += 1;
    if (expired > 0) log.splice(0, expired);
    if (log.length === 0) logs.delete(key);
    return log;
  };
  return {
    wait(key, now) {
      const log = live(key, now);
      if (log.length < max) return 0;
      return Math.max(1, Math.ceil((log[log.length - max]! + windowMs - now) / 1000));
    },
    add(key, now) {
      const log = live(key, now);
      // Re-insert so the map's order is least recently seen first.
      logs.delete(key);
      log.push(now);
      if (log.length > max) log.splice(0, log.length - max);
      logs.set(key, log);
      if (logs.size > MAX_CLIENTS) logs.delete(logs.keys().next().value!);
    },
  };
}

/** True for routes that take credentials: the brand and admin APIs (not the public ones). */
function isCredentialed(path: string): boolean {
  if (path.startsWith("/v1/admin/") || path === "/v1/admin") return true;
  if (path === "/v1/cards/status") return false;
  return path === "/v1/cards" || path.startsWith("/v1/cards/") || path.startsWith("/v1/brands/");
}

/** Adds the guards to `app` (before the routes are registered). */
export function registerAbuseGuards(app: FastifyInstance, context: AppContext): void {
  const authFailures = createSlidingCounter(AUTH_FAILURES.max, AUTH_FAILURES.windowSeconds);
  const beacons = createSlidingCounter(context.config.eventsPerMinute ?? EVENTS_PER_CLIENT.max, EVENTS_PER_CLIENT.windowSeconds);

  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    const now = context.now();
    if (isCredentialed(path)) {
      const wait = authFailures.wait(request.ip, now);
      if (wait > 0) {
        context.metrics.count("minicard_abuse_refused_total", { guard: "auth_failures" });
        throw new Problem("too_many_auth_failures", `too many failed authentications from this client; retry in ${wait} s`, {
          headers: { "retry-after": String(wait) },
          extra: { retryAfter: wait },
        });
      }
    } else if (path === "/v1/events" && request.method === "POST") {
      const client = `${request.headers.origin ?? "-"} ${request.ip}`;
      const wait = beacons.wait(client, now);
      if (wait > 0) {
        context.metrics.count("minicard_abuse_refused_total", { guard: "events" });
        throw new Problem("rate_limited", `too many beacons from this client; retry in ${wait} s`, {
          headers: { "retry-after": String(wait) },
          extra: { retryAfter: wait },
        });
      }
      beacons.add(client, now);
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    if (reply.statusCode === 401) authFailures.add(request.ip, context.now());
  });
}
