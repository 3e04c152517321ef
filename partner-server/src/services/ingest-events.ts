/**
 * Ingesting widget beacons (`POST /v1/events`): every event is counted, and only trusted ones
 * are credited. Counting and crediting are two different things, because a credited unique
 * visitor earns a brand 3000 PV of exposure: UV credit is money.
 *
 * For a batch from a partner's page (the route has resolved its `Origin` to partners):
 * 1. each event is validated and must name a live card of one of those partners, or it is
 *    rejected on its own with a code (nothing of it is stored);
 * 2. its quality: `bot` when the `User-Agent` is a crawler, preview fetcher, headless browser
 *    or tool; `unverified` without a valid viewer pass of the card's partner; `suspect` when
 *    the client is over its cap of distinct credited viewers for the brand; else `credited`;
 * 3. a `trending` impression keeps its paid slot only when credited, with a valid placement
 *    for its card, partner and surface, while the brand has exposure left; otherwise it is
 *    counted as organic, with the reason;
 * 4. the store keeps the events with, in the same transaction, the unique visits credited
 *    clicks earn (one per brand, UTC day and viewer), the debits of paid slots (one per
 *    placement and viewer) and the rollups; with a stream (Redis configured), the batch is
 *    appended to it instead, and the consumer group runs that transaction when it folds.
 *
 * The answer reports each event's outcome. A bad pass or a bad event never fails the batch.
 */

import { CARD_ID_PATTERN, MAX_EVENTS, validateSchema, type EventReason, type EventResult, type EventSlot, type EventsResponse, type Surface, type ViewerPassStatus } from "@minicard/sdk";
import { dedupKey } from "../domain/counting.js";
import { newId } from "../domain/ids.js";
import { cardState, type CardStatusRow, type EventQuality, type EventType, type IngestOutcome, type StoredEvent } from "../domain/model.js";
import { Problem, validationProblem } from "../problems.js";
import type { Store } from "../store/store.js";
import { isBot } from "../traffic/bots.js";
import type { PassCheck, PassVerifier } from "../traffic/passes.js";
import { PLACEMENT_PATTERN, type Placements } from "../traffic/placements.js";
import { clientOf } from "../limits/client.js";
import type { ViewerCap } from "../traffic/viewer-cap.js";
import type { EventStream } from "../traffic/event-stream.js";
import { ledgerOf } from "./brand-stats.js";

/** Events older than this, or further in the future, are refused. */
const MAX_AGE_MS = 24 * 3600 * 1000;
const MAX_SKEW_MS = 5 * 60 * 1000;

/** One event of a batch (also the `EventBatch` schema's items in `/openapi.json`). */
export const eventSchema = {
  type: "object",
  properties: {
    type: { type: "string", enum: ["impression", "click"] },
    card: { type: "string", pattern: CARD_ID_PATTERN, errorMessage: "must be a card id" },
    visitor: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:\\-]+$", errorMessage: "must be an opaque id of letters, digits, _ . : -" },
    ts: { type: "integer", minimum: 0 },
    slot: { type: "string", enum: ["organic", "trending"] },
    placement: { type: "string", maxLength: 200 },
  },
  required: ["type", "card", "visitor"],
  additionalProperties: false,
} as const;

/** What ingestion needs. */
export interface IngestContext {
  store: Store;
  passes: PassVerifier;
  cap: ViewerCap;
  placements: Placements;
  /** PV granted per UV: the brand's balance gates paid slots. */
  exchangeRatio: number;
  now: () => number;
  /**
   * With several instances: batches are appended to this stream and folded into the store by
   * a consumer group (`traffic/event-stream.ts`); the answer then says `queued`.
   */
  stream?: Pick<EventStream, "append"> | undefined;
  /** The stream could not take a batch, which was stored directly instead. */
  onStreamFailure?: (error: unknown) => void;
}

/** Where a batch came from, as the route established it. */
export interface BeaconSource {
  /** The partners the page's `Origin` belongs to (at least one). */
  partners: readonly string[];
  /** The client's IP address (`request.ip`). */
  ip: string;
  userAgent: string | undefined;
}

type Rejection = Extract<EventResult, { status: "rejected" }>;

interface Candidate {
  index: number;
  type: EventType;
  card: CardStatusRow;
  visitor: string;
  at: number;
  wantsTrending: boolean;
  placement: string | undefined;
  quality: EventQuality;
  reason: EventReason | undefined;
  slot: EventSlot;
  placementId: string | undefined;
}

function passStatus(pass: PassCheck): ViewerPassStatus {
  if (pass.status === "valid") return { status: "valid", partner: pass.partner };
  return pass.status === "missing" ? { status: "missing" } : { status: "invalid", reason: pass.reason };
}

/** Parses the body's shape, or throws `validation_failed` / `too_many_events`. */
function parseBatch(body: unknown): { viewer: string | undefined; events: unknown[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !Array.isArray((body as { events?: unknown }).events)) {
    throw validationProblem([{ path: "/events", message: "is required: a list of events" }]);
  }
  const batch = body as { viewer?: unknown; events: unknown[] };
  const extra = Object.keys(batch).filter((key) => key !== "events" && key !== "viewer");
  if (extra.length > 0) throw validationProblem(extra.map((key) => ({ path: `/${key}`, message: "is not a known field" })));
  if (batch.viewer !== undefined && typeof batch.viewer !== "string") {
    throw validationProblem([{ path: "/viewer", message: "must be a viewer pass (a string)" }]);
  }
  if (batch.events.length > MAX_EVENTS) throw new Problem("too_many_events", `send at most ${MAX_EVENTS} events at once`);
  return { viewer: batch.viewer as string | undefined, events: batch.events };
}

/** Appends to the stream when there is one (falling back to the store when it fails), else stores. */
async function write(context: IngestContext, events: StoredEvent[]): Promise<IngestOutcome[] | "queued"> {
  if (context.stream) {
    try {
      await context.stream.append(events);
      return "queued";
    } catch (error) {
      // The store's transaction is what the fold would run; the ids make a later fold harmless.
      context.onStreamFailure?.(error);
    }
  }
  return context.store.events.insert(events);
}

/** Ingests one beacon batch; answers the 202 body. Throws {@link Problem}s for a malformed batch only. */
export async function ingestEvents(context: IngestContext, source: BeaconSource, body: unknown): Promise<EventsResponse> {
  const batch = parseBatch(body);
  const now = context.now();
  const rejected: Rejection[] = [];
  const valid: Array<{ index: number; type: EventType; card: string; visitor: string; at: number; wantsTrending: boolean; placement: string | undefined }> = [];
  batch.events.forEach((event, index) => {
    const errors = validateSchema(eventSchema, event);
    if (errors.length > 0) {
      rejected.push({ index, status: "rejected", code: "invalid_event", message: `${errors[0]!.path} ${errors[0]!.message}` });
      return;
    }
    const { type, card, visitor, ts, slot, placement } = event as { type: EventType; card: string; visitor: string; ts?: number; slot?: EventSlot; placement?: string };
    const at = ts ?? now;
    if (at < now - MAX_AGE_MS || at > now + MAX_SKEW_MS) {
      rejected.push({ index, status: "rejected", code: "stale_event", message: "ts must be within the last 24 hours" });
      return;
    }
    valid.push({ index, type, card, visitor, at: Math.min(at, now), wantsTrending: slot === "trending", placement });
  });

  const [pass, rows] = await Promise.all([
    context.passes.check(batch.viewer, source.partners, now),
    context.store.cards.statuses([...new Set(valid.map((event) => event.card))]),
  ]);
  const cards = new Map(rows.map((row) => [row.id, row]));
  const bot = isBot(source.userAgent);
  const candidates: Candidate[] = [];
  for (const event of valid) {
    const card = cards.get(event.card);
    if (!card) {
      rejected.push({ index: event.index, status: "rejected", code: "card_unknown", message: `no card ${event.card}` });
    } else if (!source.partners.includes(card.partnerId)) {
      rejected.push({ index: event.index, status: "rejected", code: "wrong_partner", message: `card ${event.card} was not issued for this page's partner` });
    } else if (cardState(card, now) !== "active") {
      rejected.push({ index: event.index, status: "rejected", code: "card_unavailable", message: `card ${event.card} is ${cardState(card, now)}` });
    } else {
      let quality: EventQuality = "credited";
      let reason: EventReason | undefined;
      if (bot) [quality, reason] = ["bot", "bot_user_agent"];
      else if (pass.status === "missing") [quality, reason] = ["unverified", "viewer_pass_missing"];
      else if (pass.status === "invalid") [quality, reason] = ["unverified", "viewer_pass_invalid"];
      else if (pass.partner !== card.partnerId) [quality, reason] = ["unverified", "viewer_pass_other_partner"];
      // Spelled out, not spread: this runs for every event, and a spread of a differently shaped object is slow.
      candidates.push({
        index: event.index,
        type: event.type,
        card,
        visitor: event.visitor,
        at: event.at,
        wantsTrending: event.wantsTrending,
        placement: event.placement,
        quality,
        reason,
        slot: "organic",
        placementId: undefined,
      });
    }
  }

  // The per-client cap, charged only for events otherwise credited.
  const viewer = pass.status === "valid" ? pass.subject : undefined;
  const capped = candidates.filter((candidate) => candidate.quality === "credited");
  if (capped.length > 0) {
    const client = clientOf(source.ip);
    const admitted = await context.cap.admit(capped.map((candidate) => ({ client, brand: candidate.card.brandId, viewer: viewer! })), now);
    capped.forEach((candidate, i) => {
      if (!admitted[i]) [candidate.quality, candidate.reason] = ["suspect", "over_ip_cap"];
    });
  }

  // Paid slots: a credited impression with a placement of this card, partner and surface.
  for (const candidate of candidates) {
    if (!candidate.wantsTrending || candidate.type !== "impression") continue;
    if (candidate.quality !== "credited") continue; // its quality's reason says why
    if (candidate.placement === undefined) candidate.reason = "placement_missing";
    else {
      const check = PLACEMENT_PATTERN.test(candidate.placement)
        ? context.placements.check(candidate.placement, { card: candidate.card.id, partner: candidate.card.partnerId, surface: candidate.card.surface as Surface }, now)
        : { valid: false as const };
      if (check.valid) [candidate.slot, candidate.placementId] = ["trending", check.id];
      else candidate.reason = "placement_invalid";
    }
  }
  const paid = candidates.filter((candidate) => candidate.slot === "trending");
  if (paid.length > 0) {
    const ledgers = await context.store.events.ledger([...new Set(paid.map((candidate) => candidate.card.brandId))]);
    const broke = new Set(ledgers.filter((row) => ledgerOf(row.uv, row.pvDelivered, context.exchangeRatio).pvBalance <= 0).map((row) => row.brandId));
    for (const candidate of paid) {
      if (broke.has(candidate.card.brandId)) [candidate.slot, candidate.placementId, candidate.reason] = ["organic", undefined, "no_balance"];
    }
  }

  const events: StoredEvent[] = candidates.map((candidate) => {
    const who = candidate.quality === "credited" ? `v=${viewer}` : candidate.visitor;
    return {
      id: newId(candidate.at),
      type: candidate.type,
      cardId: candidate.card.id,
      brandId: candidate.card.brandId,
      partnerId: candidate.card.partnerId,
      surface: candidate.card.surface,
      slot: candidate.slot,
      quality: candidate.quality,
      visitor: candidate.visitor,
      viewer: candidate.quality === "credited" ? viewer : undefined,
      placement: candidate.placementId,
      at: candidate.at,
      dedupKey: candidate.type === "impression" ? dedupKey(candidate.card.id, who, candidate.slot, candidate.at) : undefined,
    };
  });
  const outcomes = events.length > 0 ? await write(context, events) : [];

  const results: EventResult[] = [...rejected];
  let duplicates = 0;
  let credited = 0;
  candidates.forEach((candidate, i) => {
    if (outcomes === "queued") {
      // Duplicates, unique visits and debits are decided when the stream is folded.
      if (candidate.quality === "credited") credited++;
      const result: EventResult = { index: candidate.index, status: "accepted", quality: candidate.quality, slot: candidate.slot, queued: true };
      if (candidate.reason) result.reason = candidate.reason;
      results.push(result);
      return;
    }
    const outcome = outcomes[i]!;
    if (outcome.duplicate) {
      duplicates++;
      results.push({ index: candidate.index, status: "duplicate" });
      return;
    }
    if (candidate.quality === "credited") credited++;
    // A placement already used by this viewer: counted, as organic.
    const reason = candidate.slot === "trending" && outcome.slot !== "trending" ? "placement_reused" : candidate.reason;
    const result: EventResult = { index: candidate.index, status: "accepted", quality: candidate.quality, slot: outcome.slot };
    if (outcome.uv) result.uv = true;
    if (reason) result.reason = reason;
    results.push(result);
  });
  results.sort((a, b) => a.index - b.index);
  const errors = rejected.map(({ index, code, message }) => ({ index, code, message })).sort((a, b) => a.index - b.index);
  return {
    accepted: candidates.length,
    duplicates,
    rejected: rejected.length,
    credited,
    viewer: passStatus(pass),
    results,
    ...(errors.length > 0 ? { errors } : {}),
  };
}
