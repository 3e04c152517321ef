/**
 * Temporary folders for tests. Each folder {@link tempDir} makes is removed when its test file
 * has finished (`setup.ts` runs {@link removeTempDirs} after the file's own `afterAll` hooks,
 * so its servers have stopped by then), or earlier by its own `cleanup()`. A test may stop a
 * server and start another on the same folder: nothing is removed before the file ends.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The folders made in this test file and not yet removed. */
const made = new Set<string>();

/** A fresh temporary folder, removed by `cleanup()`, or else when its test file ends. */
export function tempDir(prefix = "minicard-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  made.add(path);
  return {
    path,
    cleanup: () => {
      rmSync(path, { recursive: true, force: true });
      made.delete(path);
    },
  };
}

/** Removes every folder {@link tempDir} made that is still there. */
export function removeTempDirs(): void {
  for (const path of made) rmSync(path, { recursive: true, force: true });
  made.clear();
}
