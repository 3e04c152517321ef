/**
 * @module qr/encode — the QR encoder, built as its own file (`/widget/qr.<hash>.js`) and
 * loaded only when a card is tapped on a desktop. Error correction M survives a screen's glare.
 */

import { encode } from "uqr";

/** The QR code of `text`: a square of modules, `true` for dark, without a quiet zone. */
export function encodeQr(text: string): boolean[][] {
  return encode(text, { ecc: "M", border: 0 }).data;
}
