/**
 * The settings table in `config.ts` (`ENV`) is the one list of environment variables:
 * `minicard-server --help` is generated from it, and the README's configuration table
 * must not miss or invent one.
 */

import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";
import { ENV, type Setting } from "../src/config.js";

const settings = Object.entries(ENV) as [string, Setting][];

async function help(): Promise<string> {
  const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    expect(await main(["--help"])).toBe(0);
    return write.mock.calls.map(([chunk]) => String(chunk)).join("");
  } finally {
    write.mockRestore();
  }
}

describe("the environment variables", () => {
  it("--help lists every variable of the table with its meaning and default", async () => {
    const text = await help();
    for (const [variable, setting] of settings) {
      const line = text.split("\n").find((candidate) => candidate.trimStart().startsWith(`${variable} `));
      expect(line, variable).toBeDefined();
      expect(line).toContain(setting.meaning);
      if (setting.default !== undefined) expect(line).toContain(`(default ${setting.default})`);
    }
  });

  it("the README's configuration table lists the table's variables, and only those", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const listed = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]!));
    for (const [variable] of settings) expect(listed, variable).toContain(variable);
    for (const variable of listed) expect(Object.keys(ENV), variable).toContain(variable);
  });
});
