// Test support (support/temp.ts): the folders tempDir() makes are removed when their test file
// ends (setup.ts runs removeTempDirs then), with what the servers wrote into them; cleanup()
// removes one at once.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "./support/temp.js";

describe("tempDir", () => {
  it("removes each folder it made, with its files, once: cleanup() at once, removeTempDirs() the rest", () => {
    const kept = tempDir();
    const cleaned = tempDir();
    writeFileSync(join(kept.path, "minicard.db"), "not empty");
    cleaned.cleanup();
    expect(existsSync(cleaned.path)).toBe(false);
    expect(existsSync(kept.path)).toBe(true);
    removeTempDirs();
    expect(existsSync(kept.path)).toBe(false);
    removeTempDirs(); // nothing left to remove: no error
  });
});
