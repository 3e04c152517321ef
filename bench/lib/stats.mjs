// Summaries of repeated measurements.

/** min/median/max of numbers. */
export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], runs: sorted };
}

/**
 * The server's CPU per request (`repeatLoad` with a pid), median over runs, for a figure and
 * its ceiling: `{ cpuUsPerRequest: { main, other, machine, machineIdle }, ceilingCpuUsPerRequest:
 * … }` (`machine`: the whole machine's CPU per request, every process included; `machineIdle`:
 * the share of the machine left idle meanwhile).
 * It tells whether a ratio is bound by work the server does or by something it waits for.
 */
export function cpuPerRequest(runs, ceilingRuns) {
  const summary = (list) => {
    const measured = list.filter((run) => run.cpu);
    if (measured.length === 0) return undefined;
    const machine = measured.filter((run) => run.cpu.machineUs !== undefined);
    return {
      main: Math.round(stats(measured.map((run) => run.cpu.mainUs)).median),
      other: Math.round(stats(measured.map((run) => run.cpu.otherUs)).median),
      ...(machine.length > 0
        ? {
            machine: Math.round(stats(machine.map((run) => run.cpu.machineUs)).median),
            machineIdle: Math.round(stats(machine.map((run) => run.cpu.machineIdle)).median * 100) / 100,
          }
        : {}),
    };
  };
  return { cpuUsPerRequest: summary(runs), ceilingCpuUsPerRequest: summary(ceilingRuns) };
}

/**
 * `items` in the order for round `round` of an interleaved comparison: rotated by one each
 * round, so each configuration runs first (and last) as often as the others. A fixed order
 * biased our comparisons: whichever page Chromium visited first in each round read slower.
 */
export function rotated(items, round) {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
