/**
 * `POST /v1/events`: the widget's impression and click beacons, from partner origins only.
 *
 * Accepts `application/json` and `text/plain` (what `navigator.sendBeacon` sends without a
 * CORS preflight). The partner is known from the `Origin`; each event must name a live card
 * of that partner. Bad events are rejected one by one with a code and nothing of them is
 * stored; an impression repeated by the same visitor within the same minute counts once.
 */

import type { FastifyPluginAsync } from "fastify";
import { validateSchema } from "@minicard/sdk";
import type { AppContext } from "../context.js";
import { newId } from "../domain/ids.js";
import { cardState, type StoredEvent } from "../domain/model.js";
import { Problem, validationProblem } from "../problems.js";
import { ledgerOf } from "../services/brand-stats.js";

/** Most events one beacon may carry. */
export const MAX_EVENTS = 50;
/** Events older than this, or further in the future, are refused. */
const MAX_AGE_MS = 24 * 3600 * 1000;
const MAX_SKEW_MS = 5 * 60 * 1000;
const DEDUP_WINDOW_MS = 60_000;

const eventSchema = {
  type: "object",
  properties: {
    type: { type: "string", enum: ["impression", "click"] },
    card: { type: "string", pattern: "^[0-9A-HJKMNP-TV-Z]{26}$", errorMessage: "must be a card id" },
    visitor: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:\\-]+$", errorMessage: "must be an opaque id of letters, digits, _ . : -" },
    ts: { type: "integer", minimum: 0 },
    slot: { type: "string", enum: ["organic", "trending"] },
  },
  required: ["type", "card", "visitor"],
  additionalProperties: false,
} as const;


/** Why one event was not accepted. */
interface Rejection {
  index: number;
  code: "invalid_event" | "card_unknown" | "card_unavailable" | "wrong_partner" | "stale_event" | "not_in_paid_slot";
  message: string;
}

/** The events route. */
export function eventRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser("text/plain", { parseAs: "string" }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new Problem("malformed_json", "the body is not valid JSON"), undefined);
      }
    });

    app.post("/v1/events", async (request, reply) => {
      const origin = request.headers.origin;
      const partners = origin ? await context.origins.partnersOf(origin) : [];
      if (partners.length === 0) {
        throw new Problem("origin_not_allowed", origin ? `${origin} is not a partner origin` : "events are accepted from partner pages only (no Origin)");
      }
      const body = request.body as { events?: unknown } | null;
      if (typeof body !== "object" || body === null || Array.isArray(body) || !Array.isArray(body.events)) {
        throw validationProblem([{ path: "/events", message: "is required: a list of events" }]);
      }
      const extra = Object.keys(body).filter((key) => key !== "events");
      if (extra.length > 0) throw validationProblem(extra.map((key) => ({ path: `/${key}`, message: "is not a known field" })));
      if (body.events.length > MAX_EVENTS) throw new Problem("too_many_events", `send at most ${MAX_EVENTS} events at once`);

      const now = context.now();
      const rejected: Rejection[] = [];
      const valid: Array<{ index: number; type: "impression" | "click"; card: string; visitor: string; at: number; slot: "organic" | "trending" }> = [];
      body.events.forEach((event, index) => {
        const errors = validateSchema(eventSchema, event);
        if (errors.length > 0) {
          rejected.push({ index, code: "invalid_event", message: `${errors[0]!.path} ${errors[0]!.message}` });
          return;
        }
        const { type, card, visitor, ts, slot } = event as { type: "impression" | "click"; card: string; visitor: string; ts?: number; slot?: "organic" | "trending" };
        const at = ts ?? now;
        if (at < now - MAX_AGE_MS || at > now + MAX_SKEW_MS) {
          rejected.push({ index, code: "stale_event", message: "ts must be within the last 24 hours" });
          return;
        }
        valid.push({ index, type, card, visitor, at: Math.min(at, now), slot: slot ?? "organic" });
      });

      const rows = new Map((await context.store.cards.statuses([...new Set(valid.map((event) => event.card))])).map((row) => [row.id, row]));
      const events: StoredEvent[] = [];
      const indexes: number[] = [];
      for (const event of valid) {
        const card = rows.get(event.card);
        if (!card) {
          rejected.push({ index: event.index, code: "card_unknown", message: `no card ${event.card}` });
        } else if (!partners.includes(card.partnerId)) {
          rejected.push({ index: event.index, code: "wrong_partner", message: `card ${event.card} was not issued for ${origin}` });
        } else if (cardState(card, now) !== "active") {
          rejected.push({ index: event.index, code: "card_unavailable", message: `card ${event.card} is ${cardState(card, now)}` });
        } else {
          events.push({
            id: newId(event.at),
            type: event.type,
            cardId: card.id,
            brandId: card.brandId,
            partnerId: card.partnerId,
            surface: card.surface,
            slot: event.slot,
            visitor: event.visitor,
            at: event.at,
            dedupKey: event.type === "impression" ? `${card.id}|${event.visitor}|${event.slot}|${Math.floor(event.at / DEDUP_WINDOW_MS)}` : undefined,
          });
          indexes.push(event.index);
        }
      }
      // A hot-list (paid) slot shows only brands with exposure left: a trending impression of a
      // brand without balance did not come from the hot list (docs/growth.md). Clicks always
      // count: a visit is a visit, and it is what tops the balance up.
      const paid = (event: StoredEvent) => event.type === "impression" && event.slot === "trending";
      const trendingBrands = [...new Set(events.filter(paid).map((event) => event.brandId))];
      if (trendingBrands.length > 0) {
        const ledgers = await context.store.events.ledger(trendingBrands);
        const broke = new Set(ledgers.filter((row) => ledgerOf(row.uv, row.pvDelivered, context.config.exchangeRatio).pvBalance <= 0).map((row) => row.brandId));
        for (let i = events.length - 1; i >= 0; i--) {
          if (!paid(events[i]!) || !broke.has(events[i]!.brandId)) continue;
          rejected.push({ index: indexes[i]!, code: "not_in_paid_slot", message: `brand ${events[i]!.brandId} has no exposure balance: its cards are not in the hot list` });
          events.splice(i, 1);
          indexes.splice(i, 1);
        }
      }
      const stored = events.length > 0 ? await context.store.events.insert(events) : 0;
      for (const event of events) context.metrics.count("minicard_events_total", { type: event.type });
      rejected.sort((a, b) => a.index - b.index);
      return reply.code(202).send({
        accepted: events.length,
        duplicates: events.length - stored,
        rejected: rejected.length,
        ...(rejected.length > 0 ? { errors: rejected } : {}),
      });
    });
  };
}
