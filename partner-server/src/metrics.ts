/**
 * Prometheus metrics, through `prom-client`: the product's own series (declared once, in
 * {@link METRICS}) in a registry per server, plus the process's default metrics (CPU, heap,
 * GC, event-loop lag, open handles), collected once per process and shared by every server in
 * it. `/metrics` serves the two together, behind `MINICARD_METRICS_TOKEN` (`routes/health.ts`).
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Seconds: from a millisecond up to the 10 s a request may wait for storage. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Every series the server writes: its kind, help and label names. One place, so a typo cannot start a new series. */
export const METRICS = {
  minicard_http_requests_total: { kind: "counter", help: "HTTP requests by route, method and status.", labels: ["route", "method", "status"] },
  minicard_http_request_duration_seconds: { kind: "histogram", help: "HTTP request duration by route.", labels: ["route"] },
  minicard_issuance_duration_seconds: {
    kind: "histogram",
    help: "Card issuance latency by outcome (issued, refused, replayed) and, when refused, the problem code.",
    labels: ["outcome", "code"],
  },
  minicard_cards_issued_total: { kind: "counter", help: "Cards issued by surface.", labels: ["surface"] },
  minicard_issuance_refused_total: { kind: "counter", help: "Issuance requests refused, by code.", labels: ["code"] },
  minicard_events_total: { kind: "counter", help: "Widget events accepted, by quality.", labels: ["quality"] },
  minicard_abuse_refused_total: { kind: "counter", help: "Requests refused by an abuse guard, by guard.", labels: ["guard"] },
  minicard_signing_keys: { kind: "gauge", help: "Signing keys published in the JWKS.", labels: [] },
  minicard_signing_thread_failures_total: {
    kind: "counter",
    help: "Times the signing thread failed (its cards were signed on the main thread; after three in a row, signing stays there).",
    labels: [],
  },
  minicard_events_backlog: { kind: "gauge", help: "Beacon batches in the event stream not yet folded into the store (Redis only).", labels: [] },
  minicard_events_stream_fallback_total: { kind: "counter", help: "Beacon batches stored directly because the event stream could not take them.", labels: [] },
} as const satisfies Record<string, { kind: "counter" | "gauge" | "histogram"; help: string; labels: readonly string[] }>;

type Definitions = typeof METRICS;
type NamesOf<K extends string> = { [N in keyof Definitions]: Definitions[N]["kind"] extends K ? N : never }[keyof Definitions];
/** A counter's name. */
export type CounterName = NamesOf<"counter">;
/** A gauge's name. */
export type GaugeName = NamesOf<"gauge">;
/** A histogram's name. */
export type HistogramName = NamesOf<"histogram">;
/** The labels a series takes (each optional: an absent label is empty). */
export type Labels<N extends keyof Definitions> = Partial<Record<Definitions[N]["labels"][number], string>>;

/** The server's metrics. */
export interface Metrics {
  /** Adds 1 (or `by`) to a counter. */
  count<N extends CounterName>(name: N, labels?: Labels<N>, by?: number): void;
  /** Records one observation, in seconds. */
  observe<N extends HistogramName>(name: N, seconds: number, labels?: Labels<N>): void;
  /** Sets a gauge. */
  gauge<N extends GaugeName>(name: N, value: number, labels?: Labels<N>): void;
  /** The exposition text: this server's series and the process's. */
  render(): Promise<string>;
  /** Its content type. */
  readonly contentType: string;
}

/** The process's default metrics: one collector per process, whatever the number of servers in it. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Creates a server's registry with every series of {@link METRICS}. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const series = new Map<string, Counter | Gauge | Histogram>();
  for (const [name, { kind, help, labels }] of Object.entries(METRICS) as Array<[string, { kind: string; help: string; labels: readonly string[] }]>) {
    const options = { name, help, labelNames: [...labels], registers: [registry] };
    series.set(name, kind === "counter" ? new Counter(options) : kind === "gauge" ? new Gauge(options) : new Histogram({ ...options, buckets: BUCKETS }));
  }
  const shared = processMetrics();
  return {
    count(name, labels = {}, by = 1) {
      (series.get(name) as Counter).inc(labels as Record<string, string>, by);
    },
    observe(name, seconds, labels = {}) {
      (series.get(name) as Histogram).observe(labels as Record<string, string>, seconds);
    },
    gauge(name, value, labels = {}) {
      (series.get(name) as Gauge).set(labels as Record<string, string>, value);
    },
    render: () => Registry.merge([registry, shared]).metrics(),
    contentType: registry.contentType,
  };
}
