/**
 * @module i18n — the widget's few strings in zh-CN and en, and how a card picks its language.
 */

/** Languages the widget speaks. */
export type Lang = "zh-CN" | "en";

const zh = {
  miniProgram: "小程序",
  open: "打开",
  unavailable: "卡片不可用",
  unavailableHint: "该卡片已失效或无法验证",
  loading: "正在加载卡片",
  trial: (days: number) => `先享后付 · 免费体验 ${days} 天`,
  then: (price: string) => `到期 ${price}`,
};

/** The strings of one language. */
export type Strings = typeof zh;

const en: Strings = {
  miniProgram: "Mini program",
  open: "Open",
  unavailable: "Card unavailable",
  unavailableHint: "This card has expired or could not be verified",
  loading: "Loading card",
  trial: (days: number) => `Join now, pay after ${days} days`,
  then: (price: string) => `then ${price}`,
};

/** The strings for `lang`. */
export function strings(lang: Lang): Strings {
  return lang === "en" ? en : zh;
}

/**
 * The language of a card: its `lang` attribute when it is one we speak, else the nearest
 * `lang` of the page around it, else the browser's; Chinese variants read zh-CN.
 */
export function pickLang(wanted: string | null | undefined, near?: Element | null): Lang {
  const candidates = [wanted, near?.closest("[lang]")?.getAttribute("lang"), document.documentElement.lang, navigator.language];
  for (const candidate of candidates) {
    if (!candidate) continue;
    return candidate.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  }
  return "zh-CN";
}

/** A price as the reader's locale writes it, e.g. ¥79.90 or CN¥79.90. */
export function formatPrice(amount: string, currency: string, lang: Lang): string {
  try {
    return new Intl.NumberFormat(lang, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}
