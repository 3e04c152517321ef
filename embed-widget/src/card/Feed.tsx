/**
 * @module card/Feed — the `feed` layout: brand header with the mini-program label, a 16:9
 * cover, title, description, the offer and a call-to-action button.
 */

import { h } from "preact";
import { Brand, Img, MiniLabel, Offer, Tap, ctaText, type LayoutProps } from "./parts.js";

/** A card in the follow stream. */
export function Feed(props: LayoutProps) {
  const { card } = props.verified;
  return (
    <Tap {...props}>
      <span class="hd">
        <Brand verified={props.verified} />
        <MiniLabel t={props.t} />
      </span>
      <Img class="img" src={card.image} brand={card.brand.name} />
      <span class="in">
        <span class="t">{card.title}</span>
        {card.description ? <span class="d">{card.description}</span> : null}
        <span class="ft">
          <Offer {...props} class="c1" />
          <span class="cta">{ctaText(props.verified, props.t)}</span>
        </span>
      </span>
    </Tap>
  );
}
