/**
 * The README's "Five minutes with Minicard" as a reader runs it, against `npm start`'s demo
 * (the built CLI with `--demo`, on a free port: `localhost:8787` in the snippets becomes that
 * port): step 1's curl in bash, step 2's `issue.mjs` in Node with step 4's revocation appended,
 * and step 3's embed naming each card with the surface it was issued for.
 */

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, tempDir, type SpawnedServer } from "./support/server.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const walkthrough = readme.split(/^## Five minutes with Minicard$/m)[1]?.split(/^## /m)[0] ?? "";

/** The fenced block of `language` in the walk-through step whose bold title starts with `step.`. */
function block(step: number, language: string): string {
  const section = walkthrough.split(`**${step}. `)[1]?.split(/\n\*\*\d\. /)[0] ?? "";
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(section);
  if (!match) throw new Error(`README step ${step} has no \`\`\`${language} block`);
  return match[1]!;
}

/** Runs a program; answers its exit code and output (it never rejects). */
function run(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const hasCurl = ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"].some((path) => existsSync(path));
// Inside the repository (so `@minicard/sdk` resolves as it does at its root), in a git-ignored folder.
const scratch = fileURLToPath(new URL(`../.tmp/readme-${process.pid}/`, import.meta.url));

describe("README: five minutes with Minicard", { timeout: 120_000 }, () => {
  const dir = tempDir();
  let server: SpawnedServer;
  let key: string;
  let env: NodeJS.ProcessEnv;
  const local = (text: string) => text.replaceAll("http://localhost:8787", `http://localhost:${server.port}`);

  beforeAll(async () => {
    server = await spawnServer({ dataDir: dir.path, args: ["--demo"], env: { MINICARD_ADMIN_TOKEN: "" } });
    key = /demo brand\s+demo-cinema, API key (mck_[\w-]+)/.exec(server.output())?.[1] ?? "";
    expect(key).toMatch(/^mck_/);
    env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MINICARD_"))), KEY: key };
    mkdirSync(scratch, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
    dir.cleanup();
  });

  it.skipIf(!hasCurl)("step 1: the curl command issues the feed card it shows", async () => {
    const { code, stdout, stderr } = await run("bash", ["-euo", "pipefail", "-c", local(block(1, "sh"))], { cwd: scratch, env });
    expect(code, stderr).toBe(0);
    const issued = JSON.parse(stdout) as { id: string; token: string; url: string; expiresAt: string };
    expect(issued).toMatchObject({ id: expect.stringMatching(/^01/), token: expect.stringMatching(/^eyJ/) });
    expect(issued.url).toBe(`http://localhost:${server.port}/c/${issued.id}`);
  });

  it("step 2 runs as issue.mjs, prints the id, the verified card and the deep link; step 4 revokes it", async () => {
    const snippet = block(2, "js");
    const revoke = /\*\*4\. Withdraw it\*\*: `([^`]+)`/.exec(walkthrough)?.[1];
    expect(revoke, "step 4 names the call that revokes").toBe("await brand.revokeCard(id)");
    const file = join(scratch, "issue.mjs");
    writeFileSync(file, `${local(snippet)}\n${revoke};\nconsole.log("revoked", id);\n`);
    const { code, stdout, stderr } = await run(process.execPath, [file], { cwd: scratch, env });
    expect(code, stderr).toBe(0);

    const id = /^issued (\S+) (\S+)$/m.exec(stdout);
    expect(id, stdout).not.toBeNull();
    expect(id![2]).toBe(`http://localhost:${server.port}/c/${id![1]}`);
    expect(stdout).toMatch(/^verified Tonight at 19:30 until \d{4}-\d\d-\d\dT/m);
    // The scheme is exactly the one the README shows; the web link starts as shown.
    const shownScheme = /^\/\/ scheme (\S+)$/m.exec(snippet)?.[1];
    expect(stdout).toContain(`scheme ${shownScheme}\n`);
    const shownWeb = /^\/\/ web +(\S+)…$/m.exec(snippet)?.[1];
    expect(/^web +(\S+)$/m.exec(stdout)?.[1]).toMatch(new RegExp(`^${shownWeb!.replace(/[.?*+^$()[\]{}|\\]/g, "\\$&")}`));
    expect(stdout).toContain(`revoked ${id![1]}`);

    const card = await fetch(`${server.url}/v1/cards/${id![1]}`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await card.json()) as { state: string }).state).toBe("revoked");
  });

  it("step 2 without KEY stops at once and says the API key is missing", async () => {
    const file = join(scratch, "no-key.mjs");
    writeFileSync(file, local(block(2, "js")));
    const { KEY: _unset, ...withoutKey } = env;
    const { code, stderr } = await run(process.execPath, [file], { cwd: scratch, env: withoutKey });
    expect(code).not.toBe(0);
    expect(stderr).toContain("MinicardError");
    expect(stderr).toContain("the API key is missing (undefined)");
  });

  it("step 3 embeds each card with the surface it was issued for", () => {
    const step1 = JSON.parse(/-d '([^']+)'/.exec(block(1, "sh"))![1]!) as { surface: string };
    const step2 = /surface: "(\w+)"/.exec(block(2, "js"))![1];
    const embed = block(3, "html");
    expect(/<mini-program-card token="[^"]*" surface="(\w+)"/.exec(embed)?.[1]).toBe(step2);
    expect(/<mini-program-card src="[^"]*\/c\/[^"]*" surface="(\w+)"/.exec(embed)?.[1]).toBe(step1.surface);
  });
});
