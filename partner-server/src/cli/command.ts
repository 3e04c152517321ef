/**
 * What every `minicard-server` command is made of: its options, usage and run function, the
 * options every command takes, and how flags become configuration overrides.
 */

import { createRequire } from "node:module";
import type { ParseArgsConfig } from "node:util";
import type { ConfigOverrides } from "../config.js";

const require = createRequire(import.meta.url);
/** The package's version, for the banner and `--version`. */
export const { version } = require("../../package.json") as { version: string };

/** A command's flags, as `node:util` `parseArgs` takes them. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags every command takes. */
export const COMMON: Options = {
  help: { type: "boolean", short: "h" },
  config: { type: "string" },
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
};

/** One command of the table. */
export interface Command {
  summary: string;
  usage: string;
  options: Options;
  /** Names of the positional arguments the command takes, all required (none when absent). */
  positionals?: string[];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<void>;
}

/** A mistake in how a command was called: printed with its usage, exit code 2. */
export class UsageError extends Error {}

/** The configuration the flags of a command set. */
export function overrides(values: Record<string, unknown>): ConfigOverrides {
  const result: ConfigOverrides = {};
  if (typeof values.config === "string") result.configFile = values.config;
  if (typeof values["data-dir"] === "string") result.dataDir = values["data-dir"];
  if (typeof values["database-url"] === "string") result.databaseUrl = values["database-url"];
  if (typeof values.port === "string") {
    if (!/^\d{1,5}$/.test(values.port)) throw new UsageError(`--port must be a number from 0 to 65535, not ${JSON.stringify(values.port)}`);
    result.port = Number(values.port);
  }
  if (typeof values.host === "string") result.host = values.host;
  if (typeof values.issuer === "string") result.issuer = values.issuer;
  if (typeof values["redis-url"] === "string") result.redisUrl = values["redis-url"];
  if (values.demo === true) result.demo = true;
  return result;
}

/** Prints a command's result as JSON. */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
