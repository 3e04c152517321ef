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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
