// The limiter bench's load, shared by `benchmarks/limiter.mjs` and
// `probes/limiter-redis-cpu.mjs`: the windows of one decision, and decisions driven with a
// fixed number in flight.

/**
 * The three windows of decision `i`, all or nothing: one of 1000 sharers, one of 10 brands,
 * and the one partner, each `windowSeconds` long and never full.
 */
export const limiterChecks = (i, windowSeconds = 3600) => [
  { key: `bench|sharer|dm|${windowSeconds}|s${i % 1000}`, name: "dm-sharer", max: 1_000_000_000, windowSeconds },
  { key: `bench|brand|*|${windowSeconds}|b${i % 10}`, name: "brand", max: 1_000_000_000, windowSeconds },
  { key: `bench|partner|*|${windowSeconds}|bench`, name: "partner", max: 1_000_000_000, windowSeconds },
];

/** Runs `operation(0 … count − 1)`, `inFlight` at a time; resolves to the seconds it took. */
export async function runInFlight(count, inFlight, operation) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await operation(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}
