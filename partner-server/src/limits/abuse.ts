/**
 * Abuse guards on the HTTP edge, per client, in this process. Each belongs to the routes it
 * guards: a plugin adds it with its routes, so it holds for every spelling of their URLs that
 * reaches them (`/v1/cards/`, `/v1/%63ards`), and a new route in the plugin inherits it.
 * - **credential guessing** ({@link createCredentialGuard}, on the brand and admin APIs): after
 *   `AUTH_FAILURES.max` answers of 401 to one client within `AUTH_FAILURES.windowSeconds`,
 *   every request of that client to those routes is answered 429 `too_many_auth_failures`
 *   with `Retry-After`, before any credential is looked at, until the window has room again.
 *   Keys are 256-bit random, so this is not what keeps them secret; it keeps a guesser from
 *   costing us a store lookup per try and makes guessing show up in metrics;
 * - **beacon floods** (`routes/events.ts`): `POST /v1/events` is limited per partner and client
 *   (`MINICARD_EVENTS_PER_MINUTE`), 429 `rate_limited` with `Retry-After`, after the origin was
 *   found to be a partner's. One page sends a few batched beacons a minute.
 *
 * The windows roll (a sliding log per client) and live in this process: behind a balancer each
 * instance counts on its own, so a client gets at most `instances × max`. That is the intended
 * trade-off: these guards must never depend on Redis being up (limits on issuance do, and fail
 * closed). Client IPs come from `request.ip`, which honours `X-Forwarded-For` only when
 * `MINICARD_TRUST_PROXY` is set; IPv6 clients count by their /64.
 */

import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.js";
import { Problem } from "../problems.js";
import { clientOf } from "./client.js";

/** Failed authentications (401 answers) one client IP may cause per rolling window. */
export const AUTH_FAILURES = { max: 40, windowSeconds: 60 } as const;
/** Beacon requests (`POST /v1/events`) one partner page's client may send per rolling window, by default (`MINICARD_EVENTS_PER_MINUTE`). */
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

/** The credential-guessing guard, shared by every credentialed plugin. */
export interface CredentialGuard {
  /** Adds the guard to `app`: a plugin whose routes all take credentials (call before its routes). */
  protect(app: FastifyInstance): void;
}

/** Creates the credential guard (one per server: the brand and admin APIs share its counts). */
export function createCredentialGuard(context: Pick<AppContext, "metrics" | "now">): CredentialGuard {
  const failures = createSlidingCounter(AUTH_FAILURES.max, AUTH_FAILURES.windowSeconds);
  return {
    protect(app) {
      app.addHook("onRequest", async (request) => {
        const wait = failures.wait(clientOf(request.ip), context.now());
        if (wait > 0) {
          context.metrics.count("minicard_abuse_refused_total", { guard: "auth_failures" });
          throw new Problem("too_many_auth_failures", `too many failed authentications from this client; retry in ${wait} s`, {
            headers: { "retry-after": String(wait) },
            extra: { retryAfter: wait },
          });
        }
      });
      app.addHook("onResponse", async (request, reply) => {
        if (reply.statusCode === 401) failures.add(clientOf(request.ip), context.now());
      });
    },
  };
}
