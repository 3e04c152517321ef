/**
 * The server's log settings (pino, through Fastify): one JSON line per event, each request's
 * lines carrying its `requestId`, and secrets censored by pino's `redact` wherever they would
 * otherwise be written: API keys, the admin and metrics tokens, client assertions and viewer
 * passes. Fastify logs a request's method, URL, host and address, never its headers or body;
 * the redaction is what keeps a secret out if one of those ever reaches a log call (an error's
 * context, a debugging line added later).
 */

import type { FastifyServerOptions } from "fastify";
import type { Config } from "./config.js";

/** What `[redacted]` replaces: paths in pino's redaction syntax. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "res.headers['set-cookie']",
  "headers.authorization",
  "authorization",
  "apiKey",
  "*.apiKey",
  "adminToken",
  "*.adminToken",
  "metricsToken",
  "*.metricsToken",
  "keySecret",
  "*.keySecret",
  "assertion",
  "*.assertion",
  "client_assertion",
  "*.client_assertion",
  "viewer",
  "*.viewer",
  "pass",
  "*.pass",
];

/** Fastify's `logger` option for `level`. */
export function loggerOptions(level: Config["logLevel"]): NonNullable<FastifyServerOptions["logger"]> {
  return { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
}
