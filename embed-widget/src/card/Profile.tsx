/**
 * @module card/Profile — the `profile` layout: a medium card pinned on a user's home page,
 * square cover on the side, brand, title, one line of description, offer and action.
 */

import { h } from "preact";
import { Brand, Img, MiniLabel, Offer, Tap, ctaText, type LayoutProps } from "./parts.js";

/** A card pinned on a profile. */
export function Profile(props: LayoutProps) {
  const { card } = props.verified;
  return (
    <Tap {...props}>
      <Img class="img" src={card.image} brand={card.brand.name} />
      <span class="in">
        <Brand verified={props.verified} />
        <span class="t">{card.title}</span>
        {card.description ? <span class="d c1">{card.description}</span> : null}
        <span class="ft">
          {card.price || card.membership ? <Offer {...props} class="c1" /> : <MiniLabel t={props.t} />}
          <span class="cta">{ctaText(props.verified, props.t)}</span>
        </span>
      </span>
    </Tap>
  );
}
