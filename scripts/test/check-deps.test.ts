/**
 * scripts/check-deps.mjs refuses what it is there to refuse: it runs against a copy of this
 * checkout's sources, clean and then with bad imports planted.
 */

import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const script = join(repo, "scripts/check-deps.mjs");
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "minicard-check-deps-"));
  for (const folder of ["sdk/src", "embed-widget/src", "partner-server/src", "test-corpus", "e2e/tests", "e2e/support"]) {
    cpSync(join(repo, folder), join(copy, folder), { recursive: true });
  }
  for (const folder of ["sdk", "embed-widget", "partner-server"]) cpSync(join(repo, folder, "package.json"), join(copy, folder, "package.json"));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function check(): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [script, copy], { encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

function plant(path: string, text: string): void {
  mkdirSync(dirname(join(copy, path)), { recursive: true });
  writeFileSync(join(copy, path), text);
}

describe("check-deps", () => {
  it("passes this checkout's sources, then refuses each planted bad import", () => {
    expect(check()).toEqual({ status: 0, output: "dependency rules: ok\n" });

    plant("e2e/tests/planted-fixture.spec.ts", 'import { forgeTokens } from "../../sdk/test/helpers.js";\n');
    plant("e2e/tests/planted-src.spec.ts", 'import { verifyCard } from "@minicard/sdk/src/index.js";\n');
    plant("e2e/tests/planted-corpus.spec.ts", 'import { INVISIBLE } from "../../test-corpus/text.js";\nimport { verifyCard } from "@minicard/sdk";\n');
    plant("embed-widget/src/planted.ts", 'import { jwtVerify } from "jose";\nimport { readFileSync } from "node:fs";\n');
    plant("partner-server/src/planted.ts", 'import { render } from "@minicard/widget";\nconst sheet = require("../../embed-widget/src/sheet.js");\n');

    const { status, output } = check();
    expect(status).toBe(1);
    const lines = output.split("\n").filter((line) => line.includes("planted"));
    expect(lines).toEqual([
      "  embed-widget/src/planted.ts: imports jose, not allowed in embed-widget",
      "  embed-widget/src/planted.ts: imports the Node built-in node:fs (this package must run in browsers)",
      "  partner-server/src/planted.ts: imports @minicard/widget, not allowed in partner-server",
      "  partner-server/src/planted.ts: reaches into another package (../../embed-widget/src/sheet.js)",
      "  e2e/tests/planted-fixture.spec.ts: imports ../../sdk/test/helpers.js; use the package's public entry point (or test-corpus/ for shared corpora)",
      "  e2e/tests/planted-src.spec.ts: imports @minicard/sdk/src/index.js; use the package's public entry point",
    ]);
  });

  it("refuses an allowed package that nothing imports", () => {
    rmSync(join(copy, "embed-widget/src"), { recursive: true });
    mkdirSync(join(copy, "embed-widget/src"));
    const { status, output } = check();
    expect(status).toBe(1);
    expect(output).toContain("embed-widget/src: allows uqr, which nothing there uses");
  });
});
