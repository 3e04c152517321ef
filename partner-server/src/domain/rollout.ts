/**
 * Category rollout: categories open to issuance on a date the operator sets
 * (`PUT /v1/admin/rollout`). Until then only invited brands issue. The phases of the
 * product brief: targeted invitations; an internal test for government affairs,
 * livelihood, public welfare, campus and smart retail; a beta for commercial brands,
 * government agencies and MCN agencies.
 */

import type { Brand, Category } from "./model.js";

/** Opening date (ISO 8601) per category; a category without one is closed. */
export type Rollout = Partial<Record<Category, string>>;

/** The rollout's phases, for docs and the admin API. */
export const ROLLOUT_PHASES = [
  { phase: "invitation", categories: [] as Category[] },
  {
    phase: "internal-test",
    categories: ["government-affairs", "livelihood", "public-welfare", "campus", "smart-retail"] as Category[],
  },
  { phase: "beta", categories: ["commercial-brand", "government-agency", "mcn-agency"] as Category[] },
] as const;

/** True when `category` has opened by `now`. */
export function isCategoryOpen(rollout: Rollout, category: Category, now: number): boolean {
  const opens = rollout[category];
  return opens !== undefined && Date.parse(opens) <= now;
}

/** True when the brand may issue by rollout: invited, or its category has opened. */
export function mayIssueByRollout(brand: Pick<Brand, "invited" | "category">, rollout: Rollout, now: number): boolean {
  return brand.invited || isCategoryOpen(rollout, brand.category, now);
}
