/**
 * @module card/parts — the pieces every layout shares: the one tappable element with its
 * accessible name, images that only load `https:` URLs and fall back gracefully, the brand
 * line, the price or membership offer, and the mini-program label.
 *
 * Card text is only ever a text child or an attribute value: Preact sets it as text, so
 * markup in a title stays text. No `dangerouslySetInnerHTML` anywhere in the widget.
 */

import { h, Component, type ComponentChildren } from "preact";
import { isHttpsUrl, type VerifiedCard } from "@minicard/sdk";
import { formatPrice, type Lang, type Strings } from "../i18n.js";

/** What every layout is given. */
export interface LayoutProps {
  verified: VerifiedCard;
  t: Strings;
  lang: Lang;
  onOpen: () => void;
}

/** `url` when it is an absolute `https:` URL, else undefined: nothing else is ever rendered as an image. */
export function httpsOnly(url: string | undefined): string | undefined {
  return url && isHttpsUrl(url) ? url : undefined;
}

/** The price or membership offer as one line of text (empty for an app card). */
export function offerText(verified: VerifiedCard, t: Strings, lang: Lang): string {
  const { price, membership } = verified.card;
  const amount = price ? formatPrice(price.amount, price.currency, lang) : "";
  if (membership) return [membership.benefit, t.trial(membership.trialDays), amount && t.then(amount)].filter(Boolean).join(" · ");
  return amount;
}

/** The card's call to action. */
export function ctaText(verified: VerifiedCard, t: Strings): string {
  return verified.card.cta ?? t.open;
}

/** The one tappable element: a real button, named "brand, title, offer, action" for screen readers. */
export function Tap(props: LayoutProps & { children: ComponentChildren }) {
  const { verified, t, lang } = props;
  const name = [verified.card.brand.name, verified.card.title, offerText(verified, t, lang), ctaText(verified, t)].filter(Boolean).join(", ");
  return (
    <button type="button" class="card" part="card" aria-label={name} onClick={props.onOpen}>
      {props.children}
    </button>
  );
}

function palette(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return `fb p${Math.abs(hash) % 5}`;
}

/** An image, or a gradient with the brand's initial when the URL is not https or fails to load. */
export class Img extends Component<{ src: string | undefined; brand: string; class: string }, { broken?: string }> {
  override render() {
    const src = httpsOnly(this.props.src);
    const { brand } = this.props;
    if (!src || this.state.broken === src) {
      return (
        <span class={`${this.props.class} ${palette(brand)}`} aria-hidden="true">
          {Array.from(brand.trim())[0] ?? ""}
        </span>
      );
    }
    return (
      <img
        class={this.props.class}
        src={src}
        alt=""
        loading="lazy"
        decoding="async"
        referrerpolicy="no-referrer"
        onError={() => this.setState({ broken: src })}
      />
    );
  }
}

/** The brand's logo and name. */
export function Brand({ verified }: { verified: VerifiedCard }) {
  const { brand, icon } = verified.card;
  return (
    <span class="b">
      <Img class="logo" src={brand.logo ?? icon} brand={brand.name} />
      <span class="n">{brand.name}</span>
    </span>
  );
}

/** The price (product) or the offer (membership), when there is one. */
export function Offer(props: LayoutProps & { class?: string }) {
  const text = offerText(props.verified, props.t, props.lang);
  if (!text) return null;
  return <span class={`${props.verified.card.membership ? "of" : "pr"} ${props.class ?? ""}`}>{text}</span>;
}

/** The "mini-program" label with its mark, as chat apps show it. */
export function MiniLabel({ t }: { t: Strings }) {
  return (
    <span class="mp">
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" stroke-width="1.4" />
        <path d="M5 10.5a1.8 1.8 0 1 1 1.8-1.8V7.3A1.8 1.8 0 1 1 8.6 9" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linecap="round" />
      </svg>
      {t.miniProgram}
    </span>
  );
}
