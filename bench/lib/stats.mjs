// Summaries of repeated measurements.

/** min/median/max of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], runs: sorted };
}
