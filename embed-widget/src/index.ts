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

// A bundler splits the sheets (with the QR encoder) into their own chunk: they load on the first tap that shows one.
config.loadSheet = () => import("./sheet/index.js");
// And the revocation checker (with the share-link resolver): it loads for the first check, shortly after the first card renders.
config.loadStatus = () => import("./status/check.js");

export { MiniProgramCard } from "./card/Card.js";
export type { MiniProgramCardProps } from "./card/Card.js";
export { MiniProgramCardElement, defineElement } from "./element.js";
export { renderCard } from "./render.js";
export type { RenderOptions } from "./render.js";
export { config } from "./config.js";
export type { SheetModule, StatusModule, WidgetConfig } from "./config.js";
export type { WidgetErrorCode } from "./errors.js";
export type { Lang } from "./i18n.js";
