// The demo API: the partner's backend (cards its users posted) and the demo brand's backend
// (which holds the brand's API key and shares on its behalf). See partner-server/src/routes/demo.ts.

/** Live cards of the demo partner: { issuer, partner, cards: [{ id, token, surface, sharer, url, issuedAt }] }. */
export async function fetchCards(surface, limit = 1000) {
  const response = await fetch(`/demo/api/cards?surface=${encodeURIComponent(surface)}&limit=${limit}`);
  if (!response.ok) throw new Error(`the demo API answered ${response.status}`);
  return response.json();
}

/** Shares a card as the demo brand: { ok, status, body, retryAfter }. */
export async function share(input) {
  const response = await fetch("/demo/api/share", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  const body = await response.json().catch(() => ({}));
  const retryAfter = response.headers.get("retry-after");
  return { ok: response.ok, status: response.status, body, retryAfter: retryAfter === null ? undefined : Number(retryAfter) };
}

/** The demo brand's cards: { brand, cards: [...] }. */
export async function brandCards() {
  const response = await fetch("/demo/api/brand/cards");
  if (!response.ok) throw new Error(`the demo API answered ${response.status}`);
  return response.json();
}

/**
 * A refused request, with what the server's problem+json said: `status`, `code` (for
 * example `not_found`), `title` and `detail`.
 */
export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
  }
}

/** Revokes one of the demo brand's cards; throws an {@link ApiError} when refused (already gone, server error, …). */
export async function revoke(id) {
  const response = await fetch(`/demo/api/brand/cards/${encodeURIComponent(id)}`, { method: "DELETE" });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
}

/** "撤回失败：<detail>（not_found · HTTP 404）": what a refused revocation tells the user. */
export function describeError(error, what = "操作失败") {
  if (error instanceof ApiError) {
    const code = [error.code, `HTTP ${error.status}`].filter(Boolean).join(" · ");
    return `${what}：${error.detail ?? error.title ?? "服务器拒绝了请求"}（${code}）`;
  }
  return `${what}：${error?.message ?? String(error)}（网络错误）`;
}

/** The demo brand's stats and traffic-exchange ledger (what brand.stats() answers). */
export async function brandStats(range = {}) {
  const query = new URLSearchParams(range);
  const response = await fetch(`/demo/api/brand/stats?${query}`);
  if (!response.ok) throw new Error(`the demo API answered ${response.status}`);
  return response.json();
}

/**
 * Signs the reader in, as a partner's app does: its backend mints a viewer pass for the
 * signed-in reader and the page hands it to the widget with one meta tag, read whenever
 * beacons are sent. Without it the reader's visits are counted as unverified, never credited.
 */
export async function signIn() {
  try {
    const response = await fetch("/demo/api/session", { credentials: "same-origin" });
    if (!response.ok) throw new Error(`the demo API answered ${response.status}`);
    const { viewer } = await response.json();
    let meta = document.querySelector('meta[name="minicard-viewer"]');
    if (!meta) {
      meta = document.createElement("meta");
      meta.name = "minicard-viewer";
      document.head.append(meta);
    }
    meta.content = viewer;
  } catch (error) {
    console.warn("[demo] signed out: visits will count as unverified", error);
  }
}
