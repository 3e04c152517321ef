/**
 * @module @minicard/widget — the `<mini-program-card>` element, its Preact component and
 * the page-wide settings, for framework users. Pages without a build step use `embed.js`.
 *
 * @example
 * ```ts
 * // config and defineElement, from this package
 * config.issuer = "https://cards.example";
 * defineElement();
 * ```
 */

import { config } from "./config.js";

// A bundler splits the QR encoder into its own chunk: it loads on the first desktop tap.
config.loadQr = () => import("./qr/encode.js");

export { MiniProgramCard } from "./card/Card.js";
export type { MiniProgramCardProps } from "./card/Card.js";
export { MiniProgramCardElement, defineElement } from "./element.js";
export { renderCard } from "./render.js";
export type { RenderOptions } from "./render.js";
export { config } from "./config.js";
export type { QrEncoder, WidgetConfig } from "./config.js";
export type { WidgetErrorCode } from "./errors.js";
export type { Lang } from "./i18n.js";
