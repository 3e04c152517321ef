// The impression de-duplication key: equal within a clock minute for the same card, viewer and
// slot, different across any of them, and sorted by time (the unique index appends new keys
// at its end instead of at a random page; docs/scale.md has the figures).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEDUP_WINDOW_MS, dedupKey } from "../../src/domain/counting.js";

const T = Date.UTC(2026, 11, 5, 8, 0, 0);

describe("dedupKey", () => {
  it("is the same within a clock minute and differs across minutes, cards, viewers and slots", () => {
    expect(dedupKey("card1", "v=alice", "organic", T + 1_000)).toBe(dedupKey("card1", "v=alice", "organic", T + 59_999));
    const base = dedupKey("card1", "v=alice", "organic", T);
    expect(dedupKey("card1", "v=alice", "organic", T + DEDUP_WINDOW_MS)).not.toBe(base);
    expect(dedupKey("card2", "v=alice", "organic", T)).not.toBe(base);
    expect(dedupKey("card1", "v=bob", "organic", T)).not.toBe(base);
    expect(dedupKey("card1", "v=alice", "trending", T)).not.toBe(base);
  });

  it("sorts by minute before anything else, whatever the card and viewer", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_.:=-]{1,40}$/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 24 * 60 }), fc.integer({ min: 1, max: 1000 }), id, id, id, id, (minute, later, cardA, cardB, whoA, whoB) => {
        const at = T + minute * DEDUP_WINDOW_MS;
        const earlier = dedupKey(cardA, whoA, "trending", at);
        const next = dedupKey(cardB, whoB, "organic", at + later * DEDUP_WINDOW_MS);
        expect(earlier < next).toBe(true);
      }),
    );
  });
});
