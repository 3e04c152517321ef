/**
 * @module traffic/events — the wire contract of `POST /v1/events`: what the widget sends, and
 * what the server answers for each event. Counting and crediting are two different things:
 * every accepted event is counted with a {@link EventQuality}; only `credited` events move a
 * brand's traffic-exchange ledger.
 */

/** What a beacon reports. */
export const EVENT_TYPES = ["impression", "click"] as const;
/** An event's type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Where a card was shown: in a sharer's post (`organic`), or in a platform-distributed slot of the hot list (`trending`). */
export const EVENT_SLOTS = ["organic", "trending"] as const;
/** An event's slot. */
export type EventSlot = (typeof EVENT_SLOTS)[number];

/**
 * How much an accepted event is trusted, best first:
 * - `credited`: attested by a valid viewer pass of the card's partner, not a known bot, and
 *   within the per-client cap. Only these earn UV and debit paid slots;
 * - `unverified`: no viewer pass, or one that is not valid for this partner;
 * - `bot`: a crawler, link-preview fetcher, headless browser or HTTP tool, by `User-Agent`;
 * - `suspect`: over the cap of distinct credited viewers per client IP and brand.
 */
export const QUALITIES = ["credited", "unverified", "bot", "suspect"] as const;
/** An event's quality. */
export type EventQuality = (typeof QUALITIES)[number];

/** Most events one `POST /v1/events` may carry. */
export const MAX_EVENTS = 50;

/** One event as the widget sends it. */
export interface BeaconEvent {
  type: EventType;
  /** The card id (the token's `jti`). */
  card: string;
  /** The widget's opaque per-browser id (kept in `localStorage`). */
  visitor: string;
  /** When it happened, epoch milliseconds; default the time it arrives. */
  ts?: number;
  slot?: EventSlot;
  /** For `slot: "trending"`: the `placement` of the hot-list entry the card was shown from. */
  placement?: string;
}

/** The body of `POST /v1/events`. */
export interface EventBatch {
  /** A viewer pass the partner's server minted for the signed-in user (see `createPassMinter`). */
  viewer?: string;
  events: BeaconEvent[];
}

/** Why an accepted event is not `credited`, or why a trending impression debited nothing. */
export type EventReason =
  /** No viewer pass came with the batch. */
  | "viewer_pass_missing"
  /** The pass failed verification (see `viewer.reason` in the answer). */
  | "viewer_pass_invalid"
  /** The pass is valid, but for another partner than the card's. */
  | "viewer_pass_other_partner"
  /** The `User-Agent` is a crawler, preview fetcher, headless browser or tool. */
  | "bot_user_agent"
  /** This client IP already brought the cap of distinct credited viewers to this brand within the hour. */
  | "over_ip_cap"
  /** A trending impression without a placement. */
  | "placement_missing"
  /** A placement that is forged, expired, or for another card, partner or surface. */
  | "placement_invalid"
  /** This viewer already saw this card through this placement. */
  | "placement_reused"
  /** A paid slot needs a credited viewer. */
  | "not_credited"
  /** The brand's exposure balance is used up. */
  | "no_balance";

/** The answer for one event, in the order sent. */
export type EventResult =
  | {
      index: number;
      status: "accepted";
      quality: EventQuality;
      /** Where it was counted: `trending` only when it debited the brand's exposure. */
      slot: EventSlot;
      /** True on the click that made this viewer a new unique visitor of the brand today. */
      uv?: true;
      /** Why it is not `credited`, or why a trending impression counted as organic. */
      reason?: EventReason;
      /** Set when the events go through a stream: UV and debits are decided when it is folded. */
      queued?: true;
    }
  | { index: number; status: "duplicate" }
  | { index: number; status: "rejected"; code: string; message: string };

/** What the server made of the batch's viewer pass. */
export type ViewerPassStatus = { status: "valid"; partner: string } | { status: "missing" } | { status: "invalid"; reason: string };

/** The 202 answer of `POST /v1/events`. */
export interface EventsResponse {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Accepted events of quality `credited`. */
  credited: number;
  viewer: ViewerPassStatus;
  results: EventResult[];
  /** The rejected events alone (also in `results`). */
  errors?: Array<{ index: number; code: string; message: string }>;
}
