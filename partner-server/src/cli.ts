/**
 * `minicard-server`: start the server, migrate the database, and manage partners, brands,
 * sharers, the rollout and signing keys from a shell. Flags override the environment, which
 * overrides `minicard.config.json`.
 *
 * Management commands work on the store directly (no running server needed); a running
 * server picks up key rotations within seconds (it reloads its keys on a timer).
 *
 * Long because it is the whole command table; each command is a few lines. Importing it runs
 * nothing: the executable is `bin.ts`, which calls {@link main}.
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { createRequire } from "node:module";
import { ENV, loadConfig, ConfigError, type Config, type ConfigOverrides, type Setting } from "./config.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/store.js";
import { createServer, adminTokenFor } from "./server.js";
import { loggerOptions, terminalLoggerOptions } from "./logging.js";
import { openKeyRing } from "./keys/keyring.js";
import { announceRotation } from "./keys/announce.js";
import { connectRedis, whenReady } from "./redis.js";
import { DEMO_BRAND, DEMO_PARTNER, seedDemo } from "./demo/seed.js";
import {
  addBrandKey,
  addPartnerKey,
  addPartnerOrigin,
  createBrand,
  createPartner,
  putSharer,
  removePartnerKey,
  removePartnerOrigin,
  removeSharer,
  requirePartner,
  rotateApiKey,
  setRollout,
  updateBrand,
  updatePartner,
  type AdminContext,
} from "./services/admin.js";
import { Problem } from "./problems.js";
import { brandStats, resolveRange } from "./services/brand-stats.js";

const require = createRequire(import.meta.url);
const { version } = require("../package.json") as { version: string };

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  help: { type: "boolean", short: "h" },
  config: { type: "string" },
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
};

interface Command {
  summary: string;
  usage: string;
  options: Options;
  /** Names of the positional arguments the command takes, all required (none when absent). */
  positionals?: string[];
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<void>;
}

function overrides(values: Record<string, unknown>): ConfigOverrides {
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

/** Hosts that only this machine reaches. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function withStore<T>(values: Record<string, unknown>, use: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(overrides(values));
  const store = await openStore(config);
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}

const admin = (store: Store): AdminContext => ({ store, now: Date.now });
const list = (value: unknown) => (typeof value === "string" ? value.split(",").map((item) => item.trim()).filter(Boolean) : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : list(value));

function required(values: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(", ")}`);
}

class UsageError extends Error {}

/** `<noun> add-key --id ID --jwk JSON`: registers a public key with `add` (brands and partners alike). */
function addKeyCommand(noun: string, summary: string, add: (context: AdminContext, id: string, body: unknown) => Promise<{ kid: string }>): Command {
  return {
    summary,
    usage: `${noun} add-key --id ID --jwk '{"kty":"EC",…}'`,
    options: { id: { type: "string" }, jwk: { type: "string" } },
    async run(values) {
      required(values, "id", "jwk");
      let jwk: unknown;
      try {
        jwk = JSON.parse(String(values.jwk));
      } catch {
        throw new UsageError("--jwk must be JSON");
      }
      await withStore(values, async (store) => print(await add(admin(store), String(values.id), { jwk })));
    },
  };
}

/** `--flag true|false` as `{ field: boolean }`, or nothing when the flag is absent. */
function optionalBoolean(values: Record<string, unknown>, flag: string, field: string): Record<string, boolean> {
  const value = values[flag];
  if (value === undefined) return {};
  if (value === "true" || value === "false") return { [field]: value === "true" };
  throw new UsageError(`--${flag} must be true or false`);
}

const COMMANDS: Record<string, Command> = {
  start: {
    summary: "run the server",
    usage: "start [--port N] [--host H] [--data-dir DIR] [--issuer URL] [--database-url URL] [--redis-url URL] [--demo]",
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string" },
      issuer: { type: "string" },
      "redis-url": { type: "string" },
      demo: { type: "boolean" },
    },
    async run(values) {
      const config = loadConfig(overrides(values));
      // The demo runs in a terminal someone reads: one short line per record, not JSON.
      const server = await createServer(config, {
        logger: config.demo ? terminalLoggerOptions(config.logLevel) : loggerOptions(config.logLevel),
      });
      let address: string;
      try {
        address = await server.app.listen({ port: config.port, host: config.host });
      } catch (error) {
        await server.close().catch(() => {});
        if ((error as { code?: string }).code === "EADDRINUSE") {
          throw new UsageError(`port ${config.port} on ${config.host} is already in use: choose another with --port or PORT`);
        }
        throw error;
      }
      const port = Number(new URL(address).port);
      // Fastify answers one of the addresses; say what the socket is bound to.
      const loopback = LOOPBACK.has(config.host);
      const listening = loopback
        ? `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`
        : config.host === "0.0.0.0" || config.host === "::"
          ? `http://127.0.0.1:${port} and every other interface (HOST=${config.host})`
          : `${address} (HOST=${config.host})`;
      // `--port 0` picks a free port; the default issuer names it once it is known.
      if (config.issuer === "http://localhost:0") config.issuer = `http://localhost:${port}`;
      const base = config.issuer;
      const lines = [
        "",
        `  Minicard partner server ${version} — ${server.context.store.kind} store, ${server.context.limiter.durable ? "Redis" : "in-process"} limits`,
        `  listening   ${listening}`,
        `  issuer      ${base}`,
        `  jwks        ${base}/.well-known/jwks.json`,
        // Standard output ends up in log collectors: the token itself is printed only for a local
        // demo whose token was generated here; otherwise the line says where it is.
        `  admin token ${
          config.adminToken
            ? "from MINICARD_ADMIN_TOKEN"
            : config.demo
              ? `${server.context.adminToken} (kept in ${config.dataDir}/admin-token)`
              : `kept in ${config.dataDir}/admin-token (print it with: minicard-server admin-token --data-dir ${config.dataDir})`
        }`,
      ];
      if (config.demo && !loopback) {
        lines.push(`  warning     the demo's pages issue and revoke cards without credentials, and HOST=${config.host} opens them to the network`);
      }
      if (!server.context.keys.sealed) lines.push("  warning     signing keys are stored unencrypted: set MINICARD_KEY_SECRET in production");
      if (config.demo) {
        const origins = [...new Set([new URL(base).origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`])];
        const demo = await seedDemo(server.context, origins);
        lines.push(
          `  demo app    ${base}/demo/   (every page and document: ${base}/)`,
          `  demo brand  ${DEMO_BRAND}, API key ${demo.brands[DEMO_BRAND]}`,
          `  partner     ${DEMO_PARTNER}`,
          "",
          "  Try it:",
          `    curl -s ${base}/v1/cards -H 'authorization: Bearer ${demo.brands[DEMO_BRAND]}' -H 'content-type: application/json' \\`,
          `      -d '{"partner":"${DEMO_PARTNER}","surface":"dm","kind":"app","app":{"id":"2021000000000001","page":"pages/index/index"},"title":"Hello from the README"}'`,
        );
      }
      process.stdout.write(`${lines.join("\n")}\n\n`);
      installShutdown(server.close, server.app.log);
    },
  },
  migrate: {
    summary: "create or upgrade the database schema, then exit",
    usage: "migrate [--data-dir DIR] [--database-url URL]",
    options: {},
    async run(values) {
      await withStore(values, async (store) => print({ migrated: store.kind }));
    },
  },
  "partners list": {
    summary: "list partners",
    usage: "partners list",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.partners.list())),
  },
  "partners create": {
    summary: "create a partner",
    usage: "partners create --id ID --name NAME --origin URL [--origin URL…] [--surfaces dm,profile,feed] [--require-sharer-pass true]",
    options: {
      id: { type: "string" },
      name: { type: "string" },
      origin: { type: "string", multiple: true },
      surfaces: { type: "string" },
      "require-sharer-pass": { type: "string" },
    },
    async run(values) {
      required(values, "id", "name", "origin");
      await withStore(values, async (store) =>
        print(
          await createPartner(admin(store), {
            id: values.id,
            name: values.name,
            origins: strings(values.origin),
            surfaces: list(values.surfaces) ?? ["dm", "profile", "feed"],
            ...optionalBoolean(values, "require-sharer-pass", "requireSharerPass"),
          }),
        ),
      );
    },
  },
  "partners update": {
    summary: "change a partner's name, surfaces or origins (--origin replaces the whole list: see partners origins add)",
    usage: "partners update --id ID [--name NAME] [--origin URL…] [--surfaces dm,feed] [--require-sharer-pass true|false]",
    options: {
      id: { type: "string" },
      name: { type: "string" },
      origin: { type: "string", multiple: true },
      surfaces: { type: "string" },
      "require-sharer-pass": { type: "string" },
    },
    async run(values) {
      required(values, "id");
      const patch = {
        ...Object.fromEntries(
          Object.entries({ name: values.name, origins: strings(values.origin), surfaces: list(values.surfaces) }).filter(([, value]) => value !== undefined),
        ),
        ...optionalBoolean(values, "require-sharer-pass", "requireSharerPass"),
      };
      await withStore(values, async (store) => print(await updatePartner(admin(store), String(values.id), patch)));
    },
  },
  "partners origins list": {
    summary: "list the web origins a partner's pages are served from (events are taken from those only)",
    usage: "partners origins list PARTNER",
    options: {},
    positionals: ["PARTNER"],
    async run(values, [partner]) {
      await withStore(values, async (store) => print((await requirePartner(store, partner!)).origins));
    },
  },
  "partners origins add": {
    summary: "add a web origin to a partner's origins (the others stay; adding one it has changes nothing)",
    usage: "partners origins add PARTNER https://weibo.example",
    options: {},
    positionals: ["PARTNER", "ORIGIN"],
    async run(values, [partner, origin]) {
      await withStore(values, async (store) => print((await addPartnerOrigin(admin(store), partner!, origin!)).origins));
    },
  },
  "partners origins remove": {
    summary: "remove one web origin from a partner's origins",
    usage: "partners origins remove PARTNER https://weibo.example",
    options: {},
    positionals: ["PARTNER", "ORIGIN"],
    async run(values, [partner, origin]) {
      await withStore(values, async (store) => print((await removePartnerOrigin(admin(store), partner!, origin!)).origins));
    },
  },
  "partners add-key": addKeyCommand("partners", "register a public JWK the partner signs viewer and sharer passes with (ES256 or EdDSA)", addPartnerKey),
  "partners keys": {
    summary: "list the public keys a partner signs passes with",
    usage: "partners keys --id ID",
    options: { id: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store) => {
        await requirePartner(store, String(values.id));
        print((await store.partners.keys(String(values.id))).map((key) => key.jwk));
      });
    },
  },
  "partners remove-key": {
    summary: "remove a partner's pass key: passes it signed stop counting within a minute",
    usage: "partners remove-key --id ID --kid KID",
    options: { id: { type: "string" }, kid: { type: "string" } },
    async run(values) {
      required(values, "id", "kid");
      await withStore(values, async (store) => {
        await removePartnerKey(admin(store), String(values.id), String(values.kid));
        print({ id: values.id, removed: values.kid });
      });
    },
  },
  "brands list": {
    summary: "list brands",
    usage: "brands list",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.brands.list())),
  },
  "brands create": {
    summary: "put a brand on the whitelist; prints its API key once",
    usage: "brands create --id ID --name NAME --category CATEGORY --apps APPID[,APPID] [--surfaces dm,profile,feed] [--invited] [--logo URL]",
    options: {
      id: { type: "string" },
      name: { type: "string" },
      category: { type: "string" },
      apps: { type: "string" },
      surfaces: { type: "string" },
      invited: { type: "boolean" },
      logo: { type: "string" },
    },
    async run(values) {
      required(values, "id", "name", "category", "apps");
      await withStore(values, async (store) => {
        const { brand, apiKey } = await createBrand(admin(store), {
          id: values.id,
          name: values.name,
          category: values.category,
          apps: list(values.apps),
          surfaces: list(values.surfaces) ?? ["dm", "profile", "feed"],
          invited: values.invited === true,
          ...(values.logo ? { logo: values.logo } : {}),
        });
        print({ ...brand, apiKey });
      });
    },
  },
  "brands suspend": {
    summary: "suspend a brand: all of its cards read revoked from now on",
    usage: "brands suspend --id ID",
    options: { id: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store) => print(await updateBrand(admin(store), String(values.id), { status: "suspended" })));
    },
  },
  "brands activate": {
    summary: "lift a brand's suspension",
    usage: "brands activate --id ID",
    options: { id: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store) => print(await updateBrand(admin(store), String(values.id), { status: "active" })));
    },
  },
  "brands rotate-key": {
    summary: "replace a brand's API key; prints the new one once",
    usage: "brands rotate-key --id ID",
    options: { id: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store) => print({ id: values.id, apiKey: await rotateApiKey(admin(store), String(values.id)) }));
    },
  },
  "brands stats": {
    summary: "a brand's impressions, clicks, UV and traffic-exchange ledger over a range",
    usage: "brands stats --id ID [--from 2026-11-01] [--to 2026-11-30]",
    options: { id: { type: "string" }, from: { type: "string" }, to: { type: "string" } },
    async run(values) {
      required(values, "id");
      await withStore(values, async (store, config) => {
        if (!(await store.brands.get(String(values.id)))) throw new Problem("not_found", `no brand ${values.id}`);
        const range = resolveRange({ from: values.from as string | undefined, to: values.to as string | undefined }, Date.now());
        print(await brandStats(store, String(values.id), range, config.exchangeRatio));
      });
    },
  },
  "brands add-key": addKeyCommand("brands", "register a public JWK for private_key_jwt", addBrandKey),
  "sharers list": {
    summary: "list a partner's whitelisted sharers",
    usage: "sharers list --partner ID",
    options: { partner: { type: "string" } },
    async run(values) {
      required(values, "partner");
      await withStore(values, async (store) => print(await store.sharers.list(String(values.partner))));
    },
  },
  "sharers add": {
    summary: "whitelist sharers for feed and profile shares",
    usage: "sharers add --partner ID --sharer NAME [--sharer NAME…]",
    options: { partner: { type: "string" }, sharer: { type: "string", multiple: true } },
    async run(values) {
      required(values, "partner", "sharer");
      await withStore(values, async (store) => {
        for (const sharer of strings(values.sharer) ?? []) await putSharer(admin(store), String(values.partner), sharer);
        print(await store.sharers.list(String(values.partner)));
      });
    },
  },
  "sharers remove": {
    summary: "take a sharer off the whitelist",
    usage: "sharers remove --partner ID --sharer NAME",
    options: { partner: { type: "string" }, sharer: { type: "string" } },
    async run(values) {
      required(values, "partner", "sharer");
      await withStore(values, async (store) => {
        await removeSharer(admin(store), String(values.partner), String(values.sharer));
        print(await store.sharers.list(String(values.partner)));
      });
    },
  },
  "rollout show": {
    summary: "show when each category opens",
    usage: "rollout show",
    options: {},
    run: (values) => withStore(values, async (store) => print(await store.rollout.get())),
  },
  "rollout set": {
    summary: "set the date a category opens",
    usage: "rollout set --category CATEGORY --opens 2026-12-01",
    options: { category: { type: "string" }, opens: { type: "string" } },
    async run(values) {
      required(values, "category", "opens");
      await withStore(values, async (store) =>
        print(await setRollout(admin(store), { categories: { [String(values.category)]: values.opens } })),
      );
    },
  },
  "keys list": {
    summary: "show the published signing keys",
    usage: "keys list",
    options: {},
    async run(values) {
      await withStore(values, async (store, config) => {
        const keys = await openKeyRing(store, { alg: config.signingAlg, secret: config.keySecret });
        print({ current: keys.current.kid, jwks: keys.jwks(Date.now()) });
      });
    },
  },
  "keys rotate": {
    summary: "rotate the signing key (the next key becomes current; old keys stay published until their cards expire)",
    usage: "keys rotate",
    options: {},
    async run(values) {
      await withStore(values, async (store, config) => {
        // Tell running instances at once when they share a Redis; they also poll the store.
        const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
        try {
          const keys = await openKeyRing(store, {
            alg: config.signingAlg,
            secret: config.keySecret,
            graceMs: config.keyGraceSeconds * 1000,
            ...(redis
              ? {
                  announce: async () => {
                    await whenReady(redis, 3000);
                    await announceRotation(redis, config.redisPrefix);
                  },
                }
              : {}),
          });
          print(await keys.rotate());
        } finally {
          redis?.disconnect();
        }
      });
    },
  },
  "admin-token": {
    summary: "print the admin token (generating it into the data folder if needed)",
    usage: "admin-token [--data-dir DIR]",
    options: {},
    async run(values) {
      process.stdout.write(`${adminTokenFor(loadConfig(overrides(values)))}\n`);
    },
  },
};

function installShutdown(close: () => Promise<void>, log: { info(message: string): void; error(object: unknown, message: string): void }): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) {
      process.exit(1);
    }
    closing = true;
    log.info(`${signal}: finishing in-flight requests`);
    // A request that never finishes must not keep the process from exiting.
    setTimeout(() => process.exit(1), 20_000).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

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
