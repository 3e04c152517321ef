/**
 * `minicard-server start`: builds the server, listens, prints the banner (and seeds the demo
 * with `--demo`), and shuts down cleanly on SIGTERM and SIGINT.
 */

import { loadConfig } from "../config.js";
import { DEMO_BRAND, DEMO_PARTNER, seedDemo } from "../demo/seed.js";
import { loggerOptions, terminalLoggerOptions } from "../logging.js";
import { createServer } from "../server.js";
import { overrides, UsageError, version, type Command } from "./command.js";
import { limitHeapGrowth } from "./heap.js";

/** Hosts that only this machine reaches. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** `start`. */
export const startCommand: Command = {
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
    limitHeapGrowth();
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
