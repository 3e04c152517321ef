/**
 * `minicard-server`: start the server, migrate the database, and manage partners, brands,
 * sharers, the rollout and signing keys from a shell. Flags override the environment, which
 * overrides `minicard.config.json`.
 *
 * This file parses the command line, prints help and runs a command of the table: `start` is
 * in `cli/start.ts`, the management commands in `cli/manage.ts`, what they share in
 * `cli/command.ts`. Importing it runs nothing: the executable is `bin.ts`, which calls
 * {@link main}.
 */

import { parseArgs } from "node:util";
import { ENV, ConfigError, type Setting } from "./config.js";
import { Problem } from "./problems.js";
import { COMMON, UsageError, version, type Command } from "./cli/command.js";
import { MANAGE_COMMANDS } from "./cli/manage.js";
import { startCommand } from "./cli/start.js";

/** Every command, by name: `start` and the management commands. */
const COMMANDS: Record<string, Command> = { start: startCommand, ...MANAGE_COMMANDS };

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    `minicard-server ${version}`,
    "",
    "Usage: minicard-server <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    "",
    "Every command takes --config FILE, --data-dir DIR and --database-url URL, and --help.",
    "",
    "Environment (flags win over it; several instances: docs/deploy.md):",
    ...environmentHelp(),
  ].join("\n");
}

/** One line per setting of the config table: variable, meaning, default. */
function environmentHelp(): string[] {
  const settings = Object.entries(ENV) as [string, Setting][];
  const width = Math.max(...settings.map(([variable]) => variable.length));
  return settings.map(([variable, setting]) => `  ${variable.padEnd(width)}  ${setting.meaning}${setting.default === undefined ? "" : ` (default ${setting.default})`}`);
}

/** The command `argv` starts with: the longest run of its leading words that names one. */
function commandOf(argv: string[]): string | undefined {
  for (let words = 3; words >= 1; words--) {
    const name = argv.slice(0, words).join(" ");
    if (argv.length >= words && COMMANDS[name]) return name;
  }
  return undefined;
}

/** For words that start a group of commands (`partners`, `partners origins`): the words that may follow. */
function groupOf(argv: string[]): { prefix: string; next: string[] } | undefined {
  for (let words = Math.min(argv.length, 2); words >= 1; words--) {
    const prefix = argv.slice(0, words).join(" ");
    const next = [...new Set(Object.keys(COMMANDS).filter((key) => key.startsWith(`${prefix} `)).map((key) => key.split(" ")[words]!))];
    if (next.length > 0) return { prefix, next };
  }
  return undefined;
}

/** Runs the CLI with `argv` (without node and the script). Answers the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${help()}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const name = commandOf(argv);
  const command = name === undefined ? undefined : COMMANDS[name];
  if (name === undefined || !command) {
    const group = groupOf(argv);
    process.stderr.write(
      group
        ? `minicard-server ${group.prefix}: choose one of ${group.next.join(", ")}\n`
        : `minicard-server: unknown command ${first}\n\n${help()}\n`,
    );
    return 2;
  }
  const rest = argv.slice(name.split(" ").length);
  const expected = command.positionals ?? [];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON, ...command.options }, allowPositionals: expected.length > 0, strict: true });
    if (!parsed.values.help && parsed.positionals.length !== expected.length) {
      const missing = expected.slice(parsed.positionals.length);
      throw new Error(missing.length > 0 ? `missing ${missing.join(", ")}` : `takes ${expected.join(", ")}, not ${parsed.positionals.length} arguments`);
    }
  } catch (error) {
    process.stderr.write(`minicard-server ${name}: ${(error as Error).message}\nUsage: minicard-server ${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    const flags = Object.entries({ ...command.options, ...COMMON }).map(
      ([flag, option]) => `  --${flag}${option.type === "string" ? " VALUE" : ""}${option.multiple ? " (repeatable)" : ""}`,
    );
    process.stdout.write(`minicard-server ${name} — ${command.summary}\n\nUsage: minicard-server ${command.usage}\n\nOptions:\n${flags.join("\n")}\n`);
    return 0;
  }
  try {
    await command.run(parsed.values as Record<string, string | boolean | string[] | undefined>, parsed.positionals);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`minicard-server ${name}: ${error.message}\nUsage: minicard-server ${command.usage}\n`);
      return 2;
    }
    if (error instanceof Problem) {
      const fields = error.errors?.map((field) => `\n  ${field.path}: ${field.message}`).join("") ?? "";
      process.stderr.write(`minicard-server ${name}: ${error.code}: ${error.message}${fields}\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`minicard-server: configuration: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`minicard-server ${name}: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
