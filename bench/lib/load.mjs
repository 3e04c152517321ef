#!/usr/bin/env node
// The load generator: a separate process, so the server under test and the load never share
// an event loop. Reads one JSON job from argv[2], runs autocannon, prints one JSON result line.
//
// Job: { urls: string[], path, method, headers, body, connections, durationSeconds, bodies?: "events" }
// `bodies: "events"` makes every request a fresh batch of 50 events over `cards` (random visitors).

import autocannon from "autocannon";

const job = JSON.parse(process.argv[2]);
let counter = 0;
const visitor = () => `v_${process.pid}_${(counter++).toString(36)}`;

function eventsBody() {
  const events = [];
  for (let i = 0; i < 50; i += 1) {
    events.push({ type: i % 10 === 0 ? "click" : "impression", card: job.cards[i % job.cards.length], visitor: visitor() });
  }
  return JSON.stringify({ events });
}

const result = await autocannon({
  url: job.urls.length === 1 ? job.urls[0] : job.urls,
  connections: job.connections,
  duration: job.durationSeconds,
  requests: [
    {
      method: job.method,
      path: job.path,
      headers: job.headers,
      ...(job.bodies === "events" ? { setupRequest: (request) => ({ ...request, body: eventsBody() }) } : { body: job.body }),
    },
  ],
});

const ok = result["2xx"];
console.log(
  JSON.stringify({
    perSecond: ok / (result.duration || job.durationSeconds),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // The whole distribution (mean and percentiles, ms): `issuance-durable.mjs` reads its shape.
    latency: result.latency,
  }),
);
