// Group commit (store/batch.ts): writes of one event-loop turn share a batch, the next batch
// forms while one is written, one batch is written at a time, no write is acknowledged before
// its batch has committed, and a bad write fails alone.

import { describe, expect, it } from "vitest";
import { createBatcher } from "../../src/store/batch.js";

/** A write that takes `ms` and records what it was given and how many writes overlapped. */
function slowWrite(ms: number, fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const committed = new Set<number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (items: number[]) => {
    batches.push(items);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, ms));
    inFlight -= 1;
    if (items.some(fail)) throw new Error(`bad ${items.filter(fail).join(",")}`);
    for (const item of items) committed.add(item);
  };
  return { write, batches, committed, maxInFlight: () => maxInFlight };
}

describe("createBatcher", () => {
  it("writes the items of one turn in one batch, and those that arrive meanwhile in the next", async () => {
    const log = slowWrite(20);
    const add = createBatcher(log.write);
    const first = [1, 2, 3].map(add);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = [4, 5].map(add);
    const early: number[] = [];
    await Promise.all([...first, ...second].map((write, i) => write.then(() => void (log.committed.has(i + 1) || early.push(i + 1)))));
    expect(log.batches).toEqual([[1, 2, 3], [4, 5]]);
    expect(log.maxInFlight()).toBe(1);
    expect(early).toEqual([]);
  });

  it("cuts batches at maxBatch", async () => {
    const log = slowWrite(1);
    const add = createBatcher(log.write, 2);
    await Promise.all([1, 2, 3, 4, 5].map(add));
    expect(log.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("retries a failed batch item by item, so one bad write fails alone", async () => {
    const log = slowWrite(1, (item) => item === 2);
    const add = createBatcher(log.write);
    const results = await Promise.allSettled([1, 2, 3].map(add));
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
