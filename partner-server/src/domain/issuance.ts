/**
 * The issuance policy: who may issue which card, in the contract's order of checks
 * (after authentication and validation): brand_suspended, brand_not_whitelisted,
 * category_not_open, app_not_owned (the appId registered with the host the card names),
 * surface_not_allowed, sharer_not_attested,
 * sharer_not_whitelisted, partner_unknown. Pure: the caller loads the records and checks the
 * sharer pass (its outcome is an input here, so its refusal takes its place in the order).
 */

import { hosts, type CardInput } from "@minicard/sdk";
import { ownsApp, type Brand, type Partner } from "./model.js";
import { mayIssueByRollout, type Rollout } from "./rollout.js";
import type { ProblemCode } from "../problems.js";

/** What the policy needs to decide. */
export interface IssuanceContext {
  brand: Brand;
  /** `undefined` when the partner does not exist. */
  partner: Partner | undefined;
  /** Whether the sharer (named, or attested by its pass) is on the partner's sharer whitelist. */
  sharerWhitelisted: boolean;
  /** Why the sharer pass does not attest the sharer, when the partner requires one or one was sent. */
  sharerUnattested?: string | undefined;
  rollout: Rollout;
  now: number;
}

/** A refusal: its code and a sentence for the brand's developer. */
export interface Refusal {
  code: ProblemCode;
  detail: string;
}

/** Returns why `input` may not be issued, or `undefined` when it may. */
export function checkIssuance(input: CardInput, context: IssuanceContext): Refusal | undefined {
  const { brand, partner } = context;
  if (brand.status === "suspended") return { code: "brand_suspended", detail: `brand ${brand.id} is suspended` };
  if (!brand.whitelisted) return { code: "brand_not_whitelisted", detail: `brand ${brand.id} is not on the whitelist` };
  if (!mayIssueByRollout(brand, context.rollout, context.now)) {
    return {
      code: "category_not_open",
      detail: `the ${brand.category} category has not opened yet and brand ${brand.id} is not invited`,
    };
  }
  const host = input.app.host ?? "alipay";
  if (!ownsApp(brand, input.app.id, host)) {
    return { code: "app_not_owned", detail: `mini-program ${input.app.id} is not one of brand ${brand.id}'s ${hosts[host].name} apps` };
  }
  if (!brand.surfaces.includes(input.surface)) {
    return { code: "surface_not_allowed", detail: `brand ${brand.id} may not share to ${input.surface}` };
  }
  if (partner !== undefined && !partner.surfaces.includes(input.surface)) {
    return { code: "surface_not_allowed", detail: `partner ${partner.id} does not offer the ${input.surface} surface` };
  }
  if (partner !== undefined && context.sharerUnattested !== undefined) {
    return { code: "sharer_not_attested", detail: context.sharerUnattested };
  }
  // Feed and profile shares are for whitelisted sharers only; DMs are open to any account.
  if (partner !== undefined && input.surface !== "dm" && !context.sharerWhitelisted) {
    return {
      code: "sharer_not_whitelisted",
      detail: `sharer ${String(input.sharer)} may not share to ${input.surface} on ${partner.id}`,
    };
  }
  if (partner === undefined) return { code: "partner_unknown", detail: `no partner ${input.partner}` };
  return undefined;
}
