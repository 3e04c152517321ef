/**
 * Limit policies and the checks one issuance must pass.
 *
 * Defaults (a partner created with `limits` uses exactly its own instead): feed 1 per sharer
 * per hour, profile 5, dm 30, and 1000 per brand per hour. Each policy becomes a check on
 * one rolling window, named for the `RateLimit-Policy` header (`"feed-sharer"`).
 */

import type { Surface } from "@minicard/sdk";
import type { LimitPolicy, Partner } from "./model.js";
import type { LimitCheck, LimitState } from "../limits/limiter.js";

/** The limits of a partner created without its own. */
export const DEFAULT_LIMITS: readonly LimitPolicy[] = [
  { scope: "sharer", surface: "feed", max: 1, windowSeconds: 3600 },
  { scope: "sharer", surface: "profile", max: 5, windowSeconds: 3600 },
  { scope: "sharer", surface: "dm", max: 30, windowSeconds: 3600 },
  { scope: "brand", max: 1000, windowSeconds: 3600 },
];

/** The name a policy goes by in `RateLimit-Policy`, e.g. `feed-sharer` or `brand`. */
export function policyName(policy: LimitPolicy): string {
  return policy.surface ? `${policy.surface}-${policy.scope}` : policy.scope;
}

/** The subjects one card is counted against. */
export interface LimitSubject {
  partner: string;
  brand: string;
  surface: Surface;
  sharer: string | undefined;
}

/** The partner's policies (or the defaults) that apply to a card, as limiter checks. */
export function limitChecks(partner: Pick<Partner, "id" | "limits">, subject: LimitSubject): LimitCheck[] {
  const policies = partner.limits ?? DEFAULT_LIMITS;
  const names = new Map<string, number>();
  const checks: LimitCheck[] = [];
  for (const policy of policies) {
    if (policy.surface !== undefined && policy.surface !== subject.surface) continue;
    const who =
      policy.scope === "sharer" ? subject.sharer : policy.scope === "brand" ? subject.brand : subject.partner;
    if (who === undefined) continue; // a DM share without a sharer is counted by brand and partner only
    let name = policyName(policy);
    const seen = names.get(name) ?? 0;
    names.set(name, seen + 1);
    if (seen > 0) name = `${name}-${policy.windowSeconds}s`;
    checks.push({
      key: `${partner.id}|${policy.scope}|${policy.surface ?? "*"}|${policy.windowSeconds}|${who}`,
      name,
      max: policy.max,
      windowSeconds: policy.windowSeconds,
    });
  }
  return checks;
}

/** `RateLimit-Policy`: every applicable policy, e.g. `"feed-sharer";q=1;w=3600, "brand";q=1000;w=3600`. */
export function rateLimitPolicyHeader(checks: readonly LimitCheck[]): string {
  return checks.map((check) => `"${check.name}";q=${check.max};w=${check.windowSeconds}`).join(", ");
}

/**
 * `RateLimit`: the policy closest to refusing (least remaining, then latest reset), e.g.
 * `"feed-sharer";r=0;t=1712`. `t` is seconds until a unit frees, never negative.
 */
export function rateLimitHeader(states: readonly LimitState[]): string | undefined {
  let tightest: LimitState | undefined;
  for (const state of states) {
    if (
      tightest === undefined ||
      state.remaining < tightest.remaining ||
      (state.remaining === tightest.remaining && state.resetSeconds > tightest.resetSeconds)
    ) {
      tightest = state;
    }
  }
  return tightest && `"${tightest.name}";r=${tightest.remaining};t=${tightest.resetSeconds}`;
}
