/**
 * `POST /v1/events`: the widget's impression and click beacons, from partner pages only
 * (see `services/ingest-events.ts` for what is counted and what is credited).
 *
 * Accepts `application/json` and `text/plain` (what `navigator.sendBeacon` sends without a
 * CORS preflight). The route owns its guards, so they hold for every spelling of its URL that
 * reaches it (`/v1/events/`, `/v1/%65vents`…): the `Origin` must belong to a partner, checked
 * before any state is kept for the request (that refusal, `origin_not_allowed`, is readable by
 * the page it refuses, so the widget can log it); then each partner and client may send
 * `MINICARD_EVENTS_PER_MINUTE` batches a minute.
 */

import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { EVENTS_PER_CLIENT } from "../limits/abuse.js";
import { Problem } from "../problems.js";
import { body, problemResponses, ref } from "../openapi.js";
import { ingestEvents } from "../services/ingest-events.js";
import { clientOf } from "../limits/client.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The partners a beacon's `Origin` belongs to, on the events route. */
    partners?: string[];
  }
}

/** `POST /v1/events`, for `/openapi.json` (the batch is validated by `ingestEvents`). */
const eventsSchema = {
  summary: "Send impression and click beacons",
  description:
    "From partner pages only: the `Origin` must be one of a partner's origins (`origin_not_allowed` otherwise, readable by the refused page). `MINICARD_EVENTS_PER_MINUTE` batches per partner and client a minute. Each event is accepted, a duplicate, or rejected on its own.",
  body: {
    content: {
      "application/json": { schema: ref("EventBatch") },
      "text/plain": { schema: ref("EventBatch") },
    },
  },
  response: {
    202: body("What became of each event.", ref("EventsResponse")),
    ...problemResponses("origin_not_allowed", "validation_failed", "too_many_events", "malformed_json", "unsupported_media_type", "payload_too_large", "rate_limited", "store_unavailable"),
  },
};

/** The events route and its guards. */
export function eventRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser("text/plain", { parseAs: "string" }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new Problem("malformed_json", "the body is not valid JSON"), undefined);
      }
    });

    const beacons = context.counters("events", context.config.eventsPerMinute, EVENTS_PER_CLIENT.windowSeconds);
    app.addHook("onRequest", async (request) => {
      // An unknown origin is refused before anything is remembered about it: the guard below
      // keys on known partners only, so a flood of invented origins costs no memory.
      const origin = request.headers.origin;
      const partners = origin ? await context.origins.partnersOf(origin) : [];
      if (partners.length === 0) {
        // The refused page may read why (no credentials, nothing granted), so the widget can
        // tell its developer which origin to register; every other answer stays partner-only.
        throw new Problem("origin_not_allowed", origin ? `${origin.slice(0, 200)} is not a partner origin` : "events are accepted from partner pages only (no Origin)", {
          headers: origin ? { "access-control-allow-origin": "*" } : {},
        });
      }
      const client = `${partners.join(",")} ${clientOf(request.ip)}`;
      const wait = await beacons.take(client, context.now());
      if (wait > 0) {
        context.metrics.count("minicard_abuse_refused_total", { guard: "events" });
        throw new Problem("rate_limited", `too many beacons from this client; retry in ${wait} s`, {
          headers: { "retry-after": String(wait) },
          extra: { retryAfter: wait },
        });
      }
      request.partners = partners;
    });

    app.post("/v1/events", { schema: eventsSchema }, async (request, reply) => {
      const answer = await ingestEvents(
        {
          ...context.traffic,
          store: context.store,
          exchangeRatio: context.config.exchangeRatio,
          now: context.now,
          onStreamFailure: (error) => {
            context.metrics.count("minicard_events_stream_fallback_total");
            request.log.warn({ err: error }, "the event stream refused a batch; stored it directly");
          },
        },
        { partners: request.partners!, ip: request.ip, userAgent: request.headers["user-agent"] },
        request.body,
      );
      const accepted = new Map<string, number>();
      for (const result of answer.results) {
        if (result.status === "accepted") accepted.set(result.quality, (accepted.get(result.quality) ?? 0) + 1);
      }
      for (const [quality, n] of accepted) context.metrics.count("minicard_events_total", { quality }, n);
      return reply.code(202).send(answer);
    });
  };
}
