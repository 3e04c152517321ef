// The status poller: the first pass's cards are asked about together, a quarter second after
// they render and past the HTTP cache; then each card once per interval. Also the page's
// once-per-cause warnings, and share links, which the status file resolves.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StatusWatch } from "../src/status.js";

const ID = (n: number) => `01JD${String(n).padStart(22, "0")}`;

/** A fetch that answers every status request with `states` and records what was asked. */
function statusFetch(states: Record<string, string> = {}) {
  const asked: Array<{ url: URL; cache: RequestCache | undefined; credentials: RequestCredentials | undefined }> = [];
  const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    asked.push({ url, cache: init?.cache, credentials: init?.credentials });
    const ids = url.searchParams.get("ids")!.split(",");
    return Response.json(Object.fromEntries(ids.map((id) => [id, states[id] ?? "active"])));
  });
  return { fetcher: fetcher as unknown as typeof fetch, asked };
}

beforeEach(() => {
  vi.stubGlobal("document", { visibilityState: "visible", baseURI: "https://partner.example/feed" });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("checkStatus", () => {
  const watch = (n: number, issuer = "https://cards.example", checkedAt = 0): StatusWatch & { gone: string[] } => {
    const gone: string[] = [];
    return { issuer, id: ID(n), near: true, checkedAt, gone, onGone: (state) => gone.push(state) };
  };

  it("asks each issuer once for its cards, past the HTTP cache the first time, and tells the revoked and expired ones", async () => {
    const { checkStatus } = await import("../src/status/check.js");
    const watches = new Set([watch(1), watch(2), watch(3), watch(4, "https://other.example")]);
    const { fetcher, asked } = statusFetch({ [ID(2)]: "revoked", [ID(3)]: "expired" });
    await checkStatus(watches, 60_000, fetcher);
    expect(asked.map(({ url }) => `${url.origin} ${url.searchParams.get("ids")}`).sort()).toEqual([
      `https://cards.example ${ID(1)},${ID(2)},${ID(3)}`,
      `https://other.example ${ID(4)}`,
    ]);
    expect(asked.every(({ cache, credentials }) => cache === "no-store" && credentials === "omit")).toBe(true);
    expect([...watches].map((entry) => (entry as ReturnType<typeof watch>).gone)).toEqual([[], ["revoked"], ["expired"], []]);

    // Checked: not again within the interval; then again, from the HTTP cache when it allows.
    await checkStatus(watches, 60_000, fetcher);
    expect(asked).toHaveLength(2);
    for (const entry of watches) entry.checkedAt -= 60_000;
    await checkStatus(watches, 60_000, fetcher);
    expect(asked.slice(2).map(({ cache }) => cache)).toEqual(["default", "default"]);
  });

  it("asks about at most 100 ids a request, and skips cards far from the viewport and hidden pages", async () => {
    const { checkStatus } = await import("../src/status/check.js");
    const watches = new Set(Array.from({ length: 230 }, (_, i) => watch(i)));
    [...watches][229]!.near = false;
    const { fetcher, asked } = statusFetch();
    await checkStatus(watches, 60_000, fetcher);
    expect(asked.map(({ url }) => url.searchParams.get("ids")!.split(",").length)).toEqual([100, 100, 29]);

    vi.stubGlobal("document", { visibilityState: "hidden" });
    for (const entry of watches) entry.checkedAt = 0;
    await checkStatus(watches, 60_000, fetcher);
    expect(asked).toHaveLength(3);
  });
});

describe("watchStatus", () => {
  it("checks the cards of the first pass together a quarter second after the first renders, then once per interval", async () => {
    vi.useFakeTimers();
    const { fetcher, asked } = statusFetch({ [ID(2)]: "revoked" });
    vi.stubGlobal("fetch", fetcher);
    const { config } = await import("../src/config.js");
    const { watchStatus } = await import("../src/status.js");
    config.loadStatus = () => import("../src/status/check.js");
    const gone: string[] = [];
    const watchCard = (n: number) => watchStatus({ issuer: "https://cards.example", id: ID(n), near: true, onGone: (state) => gone.push(`${n} ${state}`) });

    watchCard(1);
    await vi.advanceTimersByTimeAsync(100);
    watchCard(2);
    watchCard(3);
    expect(asked).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(asked.map(({ url }) => url.searchParams.get("ids"))).toEqual([`${ID(1)},${ID(2)},${ID(3)}`]);
    expect(asked[0]!.cache).toBe("no-store");
    expect(gone).toEqual(["2 revoked"]);

    // A card rendered later waits for the poll, which asks about every card due.
    watchCard(4);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(asked).toHaveLength(2);
    expect(asked[1]!.url.searchParams.get("ids")).toBe(`${ID(1)},${ID(2)},${ID(3)},${ID(4)}`);
  });
});

describe("warnOnce", () => {
  it("logs a cause the first time it happens on the page, with the [minicard] prefix", async () => {
    const logged = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { warnOnce } = await import("../src/config.js");
    warnOnce("wrong_audience", "card unavailable: wrong_audience: a card for another partner");
    warnOnce("wrong_audience", "card unavailable: wrong_audience: a card for another partner");
    warnOnce("expired", "card unavailable: expired: the card has expired");
    expect(logged.mock.calls).toEqual([["[minicard] card unavailable: wrong_audience: a card for another partner"], ["[minicard] card unavailable: expired: the card has expired"]]);
    logged.mockRestore();
  });
});

describe("resolveShareLink", () => {
  const issuer = new URL("https://cards.example");
  const answer = (status: number, body: object) => vi.fn(async () => Response.json(body, { status })) as unknown as typeof fetch;

  it("follows only the issuer's share links, and reads 410 and 404 as the card's state", async () => {
    const { resolveShareLink } = await import("../src/status/share-link.js");
    const link = `https://cards.example/c/${ID(1)}`;
    expect(await resolveShareLink(link, issuer, answer(200, { token: "a.b.c" }))).toBe("a.b.c");
    const code = (promise: Promise<unknown>) => promise.then(() => "resolved", (error: { code: string }) => error.code);
    expect(await code(resolveShareLink(`https://elsewhere.example/c/${ID(1)}`, issuer, answer(200, { token: "a.b.c" })))).toBe("wrong_issuer");
    expect(await code(resolveShareLink("https://cards.example/v1/admin/partners", issuer, answer(200, { token: "a.b.c" })))).toBe("wrong_issuer");
    expect(await code(resolveShareLink(link, issuer, answer(410, { state: "revoked" })))).toBe("revoked");
    expect(await code(resolveShareLink(link, issuer, answer(410, { state: "expired" })))).toBe("expired");
    expect(await code(resolveShareLink(link, issuer, answer(404, {})))).toBe("not_found");
    expect(await code(resolveShareLink(link, issuer, answer(503, {})))).toBe("issuer_unreachable");
  });
});
