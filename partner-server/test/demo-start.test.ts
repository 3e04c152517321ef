/**
 * `npm start` as someone at a terminal meets it: the demo listens on loopback unless `HOST`
 * is set (production `start` keeps every interface), `/` is a page of links that all work,
 * and the log is one short line per request, so the banner and the demo key stay in view.
 */

import { spawn } from "node:child_process";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HOST, DEMO_HOST, loadConfig } from "../src/config.js";
import { terminalLine } from "../src/logging.js";
import { CLI, injectServer, tempDir } from "./support/server.js";

/** The environment without any MINICARD_*, HOST or PORT setting of the machine running the tests. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MINICARD_") && name !== "PORT" && name !== "HOST"));

/** `minicard-server start --demo` without `--host`, as `npm start` runs it; resolves once the banner is printed. */
async function startDemo(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, "start", "--demo", "--port", "0", "--data-dir", dataDir], {
    env: { ...cleanEnv, MINICARD_ADMIN_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner:\n${output}`)), 90_000);
    const poll = setInterval(() => {
      const match = /listening\s+http:\/\/[^:]+:(\d+)/.exec(output);
      if (match && /demo app\s+http/.test(output)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 50);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** An IPv4 address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return undefined;
}

describe("the listening interface", () => {
  const env = {};
  it("is every interface for start, and loopback for the demo, unless HOST or --host says otherwise", () => {
    expect(DEFAULT_HOST).toBe("0.0.0.0");
    expect(DEMO_HOST).toBe("127.0.0.1");
    expect(loadConfig({}, env, "/nonexistent").host).toBe("0.0.0.0");
    expect(loadConfig({ demo: true }, env, "/nonexistent").host).toBe("127.0.0.1");
    expect(loadConfig({}, { MINICARD_DEMO: "true" }, "/nonexistent").host).toBe("127.0.0.1");
    expect(loadConfig({ demo: true }, { HOST: "0.0.0.0" }, "/nonexistent").host).toBe("0.0.0.0");
    expect(loadConfig({ demo: true, host: "::1" }, { HOST: "0.0.0.0" }, "/nonexistent").host).toBe("::1");
    expect(loadConfig({}, { HOST: "10.0.0.5" }, "/nonexistent").host).toBe("10.0.0.5");
  });
});

describe("/ without the demo", () => {
  it("is a 404 problem, as every unknown path", async () => {
    const server = await injectServer();
    try {
      const answer = await server.fetch("/");
      expect(answer.status).toBe(404);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
    } finally {
      await server.close();
    }
  });
});

describe("terminal log lines", () => {
  const at = new Date(2026, 10, 24, 9, 5, 7).getTime();
  it("turn a pino record into one short line", () => {
    expect(terminalLine(JSON.stringify({ level: 30, time: at, pid: 1, hostname: "h", requestId: "r", msg: "GET /demo/ 200 3 ms" }))).toBe("09:05:07 GET /demo/ 200 3 ms\n");
    expect(terminalLine(JSON.stringify({ level: 30, time: at, code: "not_found", msg: "GET /nope 404 1 ms" }))).toBe("09:05:07 GET /nope 404 1 ms [not_found]\n");
    expect(terminalLine(JSON.stringify({ level: 50, time: at, msg: "unexpected error", err: { message: "boom", stack: "at x" } }))).toBe("09:05:07 error unexpected error: boom\n");
    expect(terminalLine("not json")).toBe("not json\n");
  });
});

describe("npm start (start --demo)", { timeout: 180_000 }, () => {
  const dir = tempDir();
  let demo: Awaited<ReturnType<typeof startDemo>>;
  beforeAll(async () => {
    demo = await startDemo(dir.path);
  }, 180_000);
  afterAll(async () => {
    await demo?.stop();
    dir.cleanup();
  });

  it("listens on 127.0.0.1 only, and the banner says so", async () => {
    expect(demo.output()).toMatch(new RegExp(`listening\\s+http://127\\.0\\.0\\.1:${demo.port}\\n`));
    expect(demo.output()).not.toContain("opens them to the network");
    expect((await fetch(`${demo.url}/healthz`)).status).toBe(200);
    const external = externalAddress();
    if (external) await expect(fetch(`http://${external}:${demo.port}/healthz`)).rejects.toThrow();
  });

  it("answers / with a page of links, each of which works", async () => {
    const answer = await fetch(`${demo.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await answer.text();
    expect(page).toContain('<html lang="en">');
    const links = [...page.matchAll(/<a href="([^"]+)">/g)].map((match) => match[1]!.replaceAll("&amp;", "&"));
    expect(links).toEqual(expect.arrayContaining(["/demo/", "/demo/share.html", "/demo/console.html", "/.well-known/jwks.json", "/embed.js"]));
    for (const link of links) expect(`${link} ${(await fetch(`${demo.url}${link}`)).status}`).toBe(`${link} 200`);
    expect(demo.output()).toMatch(/demo app\s+http:\/\/localhost:\d+\/demo\/\s+\(every page and document: http:\/\/localhost:\d+\/\)/);
  });

  it("logs one short line per request, and no JSON", async () => {
    await fetch(`${demo.url}/healthz?probe=one-line`);
    await fetch(`${demo.url}/no-such-page`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = demo.output().split("\n");
    expect(lines.filter((line) => line.includes("/healthz?probe=one-line"))).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d GET \/healthz\?probe=one-line 200 \d+ ms$/)]);
    expect(lines.filter((line) => line.includes("/no-such-page"))).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d GET \/no-such-page 404 \d+ ms \[not_found\]$/)]);
    expect(lines.filter((line) => line.startsWith("{"))).toEqual([]);
  });

  it("with HOST=0.0.0.0 listens on every interface and warns that the demo is open to the network", async () => {
    await demo.stop();
    demo = await startDemo(dir.path, { HOST: "0.0.0.0" });
    expect(demo.output()).toMatch(new RegExp(`listening\\s+http://127\\.0\\.0\\.1:${demo.port} and every other interface \\(HOST=0\\.0\\.0\\.0\\)`));
    expect(demo.output()).toContain("warning     the demo's pages issue and revoke cards without credentials, and HOST=0.0.0.0 opens them to the network");
    const external = externalAddress();
    if (external) expect((await fetch(`http://${external}:${demo.port}/healthz`)).status).toBe(200);
  });
});
