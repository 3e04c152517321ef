/**
 * The `minicard-server` CLI as users run it (the built `dist/bin.js` in a child process,
 * SQLite in a temp folder): help, management commands, key rotation, and `start --demo`
 * on a fresh data folder and again on the same one.
 */

import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "./support/db.js";
import { APP_ID, CLI, cardInput, postCard, spawnServer, tempDir } from "./support/server.js";

/** The environment without any MINICARD_* variable of the machine running the tests. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MINICARD_") && name !== "PORT"));

function cli(args: string[], cwd: string, script = CLI): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd, env: cleanEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const SUBCOMMANDS = [
  "start",
  "migrate",
  "partners list",
  "partners create",
  "partners update",
  "partners origins list",
  "partners origins add",
  "partners origins remove",
  "partners add-key",
  "partners keys",
  "partners remove-key",
  "brands list",
  "brands create",
  "brands update",
  "brands suspend",
  "brands activate",
  "brands rotate-key",
  "brands add-key",
  "sharers list",
  "sharers add",
  "sharers remove",
  "rollout show",
  "rollout set",
  "keys list",
  "keys rotate",
  "admin-token",
];

describe("minicard-server --help", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("lists every command and the environment", async () => {
    const { code, stdout } = await cli(["--help"], dir.path);
    expect(code).toBe(0);
    for (const command of SUBCOMMANDS) expect(stdout).toContain(`  ${command} `);
    expect(stdout).toContain("MINICARD_DATA_DIR");
  });

  it("prints the help and exits 2 without a command, and names an unknown command", async () => {
    expect((await cli([], dir.path)).code).toBe(2);
    const unknown = await cli(["launch"], dir.path);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command launch");
    const group = await cli(["brands", "paint"], dir.path);
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/choose one of .*create/);
    const origins = await cli(["partners", "origins"], dir.path);
    expect(origins.code).toBe(2);
    expect(origins.stderr).toContain("minicard-server partners origins: choose one of list, add, remove");
  });

  it.each(SUBCOMMANDS)("%s --help prints its usage and options", async (command) => {
    const { code, stdout } = await cli([...command.split(" "), "--help"], dir.path);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: minicard-server ${command}`);
    expect(stdout).toContain("--data-dir VALUE");
  });

  it("refuses an unknown flag and a missing required flag with exit code 2 and the usage", async () => {
    const unknown = await cli(["migrate", "--colour", "red", "--data-dir", dir.path], dir.path);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Usage: minicard-server migrate");
    const missing = await cli(["brands", "create", "--id", "x", "--data-dir", dir.path], dir.path);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing --name, --category, --apps");
  });
});

describe("the committed bin file npm links", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { bin: Record<string, string>; files: string[] };
  const bin = fileURLToPath(new URL(`../${pkg.bin["minicard-server"]}`, import.meta.url));
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  // npm links workspace bins before the root `prepare` builds dist/: the bin must not be built.
  it("is outside dist/, published, and runs the built CLI", async () => {
    expect(pkg.bin["minicard-server"]).toBe("./bin/minicard-server.mjs");
    expect(pkg.files).toContain("bin");
    const { code, stdout } = await cli(["--help"], dir.path, bin);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: minicard-server <command>");
  });

  it("says what to run when the server is not built", async () => {
    mkdirSync(join(dir.path, "bin"));
    const copy = join(dir.path, "bin", "minicard-server.mjs");
    copyFileSync(bin, copy);
    const { code, stdout, stderr } = await cli(["--help"], dir.path, copy);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`the server is not built (${join(dir.path, "dist", "bin.js")} is missing)`);
    expect(stderr).toContain("Run `npm run build` at the repository root");
  });
});

describe("start refuses to run with a clear message", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("on a port that is not a number", async () => {
    const { code, stderr } = await cli(["start", "--port", "abc", "--data-dir", dir.path], dir.path);
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be a number from 0 to 65535, not "abc"');
  });

  it("on a port already in use, without a stack trace", async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const { code, stderr } = await cli(["start", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dir.path], dir.path);
      expect(code).toBe(2);
      expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });
});

describe("managing the whitelist from a shell", { timeout: 90_000 }, () => {
  const dir = tempDir();
  const data = ["--data-dir", dir.path];
  afterAll(() => dir.cleanup());

  it("migrates a fresh data folder", async () => {
    const { code, stdout } = await cli(["migrate", ...data], dir.path);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ migrated: "sqlite" });
    expect(countRows(dir.path, "cards")).toBe(0);
  });

  let apiKey: string;
  it("creates a partner, a brand and sharers, which a started server then uses to issue", async () => {
    const partner = await cli(["partners", "create", "--id", "weibo", "--name", "Weibo", "--origin", "https://weibo.example", "--surfaces", "dm,feed", ...data], dir.path);
    expect(partner.code).toBe(0);
    expect(JSON.parse(partner.stdout)).toMatchObject({ id: "weibo", origins: ["https://weibo.example"], surfaces: ["dm", "feed"] });

    const brand = await cli(["brands", "create", "--id", "cinema", "--name", "Starlight", "--category", "commercial-brand", "--apps", APP_ID, "--invited", ...data], dir.path);
    expect(brand.code).toBe(0);
    apiKey = JSON.parse(brand.stdout).apiKey;
    expect(apiKey).toMatch(/^mck_/);

    const sharers = await cli(["sharers", "add", "--partner", "weibo", "--sharer", "alice", "--sharer", "bob", ...data], dir.path);
    expect(sharers.code).toBe(0);
    expect(sharers.stdout).toContain("alice");
    expect(sharers.stdout).toContain("bob");
    const removed = await cli(["sharers", "remove", "--partner", "weibo", "--sharer", "bob", ...data], dir.path);
    expect(removed.code).toBe(0);
    expect(removed.stdout).not.toContain("bob");

    const brands = JSON.parse((await cli(["brands", "list", ...data], dir.path)).stdout);
    expect(brands.map((item: { id: string }) => item.id)).toEqual(["cinema"]);
    expect(JSON.stringify(brands)).not.toContain(apiKey);

    const server = await spawnServer({ dataDir: dir.path });
    try {
      expect((await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "alice" }))).status).toBe(201);
      expect((await postCard(server.url, apiKey, cardInput({ surface: "feed", sharer: "bob" }))).body.code).toBe("sharer_not_whitelisted");
    } finally {
      await server.stop();
    }
  });

  it("registers WeChat apps as wechat:APPID on brands create and update, and refuses one under the wrong host", async () => {
    const wx = "wx0123456789abcdef";
    const created = await cli(["brands", "create", "--id", "teahouse", "--name", "Teahouse", "--category", "commercial-brand", "--apps", `${APP_ID},wechat:${wx}`, ...data], dir.path);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).apps).toEqual([APP_ID, { id: wx, host: "wechat" }]);

    const updated = await cli(["brands", "update", "--id", "teahouse", "--apps", `wechat:${wx}`, "--name", "Tea House", ...data], dir.path);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: "teahouse", name: "Tea House", apps: [{ id: wx, host: "wechat" }] });

    const wrongHost = await cli(["brands", "update", "--id", "teahouse", "--apps", `wechat:${APP_ID}`, ...data], dir.path);
    expect(wrongHost.code).toBe(1);
    expect(wrongHost.stderr).toContain("validation_failed");
    expect(wrongHost.stderr).toContain("/apps/0/id");
    const bare = await cli(["brands", "update", "--id", "teahouse", "--apps", wx, ...data], dir.path);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("/apps/0");
    const listed = JSON.parse((await cli(["brands", "list", ...data], dir.path)).stdout) as { id: string; apps: unknown }[];
    expect(listed.find((brand) => brand.id === "teahouse")?.apps).toEqual([{ id: wx, host: "wechat" }]);
  });

  it("reports a validation error with its code and field, exit code 1, and changes nothing", async () => {
    const bad = await cli(["brands", "create", "--id", "x", "--name", "X", "--category", "astrology", "--apps", "123", ...data], dir.path);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("validation_failed");
    expect(bad.stderr).toContain("/category");
    expect(bad.stderr).toContain("/apps/0");
    const duplicate = await cli(["partners", "create", "--id", "weibo", "--name", "Again", "--origin", "https://x.example", ...data], dir.path);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("conflict");
    expect(countRows(dir.path, "brands")).toBe(2);
    expect(countRows(dir.path, "partners")).toBe(1);
  });

  it("adds, lists and removes a partner's origins one at a time, keeping the others", async () => {
    const origins = async (...args: string[]) => {
      const result = await cli(["partners", "origins", ...args, ...data], dir.path);
      return { ...result, list: result.code === 0 ? (JSON.parse(result.stdout) as string[]) : undefined };
    };
    expect((await origins("list", "weibo")).list).toEqual(["https://weibo.example"]);
    expect((await origins("add", "weibo", "https://m.weibo.example")).list).toEqual(["https://weibo.example", "https://m.weibo.example"]);
    // Adding one it has changes nothing; the list keeps no duplicate.
    expect((await origins("add", "weibo", "https://m.weibo.example")).list).toEqual(["https://weibo.example", "https://m.weibo.example"]);
    expect((await origins("add", "weibo", "http://localhost:3000")).list).toEqual(["https://weibo.example", "https://m.weibo.example", "http://localhost:3000"]);

    const slash = await origins("add", "weibo", "https://weibo.example/feed");
    expect(slash.code).toBe(1);
    expect(slash.stderr).toContain("validation_failed");
    expect(slash.stderr).toContain("/origin: must be a web origin: scheme, host and port only, such as https://weibo.example (did you mean https://weibo.example?)");
    const junk = await origins("add", "weibo", "weibo.example");
    expect(junk.code).toBe(1);
    expect(junk.stderr).toContain("/origin: must be a web origin");

    expect((await origins("remove", "weibo", "https://m.weibo.example")).list).toEqual(["https://weibo.example", "http://localhost:3000"]);
    const absent = await origins("remove", "weibo", "https://m.weibo.example");
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain("not_found: partner weibo has no origin https://m.weibo.example (its origins: https://weibo.example, http://localhost:3000)");
    expect((await origins("remove", "weibo", "http://localhost:3000")).list).toEqual(["https://weibo.example"]);

    const unknown = await origins("add", "nobody", "https://x.example");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("not_found: no partner nobody");
    const missing = await origins("add", "weibo");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("minicard-server partners origins add: missing ORIGIN");
    expect(missing.stderr).toContain("Usage: minicard-server partners origins add PARTNER https://weibo.example");
    expect((await origins("list", "weibo", "extra")).code).toBe(2);
    // The other commands still take no positional argument.
    expect((await cli(["partners", "list", "weibo", ...data], dir.path)).code).toBe(2);
  });

  it("suspends and reactivates a brand, rotates its API key, and sets the rollout", async () => {
    const suspended = await cli(["brands", "suspend", "--id", "cinema", ...data], dir.path);
    expect(JSON.parse(suspended.stdout).status).toBe("suspended");
    const active = await cli(["brands", "activate", "--id", "cinema", ...data], dir.path);
    expect(JSON.parse(active.stdout).status).toBe("active");
    const rotated = JSON.parse((await cli(["brands", "rotate-key", "--id", "cinema", ...data], dir.path)).stdout);
    expect(rotated.apiKey).toMatch(/^mck_/);
    expect(rotated.apiKey).not.toBe(apiKey);
    const rollout = await cli(["rollout", "set", "--category", "campus", "--opens", "2026-09-01", ...data], dir.path);
    expect(rollout.code).toBe(0);
    expect(JSON.parse((await cli(["rollout", "show", ...data], dir.path)).stdout)).toMatchObject({ campus: expect.stringMatching(/^2026-09-01/) });
    expect((await cli(["brands", "suspend", "--id", "nobody", ...data], dir.path)).stderr).toContain("not_found");
  });

  it("keys rotate makes the published next key current and keeps the old one published", async () => {
    const before = JSON.parse((await cli(["keys", "list", ...data], dir.path)).stdout);
    const kids = before.jwks.keys.map((key: { kid: string }) => key.kid);
    expect(kids).toContain(before.current);
    const next = kids.find((kid: string) => kid !== before.current);
    const rotated = await cli(["keys", "rotate", ...data], dir.path);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout).kid).toBe(next);
    const after = JSON.parse((await cli(["keys", "list", ...data], dir.path)).stdout);
    expect(after.current).toBe(next);
    expect(after.jwks.keys.map((key: { kid: string }) => key.kid)).toEqual(expect.arrayContaining([before.current, next]));
  });

  it("registers, lists and removes a partner's pass keys, and makes the partner require sharer passes", async () => {
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "weibo-passes-1" };
    const added = await cli(["partners", "add-key", "--id", "weibo", "--jwk", JSON.stringify(jwk), ...data], dir.path);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ kid: "weibo-passes-1" });
    const listed = JSON.parse((await cli(["partners", "keys", "--id", "weibo", ...data], dir.path)).stdout);
    expect(listed).toEqual([expect.objectContaining({ kid: "weibo-passes-1", kty: "EC", crv: "P-256", alg: "ES256", use: "sig" })]);
    // A private key is refused, and nothing is stored.
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const leaked = await cli(["partners", "add-key", "--id", "weibo", "--jwk", JSON.stringify(await exportJWK(privateKey)), ...data], dir.path);
    expect(leaked.code).toBe(1);
    expect(leaked.stderr).toContain("validation_failed");
    expect(JSON.parse((await cli(["partners", "keys", "--id", "weibo", ...data], dir.path)).stdout)).toHaveLength(1);
    const required = await cli(["partners", "update", "--id", "weibo", "--require-sharer-pass", "true", ...data], dir.path);
    expect(JSON.parse(required.stdout)).toMatchObject({ id: "weibo", requireSharerPass: true });
    expect((await cli(["partners", "update", "--id", "weibo", "--require-sharer-pass", "maybe", ...data], dir.path)).code).toBe(2);
    expect(JSON.parse((await cli(["partners", "update", "--id", "weibo", "--require-sharer-pass", "false", ...data], dir.path)).stdout)).toMatchObject({ requireSharerPass: false });
    const removed = await cli(["partners", "remove-key", "--id", "weibo", "--kid", "weibo-passes-1", ...data], dir.path);
    expect(removed.code).toBe(0);
    expect(JSON.parse((await cli(["partners", "keys", "--id", "weibo", ...data], dir.path)).stdout)).toEqual([]);
    expect((await cli(["partners", "remove-key", "--id", "weibo", "--kid", "weibo-passes-1", ...data], dir.path)).stderr).toContain("not_found");
  });

  it("admin-token generates the token once into the data folder, readable by its owner only", async () => {
    const first = await cli(["admin-token", ...data], dir.path);
    const second = await cli(["admin-token", ...data], dir.path);
    expect(first.stdout.trim()).toMatch(/^mca_[\w-]{32}$/);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(join(dir.path, "admin-token")).mode & 0o777).toBe(0o600);
  });
});

describe("start --demo", { timeout: 120_000 }, () => {
  const dir = tempDir();
  let first: { output: string; apiKey: string; adminToken: string; url: string; cards: number; brands: number };
  beforeAll(async () => {
    const server = await spawnServer({ dataDir: dir.path, args: ["--demo"], env: { MINICARD_ADMIN_TOKEN: "", MINICARD_LOG_LEVEL: "warn" } });
    try {
      const output = server.output();
      first = {
        output,
        url: server.url,
        apiKey: /demo brand\s+demo-cinema, API key (mck_[\w-]+)/.exec(output)?.[1] ?? "",
        adminToken: /admin token (mca_[\w-]+)/.exec(output)?.[1] ?? "",
        cards: countRows(dir.path, "cards"),
        brands: countRows(dir.path, "brands"),
      };
      // The printed key issues the README's walk-through card, with the headers the README shows;
      // the printed admin token opens the admin API.
      const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
      const walkthrough = /\*\*1\. Issue a card\*\*[\s\S]*?-d '([^']+)'[\s\S]*?#\s+(RateLimit: .+)\n/.exec(readme);
      expect(walkthrough, "README walk-through: curl -d '…' and the RateLimit line").not.toBeNull();
      const body = JSON.parse(walkthrough![1]!);
      const issued = await postCard(server.url, first.apiKey, body, { "idempotency-key": "readme-1" });
      expect(issued.status).toBe(201);
      expect(`RateLimit: ${issued.headers.get("ratelimit")}`).toBe(walkthrough![2]!.trim());
      const again = await postCard(server.url, first.apiKey, body, { "idempotency-key": "readme-2" });
      expect(again.status).toBe(429);
      expect(again.body.code).toBe("rate_limited");
      expect(readme).toContain(`\`RateLimit-Policy: ${again.headers.get("ratelimit-policy")}\``);
      const partners = await fetch(`${server.url}/v1/admin/partners`, { headers: { authorization: `Bearer ${first.adminToken}` } });
      expect(partners.status).toBe(200);
      expect((await partners.json()).partners.map((partner: { id: string }) => partner.id)).toContain("weibo-demo");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 180_000);
  afterAll(() => dir.cleanup());

  it("prints the URLs, the demo brand's API key and the admin token", () => {
    expect(first.output).toMatch(/listening\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(first.output).toMatch(/jwks\s+http:\/\/localhost:\d+\/\.well-known\/jwks\.json/);
    expect(first.output).toMatch(/demo app\s+http:\/\/localhost:\d+\/demo\//);
    expect(first.apiKey).toMatch(/^mck_[\w-]{43}$/);
    expect(first.adminToken).toMatch(/^mca_/);
    expect(first.output).toContain(`kept in ${dir.path}/admin-token`);
  });

  it("seeds a partner, six brands and a feed of live cards", () => {
    expect(first.brands).toBe(6);
    expect(first.cards).toBeGreaterThanOrEqual(220);
  });

  it("reuses the same data on a second start: same key and token, nothing seeded twice", async () => {
    const server = await spawnServer({ dataDir: dir.path, args: ["--demo"], env: { MINICARD_ADMIN_TOKEN: "", MINICARD_LOG_LEVEL: "warn" } });
    try {
      const output = server.output();
      expect(/API key (mck_[\w-]+)/.exec(output)?.[1]).toBe(first.apiKey);
      expect(/admin token (mca_[\w-]+)/.exec(output)?.[1]).toBe(first.adminToken);
      expect(countRows(dir.path, "brands")).toBe(6);
      expect(countRows(dir.path, "partners")).toBe(1);
      // The card issued after the first start is the only one added.
      expect(countRows(dir.path, "cards")).toBe(first.cards + 1);
      const issued = await postCard(server.url, first.apiKey, cardInput({ partner: "weibo-demo", surface: "dm" }));
      expect(issued.status).toBe(201);
      // demo-alice's feed hour is still used by the card of the first run.
      const again = await postCard(server.url, first.apiKey, cardInput({ partner: "weibo-demo", surface: "feed", sharer: "demo-alice" }));
      expect(again.status).toBe(429);
    } finally {
      await server.stop();
    }
  });
});
