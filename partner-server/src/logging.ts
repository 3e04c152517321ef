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

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/**
 * One pino record (a JSON line) as one short line for a person at a terminal:
 * `12:04:05 GET /demo/ 200 3 ms`, with the level named from `warn` up and an error's message
 * appended. Records that are not JSON pass through unchanged.
 */
export function terminalLine(record: string): string {
  let entry: { level?: number; time?: number; msg?: unknown; err?: { message?: unknown }; code?: unknown };
  try {
    entry = JSON.parse(record) as typeof entry;
  } catch {
    return record.endsWith("\n") ? record : `${record}\n`;
  }
  const time = new Date(entry.time ?? Date.now()).toTimeString().slice(0, 8);
  const level = (entry.level ?? 30) >= 40 ? ` ${LEVEL_NAMES[entry.level!] ?? entry.level}` : "";
  const code = typeof entry.code === "string" ? ` [${entry.code}]` : "";
  const error = typeof entry.err?.message === "string" && entry.err.message !== entry.msg ? `: ${entry.err.message}` : "";
  return `${time}${level} ${String(entry.msg ?? "")}${code}${error}\n`;
}

/**
 * The demo's log settings: {@link loggerOptions}' level and redaction, each record written as
 * one {@link terminalLine} to `write` (standard output by default), so `npm start`'s banner
 * and demo key do not scroll away under JSON. With the demo, the app also logs one line per
 * request instead of Fastify's two (`app.ts`).
 */
export function terminalLoggerOptions(
  level: Config["logLevel"],
  write: (line: string) => void = (line) => void process.stdout.write(line),
): NonNullable<FastifyServerOptions["logger"]> {
  return { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, stream: { write: (record: string) => write(terminalLine(record)) } };
}
