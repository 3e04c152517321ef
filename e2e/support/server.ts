/**
 * The real partner server for a test worker: the built CLI (`partner-server/dist/bin.js
 * start --demo`) on a free loopback port with its own data folder, as users run it.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../partner-server/dist/bin.js", import.meta.url));

/** A running demo server. */
export interface DemoServer {
  /** The issuer, `http://localhost:<port>`: the demo pages and embed.js are served there. */
  url: string;
  port: number;
  dataDir: string;
  adminToken: string;
  /** The demo brand's (`demo-cinema`) API key, from `<data dir>/demo.json`. */
  apiKey: string;
  /** The demo partner's id. */
  partner: string;
  /** Everything the process wrote. */
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the demo server and waits until it has seeded and listens. */
export async function startDemoServer(): Promise<DemoServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "minicard-e2e-"));
  const adminToken = "e2e-admin-token-0123456789abcdef";
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, "start", "--demo", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir], {
    env: { ...process.env, MINICARD_ADMIN_TOKEN: adminToken, MINICARD_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    const check = () => {
      // The banner's "demo app" line is printed once seeding is done.
      if (/demo app\s+http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
  const credentials = JSON.parse(readFileSync(join(dataDir, "demo.json"), "utf8")) as { partner: string; brands: Record<string, string> };
  return {
    url: `http://localhost:${port}`,
    port,
    dataDir,
    adminToken,
    apiKey: credentials.brands["demo-cinema"]!,
    partner: credentials.partner,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
