/**
 * The language of the server's HTML pages (`/c/:id`, `/e/:id`, their 404 and 410 pages) and
 * every string of their chrome, in zh-CN and en: one typed table, {@link PAGE_MESSAGES}.
 *
 * A page speaks the card's language when the card's own text tells it ({@link cardLang}),
 * else the reader's `Accept-Language` ({@link acceptLanguage}), else {@link DEFAULT_LANG}.
 * Card text itself is never translated; only the words around it.
 */

import type { Card } from "@minicard/sdk";

/** The languages the pages speak. */
export const PAGE_LANGS = ["zh-CN", "en"] as const;

/** One of {@link PAGE_LANGS}. */
export type PageLang = (typeof PAGE_LANGS)[number];

/**
 * The language of a page when neither the card nor `Accept-Language` decides: zh-CN, the
 * language of the host apps' readers and the widget's own default (`pickLang`).
 */
export const DEFAULT_LANG: PageLang = "zh-CN";

/** The host's name as readers know it, by host id; a host missing here reads as its profile's `name`. */
const HOST_NAMES: Record<PageLang, Readonly<Record<string, string>>> = {
  "zh-CN": { alipay: "支付宝", wechat: "微信" },
  en: { alipay: "Alipay", wechat: "WeChat" },
};

/** Every string of the pages' chrome in one language. `host` is the host app's name in that language. */
export interface PageMessages {
  /** Open Graph's `og:locale`. */
  ogLocale: string;
  /** The button of an app card without its own `cta`. */
  openIn(host: string): string;
  /** The button of a product card without its own `cta`. */
  buyIn(host: string): string;
  /** The button of a membership card without its own `cta`. */
  joinNow: string;
  /** The link to the web fallback. */
  openOnWeb: string;
  /** The membership offer after the benefit. */
  membershipTerms(trialDays: number): string;
  /** The accessible name of the desktop QR code. */
  qrLabel(title: string, host: string): string;
  /** The caption under the desktop QR code. */
  qrCaption(host: string): string;
  /** The landing page's footer. */
  sharedWith(brand: string): string;
  goneTitle: string;
  goneHeading: string;
  /** Why the card is gone, and what to do. */
  goneBody(state: "revoked" | "expired"): string;
  unknownTitle: string;
  unknownHeading: string;
  unknownBody: string;
}

/** The pages' chrome, by language: the one place its strings live. */
export const PAGE_MESSAGES: Readonly<Record<PageLang, PageMessages>> = {
  "zh-CN": {
    ogLocale: "zh_CN",
    openIn: (host) => `在${host}中打开`,
    buyIn: (host) => `在${host}中购买`,
    joinNow: "立即加入",
    openOnWeb: "在网页中打开",
    membershipTerms: (days) => `先享后付 · 免费体验 ${days} 天，到期后付款`,
    qrLabel: (title, host) => `用${host}扫码打开「${title}」的二维码`,
    qrCaption: (host) => `在电脑上？用手机${host}扫一扫，在手机上打开。`,
    sharedWith: (brand) => `通过 Minicard 分享 · ${brand}`,
    goneTitle: "卡片不可用",
    goneHeading: "该卡片已失效",
    goneBody: (state) => `${state === "expired" ? "分享时间过久，卡片已过期。" : "品牌方已撤回该卡片。"}请向分享者索取新的链接。`,
    unknownTitle: "未找到卡片",
    unknownHeading: "未找到卡片",
    unknownBody: "此地址没有卡片，请检查您打开的链接。",
  },
  en: {
    ogLocale: "en_US",
    openIn: (host) => `Open in ${host}`,
    buyIn: (host) => `Buy in ${host}`,
    joinNow: "Join now",
    openOnWeb: "Open on the web",
    membershipTerms: (days) => `Join now, enjoy it first, pay when the ${days}-day period ends`,
    qrLabel: (title, host) => `QR code to open ${title} in ${host}`,
    qrCaption: (host) => `On a computer? Scan with ${host} to open it on your phone.`,
    sharedWith: (brand) => `Shared with Minicard · ${brand}`,
    goneTitle: "Card unavailable",
    goneHeading: "This card is no longer available",
    goneBody: (state) => `${state === "expired" ? "It was shared too long ago and has expired." : "Its brand has withdrawn it."} Ask the person who shared it for a new link.`,
    unknownTitle: "Card not found",
    unknownHeading: "Card not found",
    unknownBody: "There is no card at this address. Check the link you followed.",
  },
};

/**
 * The name of a host app in `lang`: `{ id: "alipay", name: "Alipay" }` reads 支付宝 in zh-CN.
 * A host the table does not name yet reads as its profile's `name`.
 */
export function hostName(host: { id: string; name: string }, lang: PageLang): string {
  return Object.hasOwn(HOST_NAMES[lang], host.id) ? HOST_NAMES[lang][host.id]! : host.name;
}

/** One of our languages for a BCP 47 tag or range: any `zh…` reads zh-CN, any `en…` en, else undefined. */
export function ourLang(tag: string): PageLang | undefined {
  const primary = tag.split("-", 1)[0]!.toLowerCase();
  return primary === "zh" ? "zh-CN" : primary === "en" ? "en" : undefined;
}

const HAN = /\p{Script=Han}/u;
const LATIN = /\p{Script=Latin}/u;

/**
 * The language a card's own text is in, or undefined when it does not tell: an explicit
 * `lang` when the card carries one we speak (the card contract has none today), else zh-CN
 * when its title, description, button or membership benefit holds a Chinese character, else
 * en when they hold Latin letters. A card of digits and emoji only decides nothing.
 */
export function cardLang(card: Card): PageLang | undefined {
  if ("lang" in card && typeof card.lang === "string") {
    const declared = ourLang(card.lang);
    if (declared) return declared;
  }
  const texts = [card.title, card.description, card.cta, card.membership?.benefit].filter((text): text is string => typeof text === "string");
  if (texts.some((text) => HAN.test(text))) return "zh-CN";
  if (texts.some((text) => LATIN.test(text))) return "en";
  return undefined;
}

/** `Accept-Language` entries past this many are ignored (the header is bounded by Node's header limit anyway). */
const MAX_RANGES = 32;
const RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The reader's language from an `Accept-Language` header (RFC 9110 §12.5.4), or undefined
 * when the header names neither of ours with a weight above zero. Each of our languages takes
 * the highest weight of the ranges that name it (`zh`, `zh-CN`, `zh-Hans`, `zh-TW`… for zh-CN;
 * `en`, `en-GB`… for en), else the weight of `*`; the heavier wins, and on equal weights the
 * one named first. Malformed entries are skipped, never an error: a header of nothing but
 * junk decides nothing.
 *
 * @example
 * ```ts
 * acceptLanguage("fr-CH, fr;q=0.9, en;q=0.8, zh;q=0.7"); // "en"
 * acceptLanguage("en;q=0.5, zh-TW");                     // "zh-CN"
 * acceptLanguage("de, *;q=0");                            // undefined
 * ```
 */
export function acceptLanguage(header: string | string[] | undefined): PageLang | undefined {
  if (header === undefined) return undefined;
  const entries = (Array.isArray(header) ? header.join(",") : header).split(",", MAX_RANGES);
  const best = new Map<PageLang | "*", { q: number; at: number }>();
  entries.forEach((entry, at) => {
    const [rawRange, ...params] = entry.split(";");
    const range = rawRange!.trim();
    if (!RANGE.test(range)) return;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split("=").map((part) => part.trim());
      if (name?.toLowerCase() !== "q") continue;
      if (value === undefined || !QVALUE.test(value)) return;
      q = Number(value);
    }
    const key = range === "*" ? "*" : ourLang(range);
    if (key === undefined) return;
    const seen = best.get(key);
    if (!seen || q > seen.q) best.set(key, { q, at: seen?.at ?? at });
  });
  // `*` alone weighs ours alike: the header has no preference between them.
  if (!best.has("zh-CN") && !best.has("en")) return undefined;
  const wildcard = best.get("*");
  let chosen: { lang: PageLang; q: number; at: number } | undefined;
  for (const lang of PAGE_LANGS) {
    const weight = best.get(lang) ?? wildcard;
    if (!weight || weight.q <= 0) continue;
    if (!chosen || weight.q > chosen.q || (weight.q === chosen.q && weight.at < chosen.at)) chosen = { lang, ...weight };
  }
  return chosen?.lang;
}

/** A page's language and whether the request's `Accept-Language` decided it (then the answer must `Vary` on it). */
export interface PageLangChoice {
  lang: PageLang;
  fromHeader: boolean;
}

/**
 * The language of a page about `card` (undefined: an unknown card) for a request with this
 * `Accept-Language`: the card's ({@link cardLang}), else the header's, else {@link DEFAULT_LANG}.
 * `fromHeader` is true whenever the header was consulted, even when it decided nothing.
 */
export function pageLang(card: Card | undefined, header: string | string[] | undefined): PageLangChoice {
  const own = card ? cardLang(card) : undefined;
  if (own) return { lang: own, fromHeader: false };
  return { lang: acceptLanguage(header) ?? DEFAULT_LANG, fromHeader: true };
}
