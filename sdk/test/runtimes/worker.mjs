/**
 * Entry for workerd: a module Worker whose `fetch` runs the conformance checks
 * (conformance.mjs) and answers the report as JSON. run.mjs bundles it with the SDK, jose
 * and the corpus, loads it into Miniflare and calls it; the `LIVE` text binding names the
 * live partner server.
 */

import { runConformance } from "./conformance.mjs";

export default {
  async fetch(_request, env) {
    const lines = [];
    const live = env.LIVE ? JSON.parse(env.LIVE) : undefined;
    const report = await runConformance({ runtime: `workerd (${navigator.userAgent})`, live, log: (line) => lines.push(line) });
    return Response.json({ ...report, lines });
  },
};
