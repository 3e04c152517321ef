import { availableParallelism } from "node:os";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Unit and integration tests of every package. The "source" export condition makes
// workspace imports (`@minicard/sdk`) resolve to TypeScript sources, so a test never runs
// against a stale build (vitest runs tests server-side, hence `ssr.resolve`); integration
// tests that spawn the server use the built CLI.
export default defineConfig({
  resolve: { conditions: ["source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  test: {
    include: ["sdk/test/**/*.test.ts", "partner-server/test/**/*.test.ts", "embed-widget/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    // Removes the temporary folders each test file made, once the file has finished.
    setupFiles: ["partner-server/test/support/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two test files at a time at least. Vitest's default is one fewer than the cores, which is
    // one on a 2-core CI machine, and most files wait on I/O (spawned servers, fsyncs,
    // PostgreSQL, Redis, a 60 s key rotation), so a second file fills that time: the suite took
    // 218 s instead of 326 s there. Files do not share state: each test gets its own database,
    // Redis key prefix, data folder and ports (test/support/services.ts).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
