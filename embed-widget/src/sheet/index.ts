/**
 * @module sheet — the two sheets a tap may open, built as their own file
 * (`/widget/sheet.<hash>.js`) and loaded on the first tap that needs one, with the QR encoder
 * inside: the desktop QR code of the card's web link, and on phones, when the host app did
 * not open, the offer to continue in the browser.
 *
 * Plain DOM (no Preact: the chunk must not carry a second copy of it), text set with
 * `textContent`, links only when `isHostUrl` says they are the host's own. Modal and
 * labelled; focus moves to its button and back to the card; Escape or a tap outside closes it.
 */

import { encode } from "uqr";
import { isHostUrl, type HostProfile } from "@minicard/sdk";
import type { Lang } from "../i18n.js";
import { adoptCss } from "../styles.js";

const CSS = `.ov{position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;background:rgba(0,0,0,.45);padding:16px}
.sh{background:var(--bg);color:var(--fg);border-radius:16px;padding:20px;width:300px;max-width:100%;display:grid;gap:12px;justify-items:center;text-align:center;box-shadow:0 12px 40px rgba(0,0,0,.25)}
.sh.bt{align-self:flex-end;width:100%;max-width:480px}
.sh h2{margin:0;font-size:16px}.sh p{margin:0;color:var(--mu);font-size:13px}
.qr{width:196px;height:196px;background:#fff;border-radius:8px}
.sh a,.sh button{all:unset;box-sizing:border-box;cursor:pointer;width:100%;text-align:center;padding:10px;border-radius:10px;font-weight:600}
.sh a{background:var(--ac);color:#fff}.sh button{background:var(--so)}
.sh a:focus-visible,.sh button:focus-visible{outline:2px solid var(--ac);outline-offset:2px}`;

/** The sheets' strings (the card's own are in `i18n.ts`; these load with the sheets). */
const STRINGS = {
  "zh-CN": { openWeb: "在浏览器中打开", notOpened: "没有自动打开？", close: "关闭" },
  en: { openWeb: "Open in browser", notOpened: "Didn't open?", close: "Close" },
};

/** What the QR sheet says, by host and language: the host app to scan with. */
const SCAN: Record<string, Record<Lang, { scanTitle: string; scanHint: string }>> = {
  alipay: {
    "zh-CN": { scanTitle: "用支付宝扫码打开", scanHint: "打开支付宝，扫一扫即可进入小程序" },
    en: { scanTitle: "Scan with Alipay to open", scanHint: "Open Alipay and scan this code to go to the mini program" },
  },
  wechat: {
    "zh-CN": { scanTitle: "用微信扫码打开", scanHint: "打开微信，扫一扫即可进入小程序" },
    en: { scanTitle: "Scan with WeChat to open", scanHint: "Open WeChat and scan this code to go to the mini program" },
  },
};

/** What {@link openSheet} is given. */
export interface SheetOptions {
  /** `qr`: scan with the host app (desktop); `fallback`: the app did not open (phones). */
  kind: "qr" | "fallback";
  /** The card's language. */
  lang: Lang;
  /** The web fallback the sheet links to (and, for `qr`, encodes): the host's https hop, or the card's landing page. */
  href: string;
  /** The host the card names: the QR sheet names it, and `href` must be its own. */
  host: HostProfile;
  /** The card's landing page, the web fallback of a host without an https hop. */
  landing: string;
  /** The card's root element: the sheet joins its shadow root (or the document) and takes its theme. */
  card: HTMLElement;
  /** Called once the sheet has closed, however it closed. */
  onClose?: () => void;
}

/** The QR code of `text`: a square of modules, `true` for dark, without a quiet zone. Error correction M survives a screen's glare. */
export function encodeQr(text: string): boolean[][] {
  return encode(text, { ecc: "M", border: 0 }).data;
}

const SVG = "http://www.w3.org/2000/svg";

function svg(name: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function element<K extends keyof HTMLElementTagNameMap>(name: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(name);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The QR code of `href` as crisp SVG modules with a four-module quiet zone. */
function qrCode(href: string, label: string): SVGElement {
  const matrix = encodeQr(href);
  const size = matrix.length;
  let path = "";
  matrix.forEach((row, y) => row.forEach((dark, x) => dark && (path += `M${x} ${y}h1v1h-1z`)));
  const code = svg("svg", { class: "qr", role: "img", "aria-label": label, viewBox: `-4 -4 ${size + 8} ${size + 8}`, "shape-rendering": "crispEdges" });
  code.append(svg("rect", { x: -4, y: -4, width: size + 8, height: size + 8, fill: "#fff" }), svg("path", { d: path, fill: "#000" }));
  return code;
}

/** Opens a sheet over the page; answers a function that closes it. */
export function openSheet({ kind, lang, href, host, landing, card, onClose }: SheetOptions): () => void {
  const t = { ...STRINGS[lang], ...(SCAN[host.id] ?? SCAN.alipay!)[lang] };
  const root = card.getRootNode() as Document | ShadowRoot;
  adoptCss(root, CSS);
  const opener = root.activeElement as HTMLElement | null;
  const title = kind === "qr" ? t.scanTitle : t.notOpened;

  // The wrapper carries the card's theme classes, so the sheet's colours follow the card's.
  const wrapper = element("div", card.className.replace(/\bidle\b/, ""));
  const overlay = element("div", "ov");
  const dialog = element("div", kind === "qr" ? "sh" : "sh bt");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-label", title);
  dialog.append(element("h2", undefined, title));
  if (kind === "qr") dialog.append(qrCode(href, t.scanTitle), element("p", undefined, t.scanHint));
  if (isHostUrl(href, host, landing)) {
    const link = element("a", undefined, t.openWeb);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    dialog.append(link);
  }
  const button = element("button", undefined, t.close);
  button.type = "button";
  dialog.append(button);
  overlay.append(dialog);
  wrapper.append(overlay);

  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    wrapper.remove();
    opener?.focus?.();
    onClose?.();
  };
  button.addEventListener("click", close);
  overlay.addEventListener("click", (event) => event.target === overlay && close());
  overlay.addEventListener("keydown", (event) => event.key === "Escape" && close());
  (root instanceof Document ? root.body : root).append(wrapper);
  button.focus();
  return close;
}
