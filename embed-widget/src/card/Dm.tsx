/**
 * @module card/Dm — the `dm` layout: a compact chat bubble (brand, title, cover) with the
 * "mini-program" label underneath, as a shared mini-program looks in a chat.
 */

import { h } from "preact";
import { Brand, Img, MiniLabel, Offer, Tap, type LayoutProps } from "./parts.js";

/** A card in a private or group chat. */
export function Dm(props: LayoutProps) {
  const { card } = props.verified;
  return (
    <Tap {...props}>
      <span class="in">
        <Brand verified={props.verified} />
        <span class="t">{card.title}</span>
        <Offer {...props} class="c1" />
        <Img class="img" src={card.image} brand={card.brand.name} />
      </span>
      <MiniLabel t={props.t} />
    </Tap>
  );
}
