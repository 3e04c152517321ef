/**
 * @module styles — the card's one stylesheet, adopted as a constructable stylesheet
 * (`adoptedStyleSheets`), so it applies under a strict Content-Security-Policy: no `<style>`
 * element, no `style` attribute, nothing for `style-src` to refuse.
 *
 * Theming: set these custom properties on the element (or any ancestor); they inherit into
 * the shadow root. `--minicard-bg`, `--minicard-fg`, `--minicard-muted`, `--minicard-soft`
 * (secondary surfaces, skeleton), `--minicard-border`, `--minicard-accent` (call to action,
 * focus ring), `--minicard-price`, `--minicard-radius`, `--minicard-font`. The defaults
 * follow the card's `theme` (`light`, `dark`, or `auto`: the reader's colour scheme).
 *
 * Kept as one compact string on purpose: it ships inside embed.js's 16 KB budget.
 */

const LIGHT = "--bg:var(--minicard-bg,#fff);--fg:var(--minicard-fg,#1a1a1a);--mu:var(--minicard-muted,#6e6e73);--so:var(--minicard-soft,#f2f3f5);--bd:var(--minicard-border,rgba(0,0,0,.08));--ac:var(--minicard-accent,#1677ff);--pr:var(--minicard-price,#ff4d00)";
const DARK = "--bg:var(--minicard-bg,#1f1f21);--fg:var(--minicard-fg,#ececef);--mu:var(--minicard-muted,#9a9aa0);--so:var(--minicard-soft,#2c2c2f);--bd:var(--minicard-border,rgba(255,255,255,.1));--ac:var(--minicard-accent,#3c8cff);--pr:var(--minicard-price,#ff7a3d)";

/** The stylesheet's text. */
export const CSS = `:host{display:block}
.mc{${LIGHT};--r:var(--minicard-radius,12px);font:14px/1.45 var(--minicard-font,system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif);color:var(--fg);-webkit-text-size-adjust:100%;box-sizing:border-box;max-width:100%}
.mc *,.mc *::before,.mc *::after{box-sizing:border-box}
.mc.dark{${DARK}}
@media (prefers-color-scheme:dark){.mc.auto{${DARK}}}
.dm{width:248px}.profile{max-width:560px}.feed{max-width:600px}
.card{all:unset;box-sizing:border-box;display:block;width:100%;cursor:pointer;background:var(--bg);color:var(--fg);border:1px solid var(--bd);border-radius:var(--r);overflow:hidden;text-align:start;-webkit-tap-highlight-color:transparent;transition:transform .12s,box-shadow .12s}
.card:hover{box-shadow:0 2px 12px rgba(0,0,0,.08)}.card:active{transform:scale(.985)}
.card:focus-visible{outline:2px solid var(--ac);outline-offset:2px}
.b{display:flex;align-items:center;gap:6px;min-width:0;color:var(--mu);font-size:12px}
.b .n,.cta{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.logo{flex:none;width:18px;height:18px;border-radius:50%;object-fit:cover;background:var(--so)}
.t,.d{overflow:hidden;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow-wrap:anywhere}.t{font-weight:600}.d{color:var(--mu);font-size:13px}
.c1{-webkit-line-clamp:1}
.img{display:block;width:100%;aspect-ratio:16/9;object-fit:cover;background:var(--so)}
.fb{display:flex;align-items:center;justify-content:center;color:#fff;font-size:34px;font-weight:600;background:linear-gradient(135deg,#5b8def,#8e6cf1)}
.p1{filter:hue-rotate(72deg)}.p2{filter:hue-rotate(144deg)}.p3{filter:hue-rotate(216deg)}.p4{filter:hue-rotate(288deg)}
.logo.fb{font-size:10px}
.pr{color:var(--pr);font-weight:600}.of{color:var(--pr);font-size:12px}
.mp{display:flex;align-items:center;gap:4px;color:var(--mu);font-size:11px}
.mp svg{width:13px;height:13px;flex:none}
.cta{flex:none;background:var(--ac);color:#fff;border-radius:999px;padding:5px 14px;font-size:13px;font-weight:600;max-width:50%}
.dm .card{border-radius:var(--r) var(--r) var(--r) 4px}
.dm .in{padding:10px 12px 8px;display:grid;gap:6px}
.dm .img{aspect-ratio:5/4;border-radius:6px}
.dm .mp{border-top:1px solid var(--bd);padding:6px 12px}
.profile .card{display:flex;gap:12px;padding:12px}
.profile .img{width:88px;height:88px;aspect-ratio:auto;border-radius:8px;flex:none;font-size:28px}
.profile .in{flex:1;min-width:0;display:flex;flex-direction:column;gap:4px}
.profile .ft,.feed .ft{display:flex;align-items:center;justify-content:space-between;gap:8px;margin-top:auto}
.feed .hd{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 12px}
.feed .hd .logo{width:28px;height:28px}.feed .hd .b{font-size:13px;color:var(--fg);font-weight:500}
.feed .in{padding:10px 12px 12px;display:grid;gap:6px}.feed .t{font-size:16px}
.sk .card{cursor:default}.sk i{display:block;background:var(--so);border-radius:4px;height:12px}
.sk i.w6{width:60%}.sk i.w4{width:40%}.sk i.img{height:auto}
.sk i{animation:pulse 1.2s ease-in-out infinite}
@keyframes pulse{50%{opacity:.5}}
.idle.feed{aspect-ratio:16/9;padding:52px 0 120px;box-sizing:content-box}.idle.dm{height:262px}.idle.profile{height:114px}
.un{display:flex;align-items:center;gap:10px;padding:14px;border:1px dashed var(--bd);border-radius:var(--r);background:var(--so);color:var(--mu);font-size:13px}
.un svg{width:22px;height:22px;flex:none}.un strong{display:block;color:var(--fg);font-weight:500}
@media (prefers-reduced-motion:reduce){.mc *{animation:none!important;transition:none!important}}`;

const sheets = new Map<string, CSSStyleSheet>();

/**
 * Adopts the stylesheet of `css` into `root` (a shadow root or the document). One sheet
 * object per text is shared by every root.
 */
export function adoptCss(root: Node, css: string): void {
  const target = root as Document | ShadowRoot;
  if (!("adoptedStyleSheets" in target)) return;
  try {
    let sheet = sheets.get(css);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      sheets.set(css, sheet);
    }
    if (!target.adoptedStyleSheets.includes(sheet)) target.adoptedStyleSheets = [...target.adoptedStyleSheets, sheet];
  } catch {
    // Browsers without constructable stylesheets (before Safari 16.4) get an unstyled but working card.
  }
}

/**
 * Applies the card stylesheet to `root` (a shadow root, or the document for cards rendered
 * by the Preact component outside an element).
 */
export function adoptStyles(root: Node): void {
  adoptCss(root, CSS);
}
