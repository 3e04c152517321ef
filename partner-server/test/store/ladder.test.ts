import { describe, expect, it } from "vitest";
import { ladderChunks } from "../../src/store/sql/context.js";

describe("ladderChunks", () => {
  it("keeps every item once, in order, in runs of the ladder's lengths only", () => {
    for (const n of [0, 1, 3, 4, 5, 17, 50, 999, 1024, 1025, 2500, 5000]) {
      const items = Array.from({ length: n }, (_, i) => i);
      const runs = ladderChunks(items);
      expect(runs.flat()).toEqual(items);
      for (const run of runs) expect([1024, 256, 64, 16, 4, 1]).toContain(run.length);
      // Largest first, and at most three runs of each length below the largest.
      const lengths = runs.map((run) => run.length);
      expect([...lengths].sort((a, b) => b - a)).toEqual(lengths);
      for (const size of [256, 64, 16, 4, 1]) expect(lengths.filter((length) => length === size).length).toBeLessThanOrEqual(3);
    }
  });

  it("serves every batch size from 1 to 3,000 with six statement lengths", () => {
    const lengths = new Set<number>();
    for (let n = 1; n <= 3000; n++) for (const run of ladderChunks(Array.from({ length: n }))) lengths.add(run.length);
    expect([...lengths].sort((a, b) => a - b)).toEqual([1, 4, 16, 64, 256, 1024]);
  });
});
