#!/usr/bin/env node
// The `minicard-server` executable npm links at install time. It is committed, not built:
// npm links a workspace's bins before the root `prepare` script builds `dist/`, so a bin that
// pointed into `dist/` was never linked on a fresh clone and `npx minicard-server` went to the
// public registry instead (issue 12). This file only loads the build, and says what to run
// when there is none.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    `minicard-server: the server is not built (${fileURLToPath(entry)} is missing).\n` +
      "Run `npm run build` at the repository root (`npm install` builds too), then try again.\n",
  );
  process.exit(1);
}
await import(entry.href);
