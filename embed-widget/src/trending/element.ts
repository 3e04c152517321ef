/**
 * @module trending/element — `<mini-program-trending>`, the hot-list module, built as its own
 * lazily loaded file (`/widget/trending.<hash>.js`) so it costs embed.js nothing but a stub.
 *
 *     <mini-program-trending partner="weibo" surface="feed" limit="5"></mini-program-trending>
 *
 * Attributes: `partner` (required), `surface`, `limit` (1–50, default 5), `issuer` (default:
 * where embed.js came from), `lang` (`zh-CN` | `en`), `viewer` (a viewer pass, copied onto each
 * card). It fetches `GET /v1/trending` and renders each entry as a `<mini-program-card>` marked
 * `data-slot="trending"` and `data-placement="<the entry's placement>"`, so the card verifies
 * its own token and its impressions count as platform-distributed exposure (`slot: trending`,
 * with the placement the server handed out for that entry).
 * Built with DOM APIs only (no HTML strings); styled by a constructable stylesheet, so it
 * works under a strict CSP. Events: `minicard:trending` (`detail: { count }`) once rendered,
 * `minicard:error` (`detail.code`: `network`) when the list cannot be read.
 */

interface TrendingCard {
  id: string;
  token: string;
  surface: string;
  /** Opaque: which hot-list slot the entry was shown in; the card's beacons send it back. */
  placement?: string;
}

/** What a placement may be; anything else is left off the card (the server would refuse it). */
const PLACEMENT = /^[A-Za-z0-9._-]{1,200}$/;

const TEXT = {
  en: { title: "Trending", empty: "Nothing is trending yet." },
  "zh-CN": { title: "热门", empty: "暂无热门卡片" },
} as const;

const CSS = `:host{display:block;font:14px/1.45 var(--minicard-font,system-ui,sans-serif)}
h2{font-size:16px;margin:0 0 8px}
ol{list-style:none;margin:0;padding:0;display:grid;gap:12px}
li{display:flex;gap:8px;align-items:flex-start}
.rank{flex:none;min-width:1.5em;font-weight:700;color:var(--minicard-accent,#1677ff)}
mini-program-card{flex:1;min-width:0}
p{margin:0;color:var(--minicard-muted,#6b6b70)}`;

let sheet: CSSStyleSheet | undefined;

function language(host: HTMLElement): keyof typeof TEXT {
  const lang = host.getAttribute("lang") ?? host.closest("[lang]")?.getAttribute("lang") ?? "";
  return lang.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** Renders the hot list into `host`'s shadow root; `issuer` is embed.js's origin. */
export function mountTrending(host: HTMLElement, issuer: string | undefined): void {
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  root.adoptedStyleSheets = [sheet];
  const text = TEXT[language(host)];
  const base = host.getAttribute("issuer") ?? issuer;
  const partner = host.getAttribute("partner");
  const viewer = host.getAttribute("viewer");
  const fail = (message: string) => host.dispatchEvent(new CustomEvent("minicard:error", { detail: { code: "network", message } }));
  if (!base || !partner) return void fail("partner and issuer are required");
  let url: URL;
  try {
    url = new URL("/v1/trending", base);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("bad issuer");
  } catch {
    return void fail("issuer is not a URL");
  }
  url.searchParams.set("partner", partner);
  const surface = host.getAttribute("surface");
  if (surface) url.searchParams.set("surface", surface);
  const limit = Number(host.getAttribute("limit") ?? 5);
  url.searchParams.set("limit", String(Number.isInteger(limit) && limit >= 1 && limit <= 50 ? limit : 5));

  fetch(url, { credentials: "omit" })
    .then((response) => (response.ok ? (response.json() as Promise<{ cards: TrendingCard[] }>) : Promise.reject(new Error(`HTTP ${response.status}`))))
    .then(({ cards }) => {
      const section = document.createElement("section");
      const heading = document.createElement("h2");
      heading.id = "trending-title";
      heading.textContent = text.title;
      section.setAttribute("aria-labelledby", heading.id);
      section.append(heading);
      if (cards.length === 0) {
        const empty = document.createElement("p");
        empty.textContent = text.empty;
        section.append(empty);
      } else {
        const list = document.createElement("ol");
        cards.forEach((entry, index) => {
          const item = document.createElement("li");
          const rank = document.createElement("span");
          rank.className = "rank";
          rank.setAttribute("aria-hidden", "true");
          rank.textContent = String(index + 1);
          const card = document.createElement("mini-program-card");
          card.setAttribute("token", entry.token);
          card.setAttribute("surface", entry.surface);
          card.setAttribute("partner", partner);
          card.setAttribute("issuer", base);
          card.setAttribute("data-slot", "trending");
          if (typeof entry.placement === "string" && PLACEMENT.test(entry.placement)) card.setAttribute("data-placement", entry.placement);
          // The card's own attribute: its beacons carry it even where the page has another pass.
          if (viewer) card.setAttribute("viewer", viewer);
          card.dataset.card = entry.id;
          item.append(rank, card);
          list.append(item);
        });
        section.append(list);
      }
      root.replaceChildren(section);
      host.dispatchEvent(new CustomEvent("minicard:trending", { detail: { count: cards.length } }));
    })
    .catch((error: unknown) => fail((error as Error).message));
}
